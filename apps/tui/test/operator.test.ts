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
