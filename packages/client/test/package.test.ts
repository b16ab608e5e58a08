import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVirtualClock, startSimulator, type RunningSimulator } from '@batchwatch/simulator';

// Packs the published packages and uses them the way a team would: from tarballs, in a fresh project.
import { workspaceRoot as root } from '@nx/devkit';
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const esbuild = join(root, 'node_modules/.bin/esbuild');
const fixtures = new URL('./fixtures/consumer/', import.meta.url);
const run = (command: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NX_DAEMON: 'false', ...env } });

const published = { '@batchwatch/openapi': 'openapi', '@batchwatch/client': 'packages/client', '@batchwatch/simulator': 'packages/simulator' };
const privateApps = { '@batchwatch/proxy': 'apps/proxy', '@batchwatch/tui': 'apps/tui' };
const readme = (dir: string) => readFileSync(join(root, dir, 'README.md'), 'utf8');
const packedFiles = (name: string): string[] =>
  JSON.parse(run('npm', ['pack', '--dry-run', '--json', '-w', name], root))[0].files.map((file: { path: string }) => file.path);

let project: string;

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'batchwatch-consumer-'));
  run('npx', ['nx', 'run-many', '-t', 'build', `--projects=${Object.keys(published).join(',')}`, '--output-style=static'], root);
  run('npm', ['pack', '--silent', '--pack-destination', project, ...Object.keys(published).flatMap((name) => ['-w', name])], root);
  cpSync(fixtures, project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const tarballs = readdirSync(project).filter((file) => file.endsWith('.tgz'));
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '@types/node@~20.19', ...tarballs.map((file) => `./${file}`)], project);
}, 300_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

// Packing, installing and compiling are slow on a busy 2-core machine; these are budgets, not assertions.
describe('the packed @batchwatch/client', { timeout: 120_000 }, () => {
  it('ships built ESM with types, and not the tests', () => {
    const files = packedFiles('@batchwatch/client');
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'package.json', 'README.md', 'LICENSE']));
    expect(files.some((file) => file.startsWith('test/'))).toBe(false);
  });

  it('typechecks a consumer (nodenext), where a wrong path, a missing path parameter and a wrong field name do not compile', () => {
    // Throws (and so fails) on any type error, including an unused @ts-expect-error.
    expect(() => run('node', [tsc, '-p', project], project)).not.toThrow();
  });

  it('typechecks the same consumer with moduleResolution bundler', () => {
    expect(() => run('node', [tsc, '-p', join(project, 'tsconfig.bundler.json')], project)).not.toThrow();
  });

  it.each(Object.values(published))('%s passes publint (exports, types, files)', (dir) => {
    expect(run('npx', ['publint', '--strict', dir], root)).toMatch(/All good/);
  });

  it('runs in the consumer: ids are rejected before any request', () => {
    expect(run('node', ['dist/consumer.js'], project).trim()).toBe('rejected customerId');
  });
});

describe('every package', { timeout: 120_000 }, () => {
  it.each(Object.keys(published))('%s: its tarball holds the MIT LICENSE', (name) => {
    expect(packedFiles(name)).toContain('LICENSE');
    const license = readFileSync(join(project, 'node_modules', name, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License/);
  });

  it.each(Object.entries({ ...published, ...privateApps }))('%s: declares its engine (Node >= 20.19) and license', (_, dir) => {
    const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
    expect(manifest.engines).toEqual({ node: '>=20.19' });
    expect(manifest.license).toBe('MIT');
    expect(existsSync(join(root, dir, 'LICENSE'))).toBe(true);
  });

  it.each(Object.keys(published))('%s: has no side effect on import (sideEffects: false), and require() loads it', (name) => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'));
    expect(manifest.sideEffects).toBe(false);
    // require(esm): CommonJS code loads the ESM package on Node >= 20.19, as the READMEs say.
    const script = `const m = require(${JSON.stringify(name)}); console.log(Object.keys(m).length > 0)`;
    expect(run('node', ['-e', script], project).trim()).toBe('true');
  });
});

describe('a CommonJS bundle (esbuild --format=cjs, the usual Lambda set-up)', { timeout: 120_000 }, () => {
  it.each(Object.keys(published))('of %s loads: nothing runs at import that a bundle lacks (import.meta.url)', (name) => {
    const entry = join(project, `entry-${name.split('/')[1]}.mjs`);
    writeFileSync(entry, `export * from ${JSON.stringify(name)};\n`);
    const bundle = entry.replace(/\.mjs$/, '.cjs');
    run(esbuild, [entry, '--bundle', '--platform=node', '--format=cjs', '--log-level=error', `--outfile=${bundle}`], project);
    expect(run('node', ['-e', `console.log(Object.keys(require(${JSON.stringify(bundle)})).length > 0)`], project).trim()).toBe('true');
  });

  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ clock: createVirtualClock() }); // time stands still: the batch is queued however long node takes to start
  });
  afterAll(() => sim.close());

  it('is built with the README recipe, loads, and calls Partner Center', async () => {
    const recipe = /^npx esbuild (.+)$/m.exec(readme('packages/client'))?.[1];
    expect(recipe).toMatch(/--bundle .*--platform=node .*--format=cjs/);
    run(esbuild, recipe!.split(' '), project);

    const batch = sim.addBatch('device-errors');
    const invoke = `require('./dist/handler.cjs').handler(${JSON.stringify({ customerId: batch.customerId, trackingId: batch.trackingId })})
      .then((result) => console.log(JSON.stringify(result)))`;
    // Asynchronously: the simulator answers from this process.
    const env = { ...process.env, PARTNER_CENTER_URL: sim.url, PARTNER_CENTER_TOKEN: 'simulator-token' };
    const { stdout } = await promisify(execFile)('node', ['-e', invoke], { cwd: project, env, encoding: 'utf8' });
    expect(JSON.parse(stdout)).toEqual({ status: 'queued', failed: 0 });
    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([['GET', batch.statusPath, 200]]);
  });

  it('the root README gives the same recipe', () => {
    expect(readme('.')).toContain(/^npx esbuild .+$/m.exec(readme('packages/client'))![0]);
  });
});

describe("the simulator README's unit-test example", { timeout: 120_000 }, () => {
  it('is the fixture, verbatim', () => {
    const example = readFileSync(new URL('team-test.ts', fixtures), 'utf8');
    expect(readme('packages/simulator')).toContain(example);
  });

  it('passes as a team runs it: compiled, with node:test, against the packed packages', () => {
    const output = run('node', ['--test', '--test-reporter=tap', 'dist/team-test.js'], project); // Node 24 defaults to the spec reporter
    expect(output).toMatch(/# pass 1/);
    expect(output).toMatch(/# fail 0/);
  });
});
