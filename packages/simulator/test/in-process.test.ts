/** The simulator as a library for teams' unit tests: an in-process fetch (no port) and a clock that moves per poll. */
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import type { BatchUploadDetails } from '@batchwatch/openapi';
import {
  createPerPollClock,
  createScaledClock,
  createSimulator,
  createVirtualClock,
  DEFAULT_VIRTUAL_START,
  IN_PROCESS_URL,
  scenarios,
  type RunningSimulator,
} from '../src/index.js';
import { contractProblems, operations } from './support/contract.js';
import { AUTH, DOC_CUSTOMER, headersOf } from './support/http.js';

function inProcess(options: Parameters<typeof createSimulator>[0] = {}): RunningSimulator {
  const sim = createSimulator(options);
  onTestFinished(() => sim.close());
  return sim;
}

async function poll(sim: RunningSimulator, statusPath: string, init: RequestInit = {}) {
  const res = await sim.fetch(`${sim.url}${statusPath}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string>) } });
  return { status: res.status, headers: headersOf(res.headers), text: await res.text() };
}

describe('createSimulator: in process, no port', () => {
  it('answers its own fetch with the same HTTP as over TCP, valid against the contract', async () => {
    const sim = inProcess();
    expect(sim.url).toBe(IN_PROCESS_URL);
    const batch = sim.addBatch('device-errors');
    const reply = await poll(sim, batch.statusPath);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({ batchTrackingId: batch.trackingId, status: 'queued' });
    expect(contractProblems(operations.getStatus, reply)).toEqual([]);
    expect(sim.requests.map((r) => [r.method, r.path, r.status])).toEqual([['GET', batch.statusPath, 200]]);
  });

  it('takes the same URL whatever its host, and a Request object as well as a URL', async () => {
    const sim = inProcess();
    const batch = sim.addBatch('clean');
    const res = await sim.fetch(new Request(`https://api.partnercenter.microsoft.com${batch.statusPath}`, { headers: AUTH }));
    expect(res.status).toBe(200);
    expect(res).toBeInstanceOf(Response);
  });

  it('accepts an upload: 202, an empty body, and a Location that leads to the batch', async () => {
    const sim = inProcess();
    const res = await sim.fetch(`${sim.url}/v1/customers/${DOC_CUSTOMER}/deviceBatches`, {
      method: 'POST',
      headers: { ...AUTH, 'Content-Type': 'application/json' },
      body: JSON.stringify({ batchId: 'unit test', devices: [{ serialNumber: 'SN-ERR808-1' }] }),
    });
    expect([res.status, await res.text()]).toEqual([202, '']);
    const location = res.headers.get('location')!;
    expect((await poll(sim, `/v1${location}`)).status).toBe(200);
  });

  it('accepts and records the headers a Partner Center client sends', async () => {
    const sim = inProcess();
    const batch = sim.addBatch('clean');
    const headers = { 'MS-Contract-Version': 'v1', 'MS-PartnerCenter-Client': 'batchwatch/1.2.3', 'User-Agent': 'team-tests/1.0' };
    const reply = await poll(sim, batch.statusPath, { headers: { ...headers, 'MS-RequestId': 'c1b6f2a0-2a36-4d0e-9f7e-2b1f0d1c9a11' } });
    expect(reply.status).toBe(200);
    expect(reply.headers['ms-requestid']).toBe('c1b6f2a0-2a36-4d0e-9f7e-2b1f0d1c9a11');
    expect(sim.requests[0]!.headers).toMatchObject({
      'ms-contract-version': 'v1',
      'ms-partnercenter-client': 'batchwatch/1.2.3',
      'user-agent': 'team-tests/1.0',
    });
  });

  it('a reset is a rejected fetch, as over TCP', async () => {
    const sim = inProcess();
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'reset' });
    const failure = await sim.fetch(`${sim.url}${batch.statusPath}`, { headers: AUTH }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError & { cause: { code: string } }).cause.code).toBe('ECONNRESET');
    expect((await poll(sim, batch.statusPath)).status).toBe(200);
  });

  it('an abort ends a held request at once, with the abort reason', async () => {
    const sim = inProcess();
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'delay', ms: 600_000 });
    const controller = new AbortController();
    const pending = sim.fetch(`${sim.url}${batch.statusPath}`, { headers: AUTH, signal: controller.signal });
    await vi.waitFor(() => expect(sim.requests).toHaveLength(1), { timeout: 30_000 });
    const reason = new Error('the test gave up');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('a malformed body arrives as sent', async () => {
    const sim = inProcess();
    const batch = sim.addBatch('malformed');
    const reply = await poll(sim, batch.statusPath);
    expect(reply.status).toBe(200);
    expect(() => JSON.parse(reply.text)).toThrow(SyntaxError);
  });
});

describe('a clock that moves on its own', () => {
  it('by default the in-process clock moves 5 s per status poll: polling alone reaches the end of a batch', async () => {
    const sim = inProcess();
    const batch = sim.addBatch('clean'); // queued 2 s, processing 10 s
    const seen: string[] = [];
    for (let i = 0; i < 10 && seen.at(-1) !== 'finished'; i++) {
      seen.push(JSON.parse((await poll(sim, batch.statusPath)).text).status);
    }
    expect(seen).toEqual(['queued', 'processing', 'processing', 'finished']);
    expect(sim.clock.now()).toBe(DEFAULT_VIRTUAL_START + 4 * 5_000);
  });

  it('counts faulted polls too, and only status polls', async () => {
    const clock = createPerPollClock(1_000, 0);
    const sim = inProcess({ clock });
    const batch = sim.addBatch('clean');
    sim.injectFault({ kind: 'throttle', retryAfterSeconds: 1 });
    expect((await poll(sim, batch.statusPath)).status).toBe(429);
    await sim.fetch(`${sim.url}/v1/customers/${DOC_CUSTOMER}/deviceBatches`, { method: 'POST', headers: AUTH, body: '{}' });
    expect(clock.now()).toBe(1_000);
    clock.advance(500); // still a virtual clock
    expect(clock.now()).toBe(1_500);
    expect(clock.stepMs).toBe(1_000);
  });

  it('a virtual clock that does not move is still available, and so is scaled real time', async () => {
    const still = inProcess({ clock: createVirtualClock() });
    const batch = still.addBatch('clean');
    await poll(still, batch.statusPath);
    expect(JSON.parse((await poll(still, batch.statusPath)).text).status).toBe('queued');

    const fast = createScaledClock(1_000, DEFAULT_VIRTUAL_START);
    expect(fast.now()).toBeGreaterThanOrEqual(DEFAULT_VIRTUAL_START);
    expect(inProcess({ speed: 1_000 }).clock.now()).toBeGreaterThan(0);
    expect(() => createPerPollClock(-1)).toThrow(RangeError);
  });

  it('the step decides how many polls a lifecycle takes: one as long as the lifecycle ends it at the second', async () => {
    const { queuedMs, processingMs } = scenarios['device-errors'];
    const sim = inProcess({ clock: createPerPollClock(queuedMs + processingMs) });
    const batch = sim.addBatch('device-errors');
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push(JSON.parse((await poll(sim, batch.statusPath)).text) as BatchUploadDetails);
    expect(statuses.map((s) => s.status)).toEqual(['queued', 'finished_with_errors']);
  });
});
