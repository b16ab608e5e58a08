import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { credentialFor, describeCredential, selectCredential } from '../src/upstream/credentials.js';
import { defer } from './helpers.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

function file(contents: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'batchwatch-cred-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'file');
  writeFileSync(path, contents);
  return path;
}

describe('Partner Center credential selection (DefaultAzureCredential order, decided at start)', () => {
  it('picks a static token, a client secret, a certificate, a workload identity, or (only when asked) a managed identity', () => {
    const cert = file('-----BEGIN PRIVATE KEY-----\n…');
    const federated = file('eyJ…');
    const ids = { AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT };
    expect(selectCredential({ BATCHWATCH_UPSTREAM_TOKEN: 't' })).toEqual({ kind: 'static-token', token: 't' });
    expect(selectCredential({ ...ids, AZURE_CLIENT_SECRET: 's', AZURE_CLIENT_CERTIFICATE_PATH: cert })).toMatchObject({ kind: 'client-secret' });
    expect(selectCredential({ ...ids, AZURE_CLIENT_CERTIFICATE_PATH: cert, AZURE_FEDERATED_TOKEN_FILE: federated })).toMatchObject({
      kind: 'client-certificate',
      certificatePath: cert,
    });
    expect(selectCredential({ ...ids, AZURE_FEDERATED_TOKEN_FILE: federated })).toEqual({
      kind: 'workload-identity',
      tenantId: TENANT,
      clientId: CLIENT,
      tokenFilePath: federated,
    });
    expect(selectCredential({ BATCHWATCH_AZURE_CREDENTIAL: 'managed-identity' })).toEqual({ kind: 'managed-identity' });
    expect(selectCredential({ BATCHWATCH_AZURE_CREDENTIAL: 'managed-identity', AZURE_CLIENT_ID: CLIENT })).toEqual({
      kind: 'managed-identity',
      clientId: CLIENT,
    });
    expect(
      selectCredential({ ...ids, AZURE_CLIENT_SECRET: 's', AZURE_FEDERATED_TOKEN_FILE: federated, BATCHWATCH_AZURE_CREDENTIAL: 'workload-identity' }),
    ).toMatchObject({
      kind: 'workload-identity',
    });
  });

  it.each([
    [{}, /no Partner Center credentials/],
    [{ AZURE_CLIENT_SECRET: 's', AZURE_CLIENT_ID: CLIENT }, /client-secret credential needs AZURE_TENANT_ID/],
    [
      { AZURE_FEDERATED_TOKEN_FILE: '/nonexistent/token', AZURE_CLIENT_ID: CLIENT, AZURE_TENANT_ID: TENANT },
      /AZURE_FEDERATED_TOKEN_FILE: cannot read "\/nonexistent\/token"/,
    ],
    [{ BATCHWATCH_UPSTREAM_TOKEN: 't', AZURE_CLIENT_SECRET: 's' }, /not both/],
    [{ BATCHWATCH_AZURE_CREDENTIAL: 'default' }, /must be one of auto, client-secret/],
  ])('refuses %j', (env, message) => {
    expect(() => selectCredential(env)).toThrow(ConfigError);
    expect(() => selectCredential(env)).toThrow(message);
  });

  it('describes the choice for the start-up log without any secret', () => {
    const described = JSON.stringify(
      describeCredential(selectCredential({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT, AZURE_CLIENT_SECRET: 'very-secret-value' })),
    );
    expect(described).toBe(JSON.stringify({ kind: 'client-secret', tenantId: TENANT, clientId: CLIENT }));
  });

  it('gets a Partner Center token from a managed identity endpoint (App Service style, on loopback)', async () => {
    const seen: Array<{ url: string; header: string | undefined }> = [];
    const endpoint = createServer((req, res) => {
      seen.push({ url: req.url!, header: req.headers['x-identity-header'] as string | undefined });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: 'mi-token',
          expires_on: String(Math.floor(Date.now() / 1000) + 3600),
          resource: 'https://api.partnercenter.microsoft.com',
          token_type: 'Bearer',
        }),
      );
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    defer(() => new Promise((resolve) => endpoint.close(resolve)));
    const saved = { IDENTITY_ENDPOINT: process.env.IDENTITY_ENDPOINT, IDENTITY_HEADER: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/msi/token`;
    process.env.IDENTITY_HEADER = 'identity-header-value';
    defer(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    const source = credentialFor(selectCredential({ BATCHWATCH_AZURE_CREDENTIAL: 'managed-identity' }));
    if (typeof source !== 'object') throw new Error('expected a TokenCredential');
    const token = await source.getToken('https://api.partnercenter.microsoft.com/.default');
    expect(token?.token).toBe('mi-token');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.header).toBe('identity-header-value');
    expect(new URL(seen[0]!.url, 'http://x').searchParams.get('resource')).toBe('https://api.partnercenter.microsoft.com');
  }, 60_000);
});
