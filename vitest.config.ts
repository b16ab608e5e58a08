import { defineConfig } from 'vitest/config';

// One Vitest run for the whole repo, one project per workspace package. Sources
// resolve through the `@batchwatch/source` export condition, so tests never need
// a build first. `*.test-d.ts` files are type tests, checked by tsc.
const workspaces = {
  '@batchwatch/openapi': 'openapi',
  '@batchwatch/client': 'packages/client',
  '@batchwatch/simulator': 'packages/simulator',
  '@batchwatch/proxy': 'apps/proxy',
  '@batchwatch/tui': 'apps/tui',
  '@batchwatch/deploy': 'deploy',
};

export default defineConfig({
  resolve: { conditions: ['@batchwatch/source'] },
  ssr: { resolve: { conditions: ['@batchwatch/source'] } },
  test: {
    projects: Object.entries(workspaces).map(([name, dir]) => ({
      extends: true,
      test: {
        name,
        include: [`${dir}/test/**/*.test.{ts,tsx}`],
        typecheck: { enabled: true, include: [`${dir}/test/**/*.test-d.ts`], tsconfig: `${dir}/tsconfig.json` },
      },
    })),
  },
});
