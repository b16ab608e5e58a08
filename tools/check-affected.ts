/**
 * `npm run check:affected` (run by CI): the task graph must know who reads what. For each file in the table,
 * `nx show projects --affected --files=<file>` must name exactly the expected projects; otherwise the cache could
 * replay a stale result (a project's tests read a file Nx thinks they do not). Exits 1 on any mismatch.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from '@nx/devkit';

const OPENAPI = '@batchwatch/openapi';
const CLIENT = '@batchwatch/client';
const SIMULATOR = '@batchwatch/simulator';
const PROXY = '@batchwatch/proxy';
const TUI = '@batchwatch/tui';
const E2E = '@batchwatch/e2e';
const TOOLS = '@batchwatch/tools';
const DEPLOY = '@batchwatch/deploy';
const ALL = [OPENAPI, CLIENT, SIMULATOR, PROXY, TUI, E2E, TOOLS, DEPLOY];

/** A changed file, and every project whose targets read it (directly, through an import, or over HTTP in tests). */
export const table: Array<[file: string, affected: string[], why: string]> = [
  ['openapi/partner-center.yaml', ALL, 'the contract: generated types everywhere, the simulator and proxy validate against it'],
  ['openapi/proxy.yaml', ALL, 'the proxy contract, read by the generated types every project compiles against'],
  ['openapi/test/contract.ts', ALL, 'an openapi test helper (@batchwatch/openapi/testing), imported by other projects tests'],
  ['packages/simulator/src/index.ts', [SIMULATOR, CLIENT, PROXY, TUI, E2E, TOOLS, DEPLOY], 'client, proxy, TUI and deployment tests run against the simulator'],
  ['packages/client/src/index.ts', [CLIENT, PROXY, TUI, E2E, TOOLS, DEPLOY], 'both apps speak to Partner Center through the client; the artifact bundles it'],
  ['apps/proxy/src/index.ts', [PROXY, E2E, TOOLS, DEPLOY], 'the end-to-end tests, the demo and the deployment artifact start the proxy'],
  ['deploy/scripts/proxy-artifact.mjs', [DEPLOY], 'nothing depends on the deployment project'],
  ['apps/tui/src/index.ts', [TUI, E2E, TOOLS], 'the end-to-end tests and the demo run the terminal UI'],
  ['apps/tui/test/helpers.ts', [TUI, E2E, TOOLS], '@batchwatch/tui/testing, used by the end-to-end tests'],
  ['tests/e2e/test/proxy.ts', [E2E], 'nothing depends on the end-to-end tests'],
  ['tools/bench/tui.ts', [TOOLS], 'nothing depends on the tools'],
  ['vitest.shared.ts', ALL, 'the Vitest preset of every project'],
  ['vitest.config.ts', ALL, 'the root Vitest run (`npm test`): its projects and workers'],
  ['package.json', ALL, 'the root scripts, workspaces and tool versions'],
  ['eslint.config.js', ALL, 'the lint configuration of every project'],
  ['tsconfig.base.json', ALL, 'the compiler options of every project'],
  ['README.md', [], 'documentation only'],
];

const run = promisify(execFile);

async function affected(file: string): Promise<string[]> {
  const { stdout } = await run('npx', ['nx', 'show', 'projects', '--affected', `--files=${file}`, '--json'], {
    cwd: workspaceRoot,
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  return (JSON.parse(stdout) as string[]).sort();
}

/** One row's verdict line; each row is its own `nx` process, four at a time. */
async function check([file, expected, why]: (typeof table)[number]): Promise<{ ok: boolean; line: string }> {
  if (!existsSync(join(workspaceRoot, file))) return { ok: false, line: `✖ ${file}: no such file (update the table in tools/check-affected.ts)` };
  const actual = await affected(file);
  const want = [...expected].sort();
  const ok = actual.join() === want.join();
  const line = `${ok ? '✔' : '✖'} ${file} → ${actual.join(', ') || '(none)'}`;
  return { ok, line: ok ? line : `${line}\n    expected ${want.join(', ') || '(none)'}: ${why}` };
}

const results: Array<{ ok: boolean; line: string }> = [];
for (let start = 0; start < table.length; start += 4) results.push(...(await Promise.all(table.slice(start, start + 4).map(check))));
for (const { line } of results) console.log(line);
const wrong = results.filter((result) => !result.ok).length;
console.log(wrong === 0 ? `affected graph: all ${table.length} rows as expected` : `affected graph: ${wrong} of ${table.length} rows wrong`);
process.exitCode = wrong === 0 ? 0 : 1;
