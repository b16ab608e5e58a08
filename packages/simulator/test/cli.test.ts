/** `batchwatch-simulator`: argument parsing, and the real process (started through tsx from source). */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_CLI_PORT, parseCli, type CliConfig } from '../src/cli-args.js';
import { scenarios } from '../src/index.js';
import { DOC_CUSTOMER, OTHER_CUSTOMER, call, json } from './support/http.js';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');

function config(argv: string[], env: NodeJS.ProcessEnv = {}): CliConfig {
  const command = parseCli(argv, env);
  if (command.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(command)}`);
  return command.config;
}

function errorOf(argv: string[], env: NodeJS.ProcessEnv = {}): string {
  const command = parseCli(argv, env);
  if (command.kind !== 'error') throw new Error(`expected an error, got ${command.kind}`);
  return command.message;
}

describe('parseCli', () => {
  it('defaults: port 8790, 127.0.0.1, simulator-token, speed 1, the demo scenario', () => {
    expect(config([])).toEqual({
      host: '127.0.0.1',
      port: DEFAULT_CLI_PORT,
      token: 'simulator-token',
      speed: 1,
      scenarios: [scenarios.demo],
      customerId: undefined,
      variants: {},
    });
    expect(DEFAULT_CLI_PORT).toBe(8790);
  });

  it('--variant repeats, BATCHWATCH_SIMULATOR_VARIANTS is comma-separated, and flags win', () => {
    expect(config(['--variant', 'integer-statuses', '--variant', 'unknown-status=cancelled', '--variant', 'duplicate-devices=2']).variants).toEqual({
      integerStatuses: true,
      unknownStatus: 'cancelled',
      duplicateDevices: 2,
    });
    const env = { BATCHWATCH_SIMULATOR_VARIANTS: 'sentinel-dates, numeric-fault-codes,in-progress-devices' };
    expect(config([], env).variants).toEqual({ sentinelDates: true, numericFaultCodes: true, inProgressDevices: true });
    expect(config(['--variant', 'unknown-status=5'], env).variants).toEqual({ unknownStatus: 5 });
    expect(errorOf(['--variant', 'integer'])).toMatch(/--variant: unknown variant "integer" \(sentinel-dates, /);
    expect(errorOf(['--variant', 'unknown-status'])).toMatch(/needs a value: unknown-status=<value>/);
    expect(errorOf(['--variant', 'sentinel-dates=yes'])).toMatch(/sentinel-dates takes no value/);
    expect(errorOf(['--variant', 'duplicate-devices=two'])).toMatch(/duplicateDevices must be an integer >= 0/);
  });

  it('reads every flag; --scenario repeats; --token * accepts any token', () => {
    const c = config([
      '--port',
      '0',
      '--host',
      '0.0.0.0',
      '--token',
      '*',
      '--speed',
      '2.5',
      '--scenario',
      'clean',
      '--scenario',
      'flaky',
      '--customer-id',
      OTHER_CUSTOMER,
    ]);
    expect(c).toEqual({
      host: '0.0.0.0',
      port: 0,
      token: null,
      speed: 2.5,
      scenarios: [scenarios.clean, scenarios.flaky],
      customerId: OTHER_CUSTOMER,
      variants: {},
    });
  });

  it('falls back to BATCHWATCH_SIMULATOR_* variables, and flags win over them', () => {
    const env = {
      BATCHWATCH_SIMULATOR_PORT: '9000',
      BATCHWATCH_SIMULATOR_HOST: '::1',
      BATCHWATCH_SIMULATOR_TOKEN: 'env-token',
      BATCHWATCH_SIMULATOR_SPEED: '10',
      BATCHWATCH_SIMULATOR_SCENARIO: 'clean, large',
      BATCHWATCH_SIMULATOR_CUSTOMER_ID: DOC_CUSTOMER,
    };
    expect(config([], env)).toEqual({
      host: '::1',
      port: 9000,
      token: 'env-token',
      speed: 10,
      scenarios: [scenarios.clean, scenarios.large],
      customerId: DOC_CUSTOMER,
      variants: {},
    });
    expect(config(['--port', '1234', '--scenario', 'slow'], env)).toMatchObject({ port: 1234, scenarios: [scenarios.slow] });
  });

  it('loads scenario files', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'batchwatch-cli-')), 'mine.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', queuedMs: 0, processingMs: 1000, devices: { count: 3 } }));
    expect(config(['--scenario', file]).scenarios[0]!.name).toBe('mine');
  });

  it('explains bad flags', () => {
    expect(errorOf(['--bogus'])).toMatch(/Unknown option '--bogus'/);
    expect(errorOf(['extra'])).toMatch(/positional/i);
    expect(errorOf(['--port', 'eighty'])).toBe('--port must be an integer from 0 to 65535, got "eighty"');
    expect(errorOf(['--port', '70000'])).toMatch(/--port must be/);
    expect(errorOf(['--speed', '0'])).toBe('--speed must be a number > 0, got "0"');
    expect(errorOf(['--customer-id', 'contoso'])).toBe('--customer-id must be a GUID, got "contoso"');
    expect(errorOf(['--token', ''])).toMatch(/--token must not be empty/);
    expect(errorOf(['--scenario', 'nope'])).toMatch(/"nope" is neither a built-in scenario \(clean, .*\) nor an existing file/);
    expect(errorOf([], { BATCHWATCH_SIMULATOR_PORT: '-1' })).toMatch(/--port must be/);
  });

  it('help and version', () => {
    expect(parseCli(['--help'], {})).toEqual({ kind: 'help' });
    expect(parseCli(['-v'], {})).toEqual({ kind: 'version' });
  });
});

function runCli(args: string[]) {
  const child = spawn(process.execPath, ['--conditions=@batchwatch/source', '--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: packageDir,
    env: { ...process.env, BATCHWATCH_SIMULATOR_PORT: '', BATCHWATCH_SIMULATOR_SCENARIO: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
}

describe('the batchwatch-simulator process', () => {
  it('prints one status URL per seeded batch, serves it, and exits 0 on SIGTERM', async () => {
    const cli = runCli(['--port', '0', '--scenario', 'clean', '--scenario', 'demo', '--customer-id', OTHER_CUSTOMER]);
    const first = (await cli.lines.next()).value as string;
    const second = (await cli.lines.next()).value as string;
    expect(first).toMatch(new RegExp(`^clean http://127\\.0\\.0\\.1:\\d+/v1/customers/${OTHER_CUSTOMER}/batchJobStatus/[0-9a-f-]{36}$`));
    expect(second).toMatch(/^demo http:\/\//);
    const reply = await call(first.split(' ')[1]!);
    expect(reply.status).toBe(200);
    expect(json(reply).status).toBe('queued');
    expect(cli.stderr()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(bearer token "simulator-token", speed 1\)/);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });

  it('exits 2 with a message on bad flags', async () => {
    const cli = runCli(['--port', 'nope']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('batchwatch-simulator: --port must be an integer from 0 to 65535, got "nope"');
  });
});
