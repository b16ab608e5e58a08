/**
 * Client benchmarks: what @batchwatch/client costs per request over a raw `fetch` + JSON parse against the same
 * loopback server, and what watch() costs per poll of a 10,000-device batch over fetching and parsing it.
 * Rounds alternate between the contenders so machine noise hits both alike; each contender's best round is reported
 * (as Python's timeit does: on a shared machine the fastest round is the one least disturbed by other processes).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createBatchStatusClient } from '@batchwatch/client';
import { seedExample } from '@batchwatch/openapi/testing';
import type { BenchRow } from './report.js';

const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
const BATCH = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';
const PATH = `/v1/customers/${CUSTOMER}/batchJobStatus/${BATCH}`;

/** The documented example response, as committed with the contract's tests. */
const seedBody = JSON.stringify(seedExample.response.body);

/** A 10,000-device batch in which 50 more devices finish on every poll, finishing after `polls` polls. */
function largeBatchBodies(polls: number): string[] {
  const devices = Array.from({ length: 10_000 }, (_, i) => ({
    serialNumber: `SN${String(i).padStart(8, '0')}`,
    productKey: `${10000 + (i % 90000)}-67890-09876-54321-13579`,
    status: 'processing',
    attributes: { objectType: 'DeviceUploadDetails' },
  }));
  return Array.from({ length: polls }, (_, poll) => {
    for (let i = poll * 50; i < (poll + 1) * 50; i++) devices[i]!.status = 'finished';
    const status = poll === polls - 1 ? 'finished' : 'processing';
    return JSON.stringify({ batchTrackingId: BATCH, status, startedTime: '2026-01-01T00:00:00', devicesStatus: devices });
  });
}

async function serve(body: () => string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    const text = body();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const best = (values: number[]) => Math.min(...values);

async function timePerCall(calls: number, call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < calls; i++) await call();
  return ((performance.now() - start) * 1000) / calls; // µs
}

/**
 * The client against two baselines on the same server: a bare `fetch` (Authorization + Accept only), and a
 * `fetch` that makes the same request the client makes — the nine headers it sends, with a fresh MS-RequestId
 * and MS-CorrelationId each time — so the first ratio is the client's own cost (the goal applies to it).
 */
async function perRequest(): Promise<BenchRow[]> {
  const { url, server } = await serve(() => seedBody);
  const client = createBatchStatusClient({ baseUrl: url, token: 'bench' });
  const bare = () => fetch(`${url}${PATH}`, { headers: { Authorization: 'Bearer bench', Accept: 'application/json' } }).then((res) => res.json());
  const sameRequest = () =>
    fetch(`${url}${PATH}`, {
      headers: {
        Authorization: 'Bearer bench',
        Accept: 'application/json',
        'MS-RequestId': randomUUID(),
        'MS-CorrelationId': randomUUID(),
        'X-Locale': 'en-US',
        'MS-PartnerCenter-Application': 'batchwatch',
        'MS-Contract-Version': 'v1',
        'MS-PartnerCenter-Client': 'batchwatch/0.0.0',
        'User-Agent': `batchwatch/0.0.0 (@batchwatch/client; node ${process.version})`,
      },
    }).then((res) => res.json());
  const viaClient = () => client.getBatchStatus(CUSTOMER, BATCH);
  const contenders = { bare, sameRequest, viaClient };
  for (const call of Object.values(contenders)) await timePerCall(500, call); // warm-up: JIT, sockets
  const times: Record<keyof typeof contenders, number[]> = { bare: [], sameRequest: [], viaClient: [] };
  for (let round = 0; round < 11; round++) {
    for (const [name, call] of Object.entries(contenders)) times[name as keyof typeof contenders].push(await timePerCall(1000, call));
  }
  server.close();
  const c = best(times.viaClient);
  const row = (baselineName: string, baseline: number, goal?: number): BenchRow => ({
    benchmark: `client.getBatchStatus per request vs ${baselineName} (seed body, loopback)`,
    value: `${c.toFixed(0)} µs`,
    baseline: `${baseline.toFixed(0)} µs`,
    ratio: c / baseline,
    goal: goal ? `≤ ${goal.toFixed(2)}×` : 'reported (no goal set)',
    met: goal ? c / baseline <= goal : true,
  });
  return [row('raw fetch + JSON sending the same headers', best(times.sameRequest), 1.1), row('bare fetch + JSON (two headers)', best(times.bare))];
}

async function watchOverhead(): Promise<BenchRow> {
  const polls = 20;
  const bodies = largeBatchBodies(polls);
  let next = 0;
  const { url, server } = await serve(() => bodies[Math.min(next++, polls - 1)]!);
  const client = createBatchStatusClient({ baseUrl: url, token: 'bench' });
  const rawPoll = () => fetch(`${url}${PATH}`).then((res) => res.json());
  const watchTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let round = 0; round < 9; round++) {
    next = 0;
    rawTimes.push(await timePerCall(polls, rawPoll));
    next = 0;
    const start = performance.now();
    for await (const event of client.watchBatchStatus(CUSTOMER, BATCH, { intervalMs: 0, maxIntervalMs: 0 })) void event;
    watchTimes.push(((performance.now() - start) * 1000) / polls);
  }
  server.close();
  const [w, r] = [best(watchTimes), best(rawTimes)];
  return {
    benchmark: 'watch() per poll of a 10,000-device batch (normalise + diff + events) vs raw fetch + JSON',
    value: `${(w / 1000).toFixed(1)} ms`,
    baseline: `${(r / 1000).toFixed(1)} ms`,
    ratio: w / r,
    goal: '≤ 1.20×',
    met: w / r <= 1.2,
  };
}

export async function run(): Promise<BenchRow[]> {
  return [...(await perRequest()), await watchOverhead()];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./report.js');
  console.log(formatTable(await run()));
}
