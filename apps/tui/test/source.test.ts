/** Source selection and the polling source's refresh, over real HTTP except where only a stub can stand in. */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBatchStatusClient, type WatchEvent } from '@batchwatch/client';
import { startSimulator, type RunningSimulator } from '@batchwatch/simulator';
import { isPartnerCenter } from '../src/args.js';
import { main } from '../src/run.js';
import { createPollingSource } from '../src/source/polling.js';
import { CUSTOMER, testIO, TRACKING, waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });

describe('Partner Center itself', () => {
  it('is recognised by its origin', () => {
    expect(isPartnerCenter('https://api.partnercenter.microsoft.com')).toBe(true);
    expect(isPartnerCenter('https://api.partnercenter.microsoft.com/')).toBe(true);
    expect(isPartnerCenter('https://partner.partnercenterapi.microsoftonline.cn')).toBe(true);
    expect(isPartnerCenter('http://127.0.0.1:8787')).toBe(false);
  });

  it('is polled straight away, never probed for an events endpoint, with the locale and the bearer token', async () => {
    // Partner Center cannot be reached from tests: a stub stands in for it, answering 401 to everything.
    const seen: Request[] = [];
    const fetchStub: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      seen.push(request);
      return new Response(JSON.stringify({ code: 800001, description: 'Partner Token missing in request context', source: 'PartnerApiServiceControllers' }), {
        status: 401,
        headers: { 'Content-Type': 'application/json' },
      });
    };
    const io = testIO({ env: { BATCHWATCH_TOKEN: 'pc-token' }, fetch: fetchStub });
    const code = await main(['watch', CUSTOMER, TRACKING, '--json', '--locale', 'fr-FR'], io);
    expect(code).toBe(3);
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) {
      expect(request.url).toBe(`https://api.partnercenter.microsoft.com/v1/customers/${CUSTOMER}/batchJobStatus/${TRACKING}`);
      expect(request.headers.get('authorization')).toBe('Bearer pc-token');
      expect(request.headers.get('x-locale')).toBe('fr-FR');
    }
    expect(io.stderr.text()).toMatch(/Non autorisé \(HTTP 401, code 800001\)/);
  });
});

describe('polling source', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('r polls again at once, continuing the same event sequence instead of starting over', async () => {
    const batch = sim.addBatch('slow');
    const client = createBatchStatusClient({ baseUrl: sim.url, token: 'simulator-token' });
    // An interval far longer than the test: only a refresh can cause a second poll.
    const source = createPollingSource(client, { customerId: batch.customerId, trackingId: batch.trackingId, correlationId: 'c', intervalMs: 120_000 });
    const events: WatchEvent[] = [];
    const controller = new AbortController();
    const running = source.run({ event: (event) => events.push(event), alive: () => {}, mode: () => {} }, controller.signal);
    const polls = () => sim.requests.filter((request) => request.path.endsWith(batch.trackingId)).length;
    await waitFor(() => events.length > 0, 'the first snapshot');
    source.refresh();
    await waitFor(() => polls() >= 2, 'a second poll after refresh', 20_000);
    controller.abort(new Error('done'));
    await expect(running).rejects.toThrow('done');
    expect(events.filter((event) => event.type === 'snapshot')).toHaveLength(1);
    const seqs = events.flatMap((event) => ('seq' in event ? [event.seq] : []));
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
  });
});
