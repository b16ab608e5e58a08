/**
 * The README's arrows are enforced by lint: each case lints one import as if it were written in a file of the
 * workspace (ESLint with the repository's eslint.config.js and Nx's project graph), and expects the boundary rule
 * to reject or accept it.
 */
import { join } from 'node:path';
import { workspaceRoot } from '@nx/devkit';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: workspaceRoot });

/** The boundary rule's messages for `import` written in `file` (a path from the workspace root). */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = value;\n`, { filePath: join(workspaceRoot, file) });
  return result!.messages.filter((message) => message.ruleId === '@nx/enforce-module-boundaries').map((message) => message.message);
}

describe('module boundaries', { timeout: 60_000 }, () => {
  it.each([
    [
      'the simulator never imports the client',
      'packages/simulator/src/forbidden.ts',
      "import { value } from '@batchwatch/client';",
      /can only depend on|Circular dependency/,
    ],
    ['nor do its tests', 'packages/simulator/test/forbidden.test.ts', "import { value } from '@batchwatch/client';", /can only depend on|Circular dependency/],
    [
      'the contract imports nothing of the workspace',
      'openapi/src/forbidden.ts',
      "import { value } from '@batchwatch/client';",
      /can only depend on|Circular dependency/,
    ],
    [
      'the client does not import an app',
      'packages/client/src/forbidden.ts',
      "import { value } from '@batchwatch/proxy';",
      /can only depend on|Circular dependency/,
    ],
    ['no app imports another app', 'apps/proxy/src/forbidden.ts', "import { value } from '@batchwatch/tui';", /can only depend on/],
    ['nor in its tests', 'apps/tui/test/forbidden.test.ts', "import { value } from '@batchwatch/proxy';", /can only depend on/],
    ['app source does not start the simulator', 'apps/proxy/src/forbidden.ts', "import { value } from '@batchwatch/simulator';", /can only depend on/],
    [
      'no relative import leaves a project',
      'packages/simulator/test/forbidden.test.ts',
      "import { value } from '../../../openapi/test/contract.js';",
      /relative or absolute path/,
    ],
  ])('%s', async (_rule, file, code, reason) => {
    const errors = await boundaryErrors(file, code);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(reason);
  });

  it.each([
    ['an app imports the client', 'apps/proxy/src/allowed.ts', "import { value } from '@batchwatch/client';"],
    ['the client imports the contract', 'packages/client/src/allowed.ts', "import { value } from '@batchwatch/openapi';"],
    ['client tests start the simulator they declare', 'packages/client/test/allowed.test.ts', "import { value } from '@batchwatch/simulator';"],
    ['tests use the contract helpers', 'packages/simulator/test/allowed.test.ts', "import { value } from '@batchwatch/openapi/testing';"],
    [
      'end-to-end tests use both apps',
      'tests/e2e/test/allowed.test.ts',
      "import { value } from '@batchwatch/proxy';\nimport { other } from '@batchwatch/tui';\nexport { other };",
    ],
  ])('allowed: %s', async (_rule, file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});
