/** The command line of issue 12: version, help, braces, variable names in errors, colour, 806, leaving, no-answer deadline. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONNECT_TIMEOUT_MS, parseCommand, USAGE, version, wantsColor, type Command } from '../src/args.js';
import { CUSTOMER, TRACKING } from './helpers.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const watch = (extra: string[] = [], env: Record<string, string> = {}) =>
  parseCommand(['watch', CUSTOMER, TRACKING, '--base-url', 'http://127.0.0.1:9', ...extra], env);
const options = (command: Command) => {
  if (command.kind !== 'watch') throw new Error(`expected watch, got ${JSON.stringify(command)}`);
  return command.options;
};
const usage = (command: Command) => (command.kind === 'usage-error' ? command.message : `not a usage error: ${command.kind}`);

describe('version', () => {
  it('--version and -v print the package version, with the commit when the build recorded one', () => {
    for (const flag of ['--version', '-v']) {
      const command = parseCommand([flag], {});
      expect(command.kind).toBe('version');
      expect((command as { text: string }).text.startsWith(pkg.version)).toBe(true);
    }
    const dir = mkdtempSync(join(tmpdir(), 'bw-version-'));
    execFileSync(process.execPath, [new URL('../scripts/build-info.mjs', import.meta.url).pathname, dir], { cwd: new URL('..', import.meta.url).pathname });
    const recorded = version(pathToFileURL(join(dir, 'build-info.json')));
    expect(recorded).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')}\\+g[0-9a-f]{7,}(\\.dirty)?$`));
    expect(version(pathToFileURL(join(dir, 'missing.json')))).toBe(pkg.version);
  });
});

describe('help', () => {
  it('batchwatch help and help watch print the usage; help for something else is a usage error', () => {
    expect(parseCommand(['help'], {})).toEqual({ kind: 'help', text: USAGE });
    expect(parseCommand(['help', 'watch'], {})).toEqual({ kind: 'help', text: USAGE });
    expect(usage(parseCommand(['help', 'frobnicate'], {}))).toMatch(/no help for "frobnicate"/);
  });

  it('documents every new flag, SIGHUP and 806 in --help', () => {
    for (const text of [
      '--connect-timeout',
      '--count-already-registered',
      '--exit-on-finish',
      'SIGHUP',
      '806',
      'Ctrl-U',
      'y copy',
      'e export',
      'Tab / Shift-Tab',
      'batchwatch login',
    ])
      expect(USAGE).toContain(text);
  });
});

describe('watch options', () => {
  it('accepts GUIDs in braces', () => {
    const command = parseCommand(['watch', `{${CUSTOMER}}`, `{${TRACKING.toUpperCase()}}`, '--base-url', 'http://127.0.0.1:9'], {});
    expect(options(command)).toMatchObject({ customerId: CUSTOMER, trackingIds: [TRACKING.toUpperCase()] });
  });

  it('names the variable, not the flag, when BATCHWATCH_INTERVAL or BATCHWATCH_TIMEOUT is wrong', () => {
    expect(usage(watch([], { BATCHWATCH_INTERVAL: 'soon' }))).toMatch(/^BATCHWATCH_INTERVAL must be a duration/);
    expect(usage(watch([], { BATCHWATCH_INTERVAL: '10ms' }))).toMatch(/^BATCHWATCH_INTERVAL must be at least/);
    expect(usage(watch([], { BATCHWATCH_TIMEOUT: 'x' }))).toMatch(/^BATCHWATCH_TIMEOUT must be/);
    expect(usage(watch(['--interval', 'soon']))).toMatch(/^--interval must be a duration/);
  });

  it('points at the URL when --base-url ends in /v1', () => {
    expect(usage(parseCommand(['watch', CUSTOMER, TRACKING, '--base-url', 'http://127.0.0.1:9/v1'], {}))).toMatch(
      /--base-url is the root without \/v1.*"http:\/\/127\.0\.0\.1:9"/,
    );
    expect(usage(parseCommand(['watch', CUSTOMER, TRACKING], { BATCHWATCH_BASE_URL: 'http://127.0.0.1:9/v1/' }))).toMatch(/^BATCHWATCH_BASE_URL is the root/);
  });

  it('--count-already-registered, --exit-on-finish and --connect-timeout (flag, variable, default)', () => {
    expect(options(watch())).toMatchObject({ countAlreadyRegistered: false, exitOnFinish: false, connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS });
    expect(options(watch(['--count-already-registered', '--exit-on-finish', '--connect-timeout', '5s']))).toMatchObject({
      countAlreadyRegistered: true,
      exitOnFinish: true,
      connectTimeoutMs: 5_000,
    });
    expect(options(watch([], { BATCHWATCH_CONNECT_TIMEOUT: '2m' })).connectTimeoutMs).toBe(120_000);
    expect(usage(watch(['--connect-timeout', '0']))).toMatch(/more than 0/);
  });
});

describe('colour', () => {
  it.each([
    [false, {}, true],
    [false, { NO_COLOR: '1' }, false],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: '1' }, false],
  ])('--no-color %s, env %j → colour %s', (flag, env, expected) => {
    expect(wantsColor(flag, env)).toBe(expected);
    if (!flag) expect(options(watch([], env)).color).toBe(expected);
  });
});
