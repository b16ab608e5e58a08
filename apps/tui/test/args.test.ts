import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '@batchwatch/simulator';
import { parseCommand, PARTNER_CENTER_URL, USAGE } from '../src/args.js';
import { parseDuration, formatInterval, formatElapsed } from '../src/duration.js';
import { main } from '../src/run.js';
import { CUSTOMER, TRACKING, testIO } from './helpers.js';

const watch = (...rest: string[]) => ['watch', CUSTOMER, TRACKING, ...rest];
const proxyEnv = { BATCHWATCH_BASE_URL: 'http://127.0.0.1:8787' };

function options(argv: string[], env: Record<string, string> = proxyEnv) {
  const command = parseCommand(argv, env);
  if (command.kind !== 'watch') throw new Error(`expected a watch command, got ${JSON.stringify(command)}`);
  return command.options;
}

function usageError(argv: string[], env: Record<string, string> = proxyEnv): string {
  const command = parseCommand(argv, env);
  if (command.kind !== 'usage-error') throw new Error(`expected a usage error, got ${JSON.stringify(command)}`);
  return command.message;
}

describe('parseCommand', () => {
  it('reads a watch command with defaults', () => {
    const parsed = options(watch(), { BATCHWATCH_TOKEN: 'pc-token' });
    expect(parsed).toMatchObject({ customerId: CUSTOMER, trackingIds: [TRACKING], intervalMs: 5_000, locale: 'en-US', output: 'auto', color: true });
    expect(parsed.baseUrl).toBe(PARTNER_CENTER_URL);
    expect(parsed.timeoutMs).toBeUndefined();
  });

  it('reads every flag', () => {
    const parsed = options(
      watch('--base-url', 'http://proxy.local:8787/', '--token', 'k', '--interval', '2s', '--timeout', '15m', '--locale', 'sv-SE', '--json', '--no-color'),
    );
    expect(parsed).toMatchObject({
      baseUrl: 'http://proxy.local:8787',
      token: 'k',
      intervalMs: 2_000,
      timeoutMs: 900_000,
      locale: 'sv-SE',
      output: 'json',
      color: false,
    });
    expect(options(watch('--plain')).output).toBe('plain');
  });

  it('takes configuration from the environment, flags winning', () => {
    const env = {
      BATCHWATCH_BASE_URL: 'https://proxy.example',
      BATCHWATCH_TOKEN: 'env-token',
      BATCHWATCH_INTERVAL: '10',
      BATCHWATCH_TIMEOUT: '1m',
      NO_COLOR: '1',
      LANG: 'nl_NL.UTF-8',
    };
    expect(options(watch(), env)).toMatchObject({
      baseUrl: 'https://proxy.example',
      token: 'env-token',
      intervalMs: 10_000,
      timeoutMs: 60_000,
      color: false,
      locale: 'nl-NL',
    });
    expect(options(watch('--token', 'flag', '--interval', '1s', '--locale', 'fr-FR'), env)).toMatchObject({
      token: 'flag',
      intervalMs: 1_000,
      locale: 'fr-FR',
    });
  });

  it('uses Entra credentials from AZURE_* when no token is given', () => {
    const env = { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_CLIENT_SECRET: 's' };
    expect(options(watch(), env).azure).toEqual({ tenantId: 't', clientId: 'c', clientSecret: 's' });
    expect(options(watch('--token', 'x'), env).azure).toBeUndefined();
  });

  it.each([
    [['watch', 'not-a-guid', TRACKING], /customer id must be a GUID/],
    [['watch', CUSTOMER, '1234'], /batch tracking id must be a GUID/],
    [['watch', CUSTOMER], /needs a customer id and a batch tracking id/],
    [['watch'], /needs a customer id/],
    [[], /missing command/],
    [['status', CUSTOMER, TRACKING], /unknown command "status"/],
    [[...watch(), 'extra'], /the batch tracking id must be a GUID .*got "extra"/],
    [watch('--interval', 'soon'), /--interval must be a duration/],
    [watch('--interval', '10ms'), /at least 100ms/],
    [watch('--timeout=-5'), /--timeout must be a duration/],
    [watch('--locale', 'de-DE'), /--locale must be one of en-US, sv-SE, nl-NL, fr-FR/],
    [watch('--json', '--plain'), /exclude each other/],
    [watch('--base-url', 'ftp://x'), /--base-url must be an http\(s\) URL/],
    [watch('--frobnicate'), /Unknown option '--frobnicate'/],
  ])('rejects %j', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it('falls back to the sign-in for Partner Center itself, never for a proxy', () => {
    expect(options(watch(), {})).toMatchObject({ signIn: true });
    // AZURE_TENANT_ID / AZURE_CLIENT_ID alone are what `login` reads: no mistake when signed in.
    expect(options(watch(), { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c' })).toMatchObject({ signIn: true });
    expect(options(watch('--base-url', 'http://sim.local:4010'), { BATCHWATCH_PARTNER_CENTER_URL: 'http://sim.local:4010/' })).toMatchObject({ signIn: true });
    expect(options(watch()).signIn).toBeUndefined();
    expect(options(watch()).token).toBeUndefined();
    // Through a proxy, AZURE_TENANT_ID / AZURE_CLIENT_ID (for login) are no credential; a secret without them is a mistake.
    expect(options(watch(), { ...proxyEnv, AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c' })).not.toHaveProperty('signIn');
    expect(usageError(watch(), { AZURE_CLIENT_SECRET: 's', AZURE_TENANT_ID: 't' })).toMatch(/incomplete Entra credentials: AZURE_CLIENT_ID not set/);
  });

  it('takes a token over the Entra app over the sign-in, the flag over the variable', () => {
    const azure = { AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_CLIENT_SECRET: 's' };
    expect(options(watch('--token', 'flag'), { ...azure, BATCHWATCH_TOKEN: 'env' })).toMatchObject({ token: 'flag' });
    expect(options(watch(), { ...azure, BATCHWATCH_TOKEN: 'env' })).toMatchObject({ token: 'env' });
    const app = options(watch(), azure);
    expect(app).toMatchObject({ azure: { tenantId: 't', clientId: 'c', clientSecret: 's' } });
    expect(app.signIn).toBeUndefined();
  });

  it('takes several tracking ids, each once, in the order given', () => {
    const other = '8f4e6a1c-2b3d-4e5f-9a6b-7c8d9e0f1a2b';
    expect(options([...watch(), other, `{${TRACKING.toUpperCase()}}`]).trackingIds).toEqual([TRACKING, other]);
    expect(usageError([...watch(), other, 'nope'])).toMatch(/got "nope"/);
  });

  it('answers --help and --version', () => {
    expect(parseCommand(['--help'], {})).toEqual({ kind: 'help', text: USAGE });
    expect(parseCommand(['watch', '-h'], {})).toMatchObject({ kind: 'help' });
    expect(parseCommand(['--version'], {})).toEqual({ kind: 'version', text: expect.stringMatching(/^0\.0\.0(\+g[0-9a-f]+(\.dirty)?)?$/) });
  });
});

describe('durations', () => {
  it.each([
    ['5s', 5_000],
    ['2m', 120_000],
    ['500ms', 500],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['7', 7_000],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 's', '5 s', '5d', '-1s', 'abc', '1m30'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('formats intervals and elapsed times', () => {
    expect(formatInterval(800)).toBe('800 ms');
    expect(formatInterval(5_000)).toBe('5 s');
    expect(formatInterval(90_000)).toBe('1 min 30 s');
    expect(formatInterval(3_900_000)).toBe('1 h 5 min');
    expect(formatElapsed(7_400)).toBe('0:07');
    expect(formatElapsed(725_000)).toBe('12:05');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
  });
});

describe('main: usage errors make no request', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    // Scaled so that the good command's batch finishes on its own: no deadline that a loaded machine could miss.
    sim = await startSimulator({ speed: 1000 });
    sim.addBatch('clean', { customerId: CUSTOMER, trackingId: TRACKING });
  });
  afterAll(() => sim.close());

  it.each([
    [['watch', 'abc', TRACKING]],
    [['watch', CUSTOMER, 'not-a-guid']],
    [['watch', CUSTOMER, TRACKING, '--interval', 'never']],
    [['watch', CUSTOMER, TRACKING, '--bogus']],
    [['watch', CUSTOMER, TRACKING, '--locale', 'xx']],
  ])('%j exits 2 with a message on stderr and the simulator sees nothing', async (argv) => {
    sim.resetRequests();
    const io = testIO({ env: { BATCHWATCH_BASE_URL: sim.url, BATCHWATCH_TOKEN: 'simulator-token' } });
    const code = await main(argv, io);
    expect(code).toBe(2);
    expect(io.stderr.text()).toMatch(/^batchwatch: .+\nRun "batchwatch --help" for usage\.\n$/);
    expect(io.stdout.text()).toBe('');
    expect(sim.requests).toEqual([]);
  });

  it('the same command with good ids does reach the simulator (the test above can fail)', async () => {
    sim.resetRequests();
    const io = testIO({ env: { BATCHWATCH_BASE_URL: sim.url, BATCHWATCH_TOKEN: 'simulator-token' } });
    const code = await main(['watch', CUSTOMER, TRACKING, '--json', '--interval', '100ms'], io);
    expect(code).toBe(0);
    expect(sim.requests.length).toBeGreaterThan(0);
  });

  it('prints help and the version on stdout with exit 0', async () => {
    const io = testIO();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.stdout.text()).toContain('batchwatch watch <customer-id> <batch-tracking-id>');
    const version = testIO();
    expect(await main(['--version'], version)).toBe(0);
    expect(version.stdout.text()).toMatch(/^0\.0\.0(\+g[0-9a-f]+(\.dirty)?)?\n$/);
  });
});
