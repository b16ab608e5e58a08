import { afterEach, describe, expect, it } from 'vitest';
import type { TokenCredential } from '@azure/core-auth';
import { createBatchStatusClient, parsePartnerCenterTime } from '../src/index.js';
import { normalizeStatus } from '../src/internal.js';
import { VERSION } from '../src/version.js';
import { BATCH, batch, CUSTOMER, sendJson, startServer, type TinyServer } from './tiny-server.js';

let server: TinyServer | undefined;
afterEach(() => server?.close());

async function serveBody(body: object) {
  server = await startServer((_req, res) => sendJson(res, 200, body));
  return server;
}

describe('statuses as Partner Center may send them', () => {
  it('reads integer statuses (the int32 enum: unknown 0, queued 1, processing 2, finished 3, finished_with_errors 4)', async () => {
    const devicesStatus = [0, 1, 2, 3, 4].map((status, i) => ({ serialNumber: `SN${i}`, productKey: 'PK', status }));
    const { url } = await serveBody(batch(3, { devicesStatus }));
    const details = await createBatchStatusClient({ baseUrl: url, token: 't' }).getBatchStatus(CUSTOMER, BATCH);
    expect(details.status).toBe('finished');
    expect(details.rawStatus).toBe('3');
    expect(details.devices.map((d) => d.status)).toEqual(['unknown', 'queued', 'processing', 'finished', 'finished_with_errors']);
  });

  it.each([['in-progress'], ['in_progress'], ['In Progress'], ['InProgress'], ['IN-PROGRESS']])('reads %j as in-progress (processing)', (raw) => {
    expect(normalizeStatus(raw)).toBe('processing');
  });

  it.each([[5], [-1], [1.5]])('reads the integer %j as unknown', (raw) => {
    expect(normalizeStatus(raw)).toBe('unknown');
  });

  it('reads spelled-out device statuses over HTTP', async () => {
    const { url } = await serveBody(
      batch('Processing', {
        devicesStatus: [
          { serialNumber: 'A', status: 'In Progress' },
          { serialNumber: 'B', status: 'in_progress' },
        ],
      }),
    );
    const details = await createBatchStatusClient({ baseUrl: url, token: 't' }).getBatchStatus(CUSTOMER, BATCH);
    expect(details.devices.map((d) => [d.status, d.rawStatus])).toEqual([
      ['processing', 'In Progress'],
      ['processing', 'in_progress'],
    ]);
  });
});

describe('bodies that are not a batch', () => {
  it.each([
    ['HTML', '<html>gateway</html>'],
    ['JSON of another shape', '{"value":[]}'],
    ['broken JSON', '{oops}'],
  ])('reports %s as malformed, without retrying', async (_, text) => {
    server = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(text));
    const error = await createBatchStatusClient({ baseUrl: server.url, token: 't' })
      .getBatchStatus(CUSTOMER, BATCH)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'PartnerCenterError', kind: 'malformed', retryable: false });
    expect(server.requests).toHaveLength(1);
  });
});

describe('timestamps with whitespace around them', () => {
  it.each([
    [' 2017-07-25T10:00:00 ', '2017-07-25T10:00:00.000Z'],
    ['\t2017-07-25T10:00:00Z\n', '2017-07-25T10:00:00.000Z'],
  ])('reads %j as %s', (input, expected) => {
    expect(parsePartnerCenterTime(input)?.toISOString()).toBe(expected);
  });

  it('reads a padded DateTime.MinValue as absent', async () => {
    const { url } = await serveBody(batch('processing', { startedTime: ' 2026-01-01T00:00:00 ', completedTime: ' 0001-01-01T00:00:00 ' }));
    const details = await createBatchStatusClient({ baseUrl: url, token: 't' }).getBatchStatus(CUSTOMER, BATCH);
    expect(details.startedTime?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(details.completedTime).toBeUndefined();
  });
});

describe('clouds', () => {
  function recordingCredential() {
    const scopes: Array<string | string[]> = [];
    const credential: TokenCredential = {
      async getToken(scope) {
        scopes.push(scope);
        return { token: 't', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    return { credential, scopes };
  }

  it.each([
    ['global', 'https://api.partnercenter.microsoft.com/.default'],
    ['china', 'https://partner.partnercenterapi.microsoftonline.cn/.default'],
  ] as const)('asks for the %s cloud’s own token scope', async (cloud, scope) => {
    const { url } = await serveBody(batch());
    const { credential, scopes } = recordingCredential();
    await createBatchStatusClient({ cloud, baseUrl: url, credential }).getBatchStatus(CUSTOMER, BATCH);
    expect(scopes).toEqual([scope]);
  });

  it('has its own endpoint per cloud', () => {
    expect(createBatchStatusClient({ cloud: 'china' }).baseUrl).toBe('https://partner.partnercenterapi.microsoftonline.cn');
    expect(createBatchStatusClient().baseUrl).toBe('https://api.partnercenter.microsoft.com');
  });
});

describe('request headers', () => {
  it('sends MS-Contract-Version, MS-PartnerCenter-Client and User-Agent, from getBatchStatus and client.api alike', async () => {
    const { url, requests } = await serveBody(batch());
    const client = createBatchStatusClient({ baseUrl: url, token: 't' });
    await client.getBatchStatus(CUSTOMER, BATCH);
    await client.api.GET('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', {
      params: { path: { 'customer-id': CUSTOMER, 'batchtracking-id': BATCH } },
    });
    expect(requests).toHaveLength(2);
    for (const { headers } of requests) {
      expect(headers).toMatchObject({
        'ms-contract-version': 'v1',
        'ms-partnercenter-client': `batchwatch/${VERSION}`,
        accept: 'application/json',
        authorization: 'Bearer t',
        'x-locale': 'en-US',
        'ms-partnercenter-application': 'batchwatch',
      });
      expect(headers['user-agent']).toMatch(new RegExp(`^batchwatch/${VERSION.replace(/\./g, '\\.')} `));
    }
  });
});
