import { defineConfig } from 'vitest/config';

// `npm test`: every workspace's own Vitest project (its vitest.config.ts), in one run. The same tests as
// `nx run-many -t test`, which runs each project from its folder.
export default defineConfig({
  test: {
    projects: ['openapi', 'packages/*', 'apps/*', 'tests/*', 'tools', 'deploy'],
  },
});
