/**
 * The operator commands in process, against the simulator (and its identity provider) over real HTTP:
 * customers, upload (validation first, nothing sent on a bad row), list, export, login/whoami/logout.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startIdentityProvider, startSimulator, type RunningSimulator } from '@batchwatch/simulator';
import { main } from '../src/run.js';
import { memoryKeychain } from '../src/signin/keychain.js';
import type { SignInStore } from '../src/signin/signin.js';
import { capture } from './helpers.js';
import { PassThrough } from 'node:stream';

const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
const HASH = (n: number) => Buffer.from(`hardware hash number ${n}`).toString('base64');

function csv(serials: string[]): string {
  return ['Device Serial Number,Windows Product ID,Hardware Hash', ...serials.map((s, i) => `${s},,${HASH(i)}`)].join('\r\n') + '\r\n';
}

async function workspace() {
  const dir = await mkdtemp(join(tmpdir(), 'batchwatch-operator-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function simulator(options: Parameters<typeof startSimulator>[0] = {}): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  onTestFinished(() => sim.close());
  return sim;
}

/** Runs `batchwatch …` in process with a config dir of its own; returns the exit code and the output. */
async function run(argv: string[], dir: string, env: Record<string, string> = {}, store?: Partial<SignInStore>) {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, {
    stdout,
    stderr,
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    env: { BATCHWATCH_CONFIG_DIR: dir, BATCHWATCH_KEYCHAIN: 'off', NO_COLOR: '1', ...env },
    handleSignals: false,
    signInStore: { dir, ...store },
  } as Parameters<typeof main>[1]);
  return { code, out: stdout.text(), err: stderr.text() };
}

describe('batchwatch customers', () => {
  it('adds, lists, replaces and removes aliases; watch and upload accept them', async () => {
    const dir = await workspace();
    expect((await run(['customers', 'add', 'contoso', CUSTOMER.toUpperCase()], dir)).out).toBe(`contoso → ${CUSTOMER}\n`);
    expect((await run(['customers', 'list'], dir)).out).toBe(`contoso  ${CUSTOMER}\n`);
    expect((await run(['customers', 'add', 'Contoso', 'a2b3c4d5-e6f7-4890-abcd-ef0123456789'], dir)).out).toMatch(/was 47021739/);
    expect(await run(['customers', 'add', 'contoso', 'not-a-guid'], dir)).toMatchObject({ code: 2, err: expect.stringMatching(/must be a GUID/) });
    const unknown = await run(['watch', 'fabrikam', '0127ed8e-ff72-4983-a3d8-e8d8bd378932', '--plain'], dir);
    expect(unknown).toMatchObject({ code: 2, err: expect.stringMatching(/must be a GUID .* or an alias; "fabrikam" is neither \(known aliases: Contoso\)/) });
    expect((await run(['customers', 'remove', 'contoso'], dir)).code).toBe(0);
    expect((await run(['customers', 'list'], dir)).out).toMatch(/no aliases yet/);
  });
});

describe('batchwatch upload', () => {
  it('refuses a file with bad rows, naming each line, and sends nothing', async () => {
    const dir = await workspace();
    const sim = await simulator();
    const file = join(dir, 'devices.csv');
    await writeFile(file, `${csv(['SN-1', 'SN-1'])}SN-3,,not base64!\r\n`);
    const result = await run(['upload', CUSTOMER, file, '--token', 'simulator-token'], dir, { BATCHWATCH_PARTNER_CENTER_URL: sim.url });
    expect(result.code).toBe(2);
    expect(result.err).toContain('was not uploaded');
    expect(result.err).toContain('line 3: duplicate Device Serial Number "SN-1" (first on line 2)');
    expect(result.err).toContain('line 4: the Hardware Hash is not valid base64');
    expect(sim.requests).toEqual([]);
  });

  it('uploads a UTF-16 file with an alias, prints the tracking id, and list shows the batch with it', async () => {
    const dir = await workspace();
    const sim = await simulator();
    const file = join(dir, 'devices.csv');
    await writeFile(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv(['SN-1', 'SN-2', 'SN-ERR808-3']), 'utf16le')]));
    await run(['customers', 'add', 'contoso', CUSTOMER], dir);
    const env = { BATCHWATCH_PARTNER_CENTER_URL: sim.url };
    const upload = await run(['upload', 'contoso', file, '--batch-id', 'Spring laptops', '--token', 'simulator-token'], dir, env);
    expect(upload.code).toBe(0);
    const trackingId = /tracking id (\S+)/.exec(upload.out)?.[1];
    expect(trackingId).toBe(sim.batches.at(-1)?.trackingId);
    expect(upload.out).toContain(`follow it with: batchwatch watch contoso ${trackingId}`);

    const listed = await run(['list', 'contoso', '--json', '--token', 'simulator-token'], dir, env);
    expect(JSON.parse(listed.out)).toEqual([expect.objectContaining({ id: 'Spring laptops', devicesCount: 3, trackingIds: [trackingId], file })]);
    const plain = await run(['list', 'contoso', '--plain', '--token', 'simulator-token'], dir, env);
    expect(plain.out.split('\n')[0]).toMatch(/^CREATED \(UTC\)\s+DEVICES\s+BATCH\s+TRACKING IDS/);
    expect(plain.out).toMatch(new RegExp(`\\s3  Spring laptops  ${trackingId}`));
  });

  it('refuses a file over the per-upload limit unless --split, which uploads to one batch', async () => {
    const dir = await workspace();
    const sim = await simulator();
    const file = join(dir, 'many.csv');
    await writeFile(file, csv(['A', 'B', 'C', 'D', 'E']));
    const env = { BATCHWATCH_PARTNER_CENTER_URL: sim.url };
    const refused = await run(['upload', CUSTOMER, file, '--max-devices', '2', '--token', 'simulator-token'], dir, env);
    expect(refused).toMatchObject({
      code: 2,
      err: expect.stringMatching(/holds 5 devices; one upload takes at most 2\. Nothing was uploaded\. Use --split .* 3 uploads/),
    });
    expect(sim.requests).toEqual([]);
    const split = await run(['upload', CUSTOMER, file, '--max-devices', '2', '--split', '--batch-id', 'five', '--token', 'simulator-token'], dir, env);
    expect(split.code).toBe(0);
    expect(sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /v1/customers/${CUSTOMER}/deviceBatches`,
      `POST /v1/customers/${CUSTOMER}/deviceBatches/five/devices`,
      `POST /v1/customers/${CUSTOMER}/deviceBatches/five/devices`,
    ]);
    expect(split.out.match(/tracking id/g)).toHaveLength(3);
  });

  it('--watch follows the new batch and --export writes the failed devices with their hashes', async () => {
    const dir = await workspace();
    const sim = await simulator({ speed: 200 });
    const file = join(dir, 'devices.csv');
    await writeFile(file, csv(['SN-1', 'SN-ERR808-2', 'SN-ERR806-3']));
    const exported = join(dir, 'failed.csv');
    const result = await run(['upload', CUSTOMER, file, '--watch', '--plain', '--interval', '100ms', '--export', exported, '--token', 'simulator-token'], dir, {
      BATCHWATCH_PARTNER_CENTER_URL: sim.url,
    });
    expect(result.code).toBe(1); // finished with device errors
    expect(result.out).toContain(`to ${exported}`);
    // 806 (already registered to this tenant) is no failure for the watch, so it is not exported either.
    const lines = (await readFile(exported, 'utf8')).split('\r\n');
    expect(lines[1]).toMatch(new RegExp(`^SN-ERR808-2,,${HASH(1).replace(/[+/]/g, '\\$&')},,,808,ZtdDeviceAssignedToOtherTenant,`));
    expect(lines.slice(2).filter(Boolean)).toEqual([]);
  });

  it('asks for a sign-in when there is neither a token nor a saved sign-in', async () => {
    const dir = await workspace();
    const file = join(dir, 'devices.csv');
    await writeFile(file, csv(['SN-1']));
    expect(await run(['upload', CUSTOMER, file], dir)).toMatchObject({ code: 3, err: expect.stringMatching(/not signed in: run `batchwatch login`/) });
  });
});

describe('batchwatch login, whoami, upload as the operator, logout', () => {
  it('signs in with a device code, uploads with that sign-in, and signs out', async () => {
    const dir = await workspace();
    const sim = await simulator();
    const idp = await startIdentityProvider({ autoApprove: true });
    onTestFinished(() => idp.close());
    const store = { keychain: memoryKeychain(), credentialOptions: { tlsOptions: { ca: [idp.certificate] } } };
    const env = { AZURE_CLIENT_ID: '9c1e4f3a-5b6d-4e7f-8a9b-0c1d2e3f4a5b', BATCHWATCH_PARTNER_CENTER_URL: sim.url };

    const login = await run(['login', '--tenant', idp.user.tenantId, '--authority-host', idp.url], dir, env, store);
    expect(login.code).toBe(0);
    expect(login.err).toMatch(/enter the code [0-9A-F]{9}/);
    expect(login.out).toBe(`signed in as operator@contoso.example (tenant ${idp.user.tenantId}, cloud global)\n`);

    const whoami = await run(['whoami', '--json'], dir, env, store);
    expect(JSON.parse(whoami.out)).toMatchObject({
      username: 'operator@contoso.example',
      scope: 'https://api.partnercenter.microsoft.com/user_impersonation',
      storage: expect.stringMatching(/encrypted, key in the memory/),
    });

    const file = join(dir, 'devices.csv');
    await writeFile(file, csv(['SN-1']));
    const upload = await run(['upload', CUSTOMER, file, '--batch-id', 'mine'], dir, env, store);
    expect(upload.code).toBe(0);
    expect(sim.requests.find((r) => r.method === 'POST')?.headers.authorization).toBe('Bearer simulator-token');

    expect((await run(['logout'], dir, env, store)).out).toMatch(/signed out/);
    expect(await run(['whoami'], dir, env, store)).toMatchObject({ code: 3, err: expect.stringMatching(/not signed in/) });
  });
});

describe('watch with the operator’s own sign-in', () => {
  it('reads Partner Center with the sign-in when nothing else is given, refreshing it; a token wins; a proxy never gets it', async () => {
    const dir = await workspace();
    const sim = await simulator({ speed: 200 });
    const { trackingId } = sim.addBatch('clean', { customerId: CUSTOMER });
    // Tokens inside MSAL's 5-minute renewal window: every token the watch needs is a silent refresh.
    const idp = await startIdentityProvider({ autoApprove: true, accessTokenLifetimeSeconds: 120 });
    onTestFinished(() => idp.close());
    const store = { keychain: memoryKeychain(), credentialOptions: { tlsOptions: { ca: [idp.certificate] } } };
    const env = { AZURE_CLIENT_ID: '9c1e4f3a-5b6d-4e7f-8a9b-0c1d2e3f4a5b', AZURE_TENANT_ID: idp.user.tenantId, BATCHWATCH_PARTNER_CENTER_URL: sim.url };
    const watch = ['watch', CUSTOMER, trackingId, '--plain', '--interval', '100ms'];

    // Not signed in, and AZURE_TENANT_ID / AZURE_CLIENT_ID are only what login reads: a usage error, nothing sent.
    const before = await run(watch, dir, env, store);
    expect(before).toMatchObject({ code: 2, err: expect.stringMatching(/Partner Center needs credentials: .* or your sign-in \(batchwatch login\)/) });
    expect(sim.requests).toEqual([]);

    expect((await run(['login', '--authority-host', idp.url], dir, env, store)).code).toBe(0);
    const refreshesBefore = idp.requests.filter((r) => r.grantType === 'refresh_token').length;
    const signedIn = await run(watch, dir, env, store);
    expect(signedIn).toMatchObject({ code: 0, out: expect.stringContaining('finished') });
    const reads = sim.requests.filter((r) => r.method === 'GET');
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((r) => r.headers.authorization === 'Bearer simulator-token')).toBe(true);
    expect(idp.requests.filter((r) => r.grantType === 'refresh_token').length).toBeGreaterThan(refreshesBefore);
    expect(idp.requests.filter((r) => r.grantType === 'refresh_token').every((r) => r.scope?.includes('user_impersonation'))).toBe(true);

    // --token and BATCHWATCH_TOKEN come first.
    sim.resetRequests();
    await run([...watch, '--token', 'flag-token'], dir, { ...env, BATCHWATCH_TOKEN: 'env-token' }, store);
    expect(sim.requests[0]?.headers.authorization).toBe('Bearer flag-token');
    sim.resetRequests();
    await run(watch, dir, { ...env, BATCHWATCH_TOKEN: 'env-token' }, store);
    expect(sim.requests[0]?.headers.authorization).toBe('Bearer env-token');

    // Through a proxy (any base URL that is not Partner Center), the sign-in is never sent.
    sim.resetRequests();
    const proxied = await run(watch, dir, { ...env, BATCHWATCH_PARTNER_CENTER_URL: 'https://pc.invalid', BATCHWATCH_BASE_URL: sim.url }, store);
    expect(proxied.code).toBe(3);
    expect(sim.requests.length).toBeGreaterThan(0);
    expect(sim.requests.every((r) => r.headers.authorization === undefined)).toBe(true);
  });

  it('an expired sign-in says so and asks for login (exit 3) instead of starting a device flow', async () => {
    const dir = await workspace();
    const sim = await simulator();
    const { trackingId } = sim.addBatch('clean', { customerId: CUSTOMER });
    const idp = await startIdentityProvider({ autoApprove: true, accessTokenLifetimeSeconds: 120 });
    onTestFinished(() => idp.close());
    const store = { keychain: memoryKeychain(), credentialOptions: { tlsOptions: { ca: [idp.certificate] } } };
    const env = { AZURE_CLIENT_ID: '9c1e4f3a-5b6d-4e7f-8a9b-0c1d2e3f4a5b', BATCHWATCH_PARTNER_CENTER_URL: sim.url };
    expect((await run(['login', '--tenant', idp.user.tenantId, '--authority-host', idp.url], dir, env, store)).code).toBe(0);
    idp.revokeRefreshTokens();
    const result = await run(['watch', CUSTOMER, trackingId, '--plain', '--interval', '100ms', '--connect-timeout', '60s'], dir, env, store);
    expect(result.code).toBe(3);
    expect(`${result.out}${result.err}`).toMatch(/batchwatch login/);
    expect(idp.requests.filter((r) => r.grantType?.includes('device_code'))).toHaveLength(1); // the login's only
  });
});

describe('watch several batches', () => {
  async function twoBatches() {
    const dir = await workspace();
    const sim = await simulator({ speed: 200 });
    const clean = sim.addBatch('clean', { customerId: CUSTOMER }).trackingId;
    const errors = sim.addBatch('device-errors', { customerId: CUSTOMER }).trackingId;
    const env = { BATCHWATCH_BASE_URL: sim.url, BATCHWATCH_TOKEN: 'simulator-token' };
    return { dir, sim, clean, errors, env };
  }

  it('--json: every line names its batch, one summary per batch, the exit code is the worst', async () => {
    const { dir, clean, errors, env } = await twoBatches();
    const result = await run(['watch', CUSTOMER, clean, errors, '--json', '--interval', '100ms'], dir, env);
    expect(result.code).toBe(1);
    const lines = result.out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; batchTrackingId: string; exitCode?: number });
    expect(new Set(lines.map((line) => line.batchTrackingId))).toEqual(new Set([clean, errors]));
    const summaries = lines.filter((line) => line.type === 'summary');
    expect(summaries.map((s) => [s.batchTrackingId, s.exitCode]).sort()).toEqual(
      [
        [clean, 0],
        [errors, 1],
      ].sort(),
    );
  });

  it('plain: each line after its batch tag, a summary per batch, and --export holds the failed devices of all', async () => {
    const { dir, clean, errors, env } = await twoBatches();
    const exported = join(dir, 'failed.csv');
    const result = await run(['watch', CUSTOMER, clean, errors, '--plain', '--interval', '100ms', '--export', exported], dir, env);
    expect(result.code).toBe(1);
    const [cleanTag, errorsTag] = [clean.slice(0, 8), errors.slice(0, 8)];
    const lines = result.out.trim().split('\n');
    const tagged = lines.filter((line) => !line.startsWith('exported'));
    expect(tagged.every((line) => line.includes(`[${cleanTag}] `) || line.includes(`[${errorsTag}] `))).toBe(true);
    expect(result.out).toMatch(new RegExp(`^\\S+Z \\[${cleanTag}\\] Watching batch ${clean}`, 'm'));
    expect(result.out).toMatch(new RegExp(`^\\[${errorsTag}\\] ✖ Batch finished with errors`, 'm'));
    expect(result.out).toMatch(new RegExp(`^\\[${cleanTag}\\] ✔ `, 'm'));
    expect(result.out).toContain(`exported 4 failed devices [802×1, 808×3] to ${exported}`);
  });
});
