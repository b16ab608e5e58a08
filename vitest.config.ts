import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// `npm test`: every workspace's own Vitest project (its vitest.config.ts), in one run. The same tests as
// `nx run-many -t test`, which runs each project from its folder.
export default defineConfig({
  test: {
    projects: ['openapi', 'packages/*', 'apps/*', 'tests/*', 'tools', 'deploy'],
    // One worker more than there are cores, not Vitest's one fewer: most test time is spent waiting on real
    // servers, terminals and browsers, not computing (on 2 cores: 3 minutes instead of 6, same tests).
    maxWorkers: availableParallelism() + 1,
  },
});
