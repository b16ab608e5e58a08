import { defineProject } from 'vitest/config';

/**
 * The Vitest project of one workspace, run from its folder (`nx run <project>:test`, `npm test -w <name>`) or from
 * the root (`npm test`, which lists every project in vitest.config.ts). Sources resolve through the
 * `@batchwatch/source` export condition, so tests never need a build first. `*.test-d.ts` files are type tests.
 */
export function workspaceProject(name: string) {
  return defineProject({
    resolve: { conditions: ['@batchwatch/source'] },
    ssr: { resolve: { conditions: ['@batchwatch/source'] } },
    test: {
      name,
      include: ['test/**/*.test.{ts,tsx}'],
      // Generous budgets: the suite must pass on a loaded 2-core machine (Vitest's 5 s default does not).
      testTimeout: 60_000,
      hookTimeout: 120_000,
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    },
  });
}
