import { describe, expect, it } from 'vitest';
import { createVirtualClock } from '@batchwatch/simulator';
import { CUSTOMER, proxyFor, simulator, statusCalls, statusPath } from './helpers.js';

describe('the proxy’s Partner Center credential', () => {
  it('takes tokens from a TokenCredential, asks it once per token lifetime, and sends only that token upstream', async () => {
    const clock = createVirtualClock();
    const sim = await simulator({ clock, token: 'entra-issued-token' });
    const { trackingId } = sim.addBatch('clean');
    let asked = 0;
    const credential = {
      async getToken(scopes: string | string[]) {
        asked += 1;
        expect(scopes).toEqual('https://api.partnercenter.microsoft.com/.default');
        return { token: 'entra-issued-token', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    const proxy = await proxyFor(sim.url, { BATCHWATCH_CACHE_TTL_MS: '0' }, { credential });
    for (let i = 0; i < 3; i++) expect((await proxy.get(statusPath(CUSTOMER, trackingId))).status).toBe(200);
    expect(asked).toBe(1);
    expect(statusCalls(sim).map((r) => r.headers.authorization)).toEqual(Array(3).fill('Bearer entra-issued-token'));
  });

  it('bounds a credential that never answers: 504 within the upstream time budget', async () => {
    const sim = await simulator();
    const { trackingId } = sim.addBatch('clean');
    const credential = { getToken: () => new Promise<never>(() => {}) };
    const proxy = await proxyFor(sim.url, { BATCHWATCH_UPSTREAM_TIMEOUT_MS: '100' }, { credential });
    const res = await proxy.get(statusPath(CUSTOMER, trackingId));
    expect(res.status).toBe(504);
    expect(await res.json()).toMatchObject({ code: 'UpstreamTimeout', source: 'batchwatch-proxy' });
  });

  it('answers 502 when no token can be obtained, without the secret in responses or logs', { timeout: 120_000 }, async () => {
    const sim = await simulator();
    const { trackingId } = sim.addBatch('clean');
    const previous = process.env.AZURE_AUTHORITY_HOST;
    process.env.AZURE_AUTHORITY_HOST = 'https://127.0.0.1:1'; // nothing listens there: the token request fails at once
    try {
      const proxy = await proxyFor(sim.url, {
        BATCHWATCH_UPSTREAM_TOKEN: '',
        // @azure/identity retries for a few seconds before it gives up (more on a loaded machine): the budget must
        // outlast that, or the answer is the 504 of the budget instead of the 502 of the failed sign-in.
        BATCHWATCH_UPSTREAM_TIMEOUT_MS: '90000',
        AZURE_TENANT_ID: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        AZURE_CLIENT_ID: '04b07795-8ddb-461a-bbee-02f9e1bf7b46',
        AZURE_CLIENT_SECRET: 'very-secret-client-secret-value',
      });
      const res = await proxy.get(statusPath(CUSTOMER, trackingId));
      expect(res.status).toBe(502);
      const body = await res.text();
      expect(JSON.parse(body)).toMatchObject({ code: 'UpstreamAuthFailed', source: 'batchwatch-proxy' });
      expect(body).not.toContain('very-secret');
      expect(statusCalls(sim)).toHaveLength(0);
      await proxy.close();
      expect(proxy.logs.join('')).not.toContain('very-secret-client-secret-value');
    } finally {
      if (previous === undefined) delete process.env.AZURE_AUTHORITY_HOST;
      else process.env.AZURE_AUTHORITY_HOST = previous;
    }
  });
});
