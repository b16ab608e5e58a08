import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Packs the published packages and uses them the way a team would: from tarballs, in a fresh project.
import { workspaceRoot as root } from '@nx/devkit';
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NX_DAEMON: 'false' } });

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'batchwatch-consumer-'));
  run('npx', ['nx', 'run-many', '-t', 'build', '--projects=@batchwatch/client,@batchwatch/simulator', '--output-style=static'], root);
  run('npm', ['pack', '--silent', '--pack-destination', project, '-w', '@batchwatch/openapi', '-w', '@batchwatch/client'], root);
  cpSync(new URL('./fixtures/consumer/', import.meta.url), project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const tarballs = readdirSync(project).filter((file) => file.endsWith('.tgz'));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs.map((file) => `./${file}`)], project);
}, 240_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

// Packing, installing and compiling are slow on a busy 2-core machine; these are budgets, not assertions.
describe('the packed @batchwatch/client', { timeout: 120_000 }, () => {
  it('ships built ESM with types, and not the tests', () => {
    const listing = run('npm', ['pack', '--dry-run', '--json', '-w', '@batchwatch/client'], root);
    const files: string[] = JSON.parse(listing)[0].files.map((file: { path: string }) => file.path);
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'package.json', 'README.md']));
    expect(files.some((file) => file.startsWith('test/'))).toBe(false);
  });

  it('typechecks a consumer, where a wrong path, a missing path parameter and a wrong field name do not compile', () => {
    // Throws (and so fails) on any type error, including an unused @ts-expect-error.
    expect(() => run('node', [tsc, '-p', project], project)).not.toThrow();
  });

  it.each(['openapi', 'packages/client', 'packages/simulator'])('%s passes publint (exports, types, files)', (dir) => {
    expect(run('npx', ['publint', '--strict', dir], root)).toMatch(/All good/);
  });

  it('runs in the consumer: ids are rejected before any request', () => {
    expect(run('node', ['dist/consumer.js'], project).trim()).toBe('rejected customerId');
  });
});
