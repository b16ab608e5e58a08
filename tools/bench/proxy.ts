/**
 * Proxy benchmarks, each a ratio against a baseline measured in the same run, on loopback:
 *   1. cache-hit req/s vs a bare Express app returning the same body, access logs on, on Node 20 AND on
 *      Node 24 (the deployment runtime, from the npm package `node@24` via npx)  (goal ≥ 0.9× on each)
 *   1b. 1,000 connections × 20 s on a cached batch: errors, timeouts, p99          (goal 0 errors)
 *   2. uncached pass-through req/s vs http-proxy-middleware on the same upstream (goal ≥ 1.3×)
 *   3. upstream calls per poll interval with 1000 SSE watchers of one batch       (goal 1)
 *   4. time for one transition to reach 1000 SSE subscribers                      (goal < 100 ms)
 *
 * Every server runs in its own child process (this file, forked with a role) so that the load generator
 * never shares an event loop with what it measures. Run: `npx tsx tools/bench/proxy.ts`.
 */
import { execFileSync } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { roleOf, spawnRole as spawnChild, type Child, type Message } from './processes.js';
import type { BenchRow } from './report.js';
import { openWatchers } from './watchers.js';

const SELF = fileURLToPath(import.meta.url);
const API_KEY = 'bench-key-0123456789abcdef';
const UPSTREAM_TOKEN = 'simulator-token';
const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
const WARMUP_S = 1;
/** Each comparison alternates ROUNDS × ROUND_S of baseline and measured load, and takes medians: this box is shared. */
const ROUNDS = 5;
const ROUND_S = 2;
const CONNECTIONS = 50;
const WATCHERS = 1000;
const POLL_INTERVAL_MS = 500;

// ---------------------------------------------------------------------------------------------------------
// Child roles: each starts one server and reports its URL over IPC.

async function child(role: string): Promise<void> {
  const reply = (message: object) => process.send!(message);
  if (role === 'sim') {
    const { startSimulator, createVirtualClock } = await import('@batchwatch/simulator');
    const clock = createVirtualClock();
    const sim = await startSimulator({ clock });
    process.on('message', (message: Message) => {
      if (message.cmd === 'add') {
        const batch = sim.addBatch(message.scenario as 'clean');
        if (message.finished) clock.advance(3_600_000);
        reply({ id: message.id, trackingId: batch.trackingId });
      } else if (message.cmd === 'advance') {
        clock.advance(message.ms as number);
        reply({ id: message.id });
      } else if (message.cmd === 'count') {
        const n = sim.requests.filter((r) => r.path.includes(message.trackingId as string)).length;
        sim.resetRequests();
        reply({ id: message.id, n });
      }
    });
    reply({ url: sim.url });
    return;
  }
  const env = JSON.parse(process.env.BENCH_ENV ?? '{}') as Record<string, string>;
  if (role === 'proxy') {
    const { loadConfig, startProxy } = await import('@batchwatch/proxy');
    const running = await startProxy(loadConfig(env));
    // A clean exit, so that a CPU profile (BATCHWATCH_BENCH_PROF) is written.
    process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
    reply({ url: running.url });
    return;
  }
  process.once('SIGTERM', () => process.exit(0)); // a clean exit: a CPU profile (BATCHWATCH_BENCH_PROF) is written
  const { default: express } = await import('express');
  const app = express();
  if (role === 'bare') {
    const body = Buffer.from(env.BODY!);
    app.get('/v1/customers/:customerId/batchJobStatus/:trackingId', (_req, res) => {
      res.type('application/json').send(body);
    });
  } else if (role === 'hpm') {
    const { createProxyMiddleware } = await import('http-proxy-middleware');
    const { Agent } = await import('node:http');
    // A keep-alive agent, like the proxy's client has: the baseline is HPM at its best, not its defaults.
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    app.use(
      createProxyMiddleware({
        target: env.TARGET,
        changeOrigin: true,
        agent,
        pathFilter: '/v1/customers',
        on: { proxyReq: (proxyReq) => proxyReq.setHeader('authorization', `Bearer ${UPSTREAM_TOKEN}`) },
      }),
    );
  }
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    reply({ url: `http://127.0.0.1:${address.port}` });
  });
}

// ---------------------------------------------------------------------------------------------------------
// The parent: spawning, load, measurement.

/** A Node binary to run the servers on, and its name for the table. */
interface Runtime {
  name: string;
  execPath: string;
}

/**
 * Node 20 is this process; Node 24 comes from the npm package `node@24` (a real binary) through npx, which
 * caches it after the first run. Undefined when it cannot be had (no registry).
 */
function runtimes(): Runtime[] {
  const list: Runtime[] = [{ name: `Node ${process.version}`, execPath: process.execPath }];
  try {
    const execPath = execFileSync('npx', ['--yes', '-p', 'node@24', 'node', '-p', 'process.execPath'], { encoding: 'utf8', timeout: 300_000 }).trim();
    const version = execFileSync(execPath, ['--version'], { encoding: 'utf8' }).trim();
    list.push({ name: `Node ${version}`, execPath });
  } catch (error) {
    console.error(`bench: Node 24 is not available (${(error as Error).message.split('\n')[0]}); its rows are reported as not run`);
    list.push({ name: 'Node 24 (not available)', execPath: '' });
  }
  return list;
}

/** This file as `role`, on `runtime` (this Node by default). */
function spawnRole(role: string, env: Record<string, string> = {}, runtime?: Runtime): Promise<Child> {
  // BATCHWATCH_BENCH_PROF=dir: each server writes a CPU profile to dir/<role> (node --cpu-prof) for finding per-request work.
  const profiled = role !== 'sim' && process.env.BATCHWATCH_BENCH_PROF;
  const nodeArgs = profiled ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BATCHWATCH_BENCH_PROF}/${role}`] : [];
  return spawnChild(SELF, role, { env, nodeArgs, ...(runtime ? { execPath: runtime.execPath } : {}) });
}

function proxyEnv(upstream: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    BATCHWATCH_HOST: '127.0.0.1',
    BATCHWATCH_PORT: '0',
    BATCHWATCH_UPSTREAM_URL: upstream,
    BATCHWATCH_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
    BATCHWATCH_API_KEYS: `bench=${API_KEY}`,
    BATCHWATCH_CUSTOMER_ACL: 'bench=*',
    // Rate limiting stays on; the budget is just large enough for a load test.
    BATCHWATCH_RATE_LIMIT: '100000000',
    BATCHWATCH_LOG_LEVEL: 'info',
    BATCHWATCH_SHUTDOWN_GRACE_MS: '1000',
    // For experiments: BATCHWATCH_LISTEN_BACKLOG=511 (Node's default) reproduces the dropped handshakes.
    ...(process.env.BATCHWATCH_LISTEN_BACKLOG ? { BATCHWATCH_LISTEN_BACKLOG: process.env.BATCHWATCH_LISTEN_BACKLOG } : {}),
    ...extra,
  };
}

type Autocannon = (options: Record<string, unknown>) => Promise<{
  requests: { average: number };
  latency: { p50: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodeStats: Record<string, { count: number }>;
}>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Load {
  /** Answers per second, 2xx only. */
  rate: number;
  /** What was not a 2xx (e.g. `6 × 504`), empty when all were. */
  failures: string[];
}

/**
 * Answers per second over `seconds`. Any non-2xx or error from the server measured makes the run void; a
 * baseline's own failures (http-proxy-middleware answers 504 when its upstream resets a kept-alive socket) are
 * reported with its row instead.
 */
async function load(url: string, headers: Record<string, string>, seconds: number, strict = true): Promise<Load> {
  const result = await autocannon({ url, headers, connections: CONNECTIONS, pipelining: 1, duration: seconds });
  const failures = Object.entries(result.statusCodeStats)
    .filter(([status]) => !status.startsWith('2'))
    .map(([status, { count }]) => `${count} × ${status}`);
  if (result.errors > 0) failures.push(`${result.errors} errors`);
  if (strict && failures.length > 0) throw new Error(`${url}: not every answer was a 2xx under load (${failures.join(', ')})`);
  const answered = result.requests.average;
  return { rate: answered - (result.non2xx + result.errors) / seconds, failures };
}

interface Comparison {
  baseline: number;
  measured: number;
  /** Median of the per-round ratios measured / baseline. */
  ratio: number;
  /** The baseline's own non-2xx answers and errors over all rounds, as a note for its column. */
  baselineFailures: string;
}

/**
 * Warms both up, then alternates ROUNDS rounds of ROUND_S seconds (the order flips every round), so that
 * noise from other work on the machine hits both sides alike; reports medians.
 */
async function compare(
  baseline: { url: string; headers: Record<string, string> },
  measured: { url: string; headers: Record<string, string> },
): Promise<Comparison> {
  await load(baseline.url, baseline.headers, WARMUP_S, false);
  await load(measured.url, measured.headers, WARMUP_S);
  const b: number[] = [];
  const m: number[] = [];
  const failures: string[] = [];
  const onBaseline = async () => {
    const result = await load(baseline.url, baseline.headers, ROUND_S, false);
    failures.push(...result.failures);
    b.push(result.rate);
  };
  const onMeasured = async () => m.push((await load(measured.url, measured.headers, ROUND_S)).rate);
  for (let round = 0; round < ROUNDS; round++) {
    if (round % 2 === 0) {
      await onBaseline();
      await onMeasured();
    } else {
      await onMeasured();
      await onBaseline();
    }
  }
  const baselineFailures = failures.length > 0 ? ` (its own failures: ${failures.join(', ')})` : '';
  return { baseline: median(b), measured: median(m), ratio: median(m.map((value, i) => value / b[i]!)), baselineFailures };
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const perSecond = (n: number) => `${Math.round(n).toLocaleString('en-US')} req/s`;

async function cacheHit(sim: Child, runtime: Runtime): Promise<BenchRow> {
  if (!runtime.execPath) {
    return {
      benchmark: `cache-hit GET vs bare Express returning it, ${runtime.name}`,
      value: 'not run',
      baseline: '—',
      ratio: null,
      goal: '≥ 0.9×',
      met: false,
    };
  }
  const { trackingId } = (await sim.call({ cmd: 'add', scenario: 'demo', finished: true })) as { trackingId: string };
  const path = `/v1/customers/${CUSTOMER}/batchJobStatus/${trackingId}`;
  const auth = { Authorization: `Bearer ${API_KEY}` };
  const proxy = await spawnRole('proxy', proxyEnv(sim.url, { BATCHWATCH_CACHE_TERMINAL_TTL_MS: '3600000' }), runtime);
  try {
    const body = await (await fetch(`${proxy.url}${path}`, { headers: auth })).text();
    const bare = await spawnRole('bare', { BODY: body }, runtime);
    try {
      const { baseline, measured, ratio, baselineFailures } = await compare(
        { url: `${bare.url}${path}`, headers: {} },
        { url: `${proxy.url}${path}`, headers: auth },
      );
      return {
        benchmark: `cache-hit GET (${body.length.toLocaleString('en-US')}-byte body, access log on) vs bare Express returning it, ${runtime.name}`,
        value: perSecond(measured),
        baseline: `${perSecond(baseline)}${baselineFailures}`,
        ratio,
        goal: '≥ 0.9×',
        met: ratio >= 0.9,
      };
    } finally {
      await bare.stop();
    }
  } finally {
    await proxy.stop();
  }
}

const FLOOD_CONNECTIONS = 1_000;
const FLOOD_S = 20;

/**
 * 1,000 connections for 20 s on one cached batch: every request must be answered (no error, no timeout, no
 * non-2xx). A client timeout is 10 s (autocannon's default).
 *
 * Why a flood times out (measured: every timed-out connection had had no answer at all; the listening socket's
 * accept queue held hundreds of finished handshakes while the server answered the connections it had):
 * - libuv accepts ONE connection per listening socket per event-loop turn (Node 20 and 24 alike; `strace -c`
 *   showed 27 `accept4` for 30 `epoll_pwait` in 3 s). A saturated server runs turns of tens of milliseconds,
 *   each serving the connections it already has, so the rest of a thousand connections opened at once wait in
 *   the accept queue; those still waiting after 10 s are the timeouts (the 9.99 s max: the last one accepted
 *   just in time). Bare Express, one socket, shows it in the baseline column.
 * - The proxy listens with several sockets on the port (BATCHWATCH_ACCEPT_SOCKETS, SO_REUSEPORT, Node ≥ 22.12
 *   on Linux: see apps/proxy/src/listen.ts), so each turn accepts that many.
 * - With Node's default backlog (511) the accept queue also overflows and the dropped handshakes are retried
 *   by TCP after 1, 3, 7 s (the row counts them); the proxy's backlog is 2,048 (BATCHWATCH_LISTEN_BACKLOG).
 * The row reports both kinds of timeout apart: `never answered` (a connection that waited in the accept queue)
 * and the rest (a request on a served connection).
 */
async function flood(sim: Child, runtime: Runtime): Promise<BenchRow> {
  const { trackingId } = (await sim.call({ cmd: 'add', scenario: 'demo', finished: true })) as { trackingId: string };
  const path = `/v1/customers/${CUSTOMER}/batchJobStatus/${trackingId}`;
  const headers = { Authorization: `Bearer ${API_KEY}` };
  const proxy = await spawnRole('proxy', proxyEnv(sim.url, { BATCHWATCH_CACHE_TERMINAL_TTL_MS: '3600000' }), runtime);
  let body: string;
  let measured: FloodResult;
  try {
    body = await (await fetch(`${proxy.url}${path}`, { headers })).text(); // cached from here on
    measured = await floodOnce(`${proxy.url}${path}`, headers);
  } finally {
    await proxy.stop();
  }
  // The same flood on bare Express tells the proxy's failures from the machine's (a starved load generator
  // times out requests whose answers are already in its socket buffers).
  const bare = await spawnRole('bare', { BODY: body }, runtime);
  let baseline: FloodResult;
  try {
    baseline = await floodOnce(`${bare.url}${path}`, {});
  } finally {
    await bare.stop();
  }
  return {
    benchmark: `${FLOOD_CONNECTIONS.toLocaleString('en-US')} connections × ${FLOOD_S} s on a cached batch, ${runtime.name}`,
    value: describeFlood(measured),
    baseline: `bare Express: ${describeFlood(baseline)}`,
    ratio: null,
    goal: '0 errors',
    met: measured.failures === 0,
  };
}

interface FloodResult {
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  failures: number;
  /** Handshakes the kernel dropped because the listen queue was full. */
  drops: number;
  /** Timeouts of connections that never got a first answer: they waited in the accept queue (see `flood`). */
  neverAnswered: number;
}

async function floodOnce(url: string, headers: Record<string, string>): Promise<FloodResult> {
  const before = listenQueueDrops();
  let neverAnswered = 0;
  const countUnanswered = (client: EventEmitter) => {
    let answered = false;
    client.on('response', () => (answered = true));
    client.on('timeout', () => {
      if (!answered) neverAnswered++;
      answered = false; // autocannon reconnects after a timeout
    });
  };
  const result = await autocannon({ url, headers, connections: FLOOD_CONNECTIONS, pipelining: 1, duration: FLOOD_S, setupClient: countUnanswered });
  const { errors, timeouts, non2xx } = result;
  return {
    perSecond: result.requests.average,
    ...result.latency,
    errors,
    timeouts,
    non2xx,
    failures: errors + timeouts + non2xx,
    drops: listenQueueDrops() - before,
    neverAnswered,
  };
}

const describeFlood = (r: FloodResult): string =>
  `${perSecond(r.perSecond)}, p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; ${r.errors} errors (${r.timeouts} timeouts, ${r.neverAnswered} of them ` +
  `on connections never answered: accept queue), ${r.non2xx} non-2xx; ` +
  `${r.drops} handshakes dropped by a full listen queue`;

/** The kernel's count of connections dropped because a listen queue was full (Linux; 0 elsewhere). */
function listenQueueDrops(): number {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const at = lines.findIndex((line) => line.startsWith('TcpExt:'));
    const names = lines[at]!.split(/\s+/);
    const values = lines[at + 1]!.split(/\s+/);
    return Number(values[names.indexOf('ListenOverflows')] ?? 0);
  } catch {
    return 0;
  }
}

async function passThrough(sim: Child): Promise<BenchRow> {
  const { trackingId } = (await sim.call({ cmd: 'add', scenario: 'demo', finished: true })) as { trackingId: string };
  const path = `/v1/customers/${CUSTOMER}/batchJobStatus/${trackingId}`;
  const [hpm, proxy] = await Promise.all([
    spawnRole('hpm', { TARGET: sim.url }),
    spawnRole('proxy', proxyEnv(sim.url, { BATCHWATCH_CACHE_TTL_MS: '0', BATCHWATCH_CACHE_TERMINAL_TTL_MS: '0' })),
  ]);
  try {
    const { baseline, measured, ratio, baselineFailures } = await compare(
      { url: `${hpm.url}${path}`, headers: {} },
      { url: `${proxy.url}${path}`, headers: { Authorization: `Bearer ${API_KEY}` } },
    );
    await sim.call({ cmd: 'count', trackingId }); // drop the request log
    return {
      benchmark: 'uncached pass-through (TTL 0, coalescing on) vs http-proxy-middleware (keep-alive agent)',
      value: perSecond(measured),
      baseline: `${perSecond(baseline)}${baselineFailures}`,
      ratio,
      goal: '≥ 1.3×',
      met: ratio >= 1.3,
    };
  } finally {
    await Promise.all([hpm.stop(), proxy.stop()]);
  }
}

async function sseBenches(sim: Child): Promise<BenchRow[]> {
  const { trackingId } = (await sim.call({ cmd: 'add', scenario: 'clean' })) as { trackingId: string };
  const proxy = await spawnRole(
    'proxy',
    proxyEnv(sim.url, {
      BATCHWATCH_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      BATCHWATCH_POLL_MAX_INTERVAL_MS: String(POLL_INTERVAL_MS),
      BATCHWATCH_SSE_MAX_STREAMS_PER_CALLER: String(WATCHERS * 2), // every watcher here is the same caller
    }),
  );
  const watchers = await openWatchers(`${proxy.url}/v1/customers/${CUSTOMER}/batchJobStatus/${trackingId}/events`, WATCHERS, API_KEY);
  try {
    // (3) Upstream calls per interval while 1000 streams watch the (still queued) batch.
    const intervals = 10;
    await sim.call({ cmd: 'count', trackingId });
    await new Promise((resolve) => setTimeout(resolve, intervals * POLL_INTERVAL_MS));
    const calls = (await sim.call({ cmd: 'count', trackingId })).n as number;
    const perInterval = calls / intervals;

    // (4) Fan-out: from the moment the proxy observed the change (the event's `at`) to its arrival at the last watcher.
    const arrivals = watchers.arm('event: batch-status');
    const atProbe = waitForEventAt(`${proxy.url}/v1/customers/${CUSTOMER}/batchJobStatus/${trackingId}/events`, 'batch-status');
    await new Promise((resolve) => setTimeout(resolve, 100)); // the probe has its snapshot
    await sim.call({ cmd: 'advance', ms: 2_500 }); // queued → processing
    const times = await arrivals;
    const at = await atProbe;
    const fanOutMs = Math.max(...times) - at;
    return [
      {
        benchmark: `upstream calls per poll interval, ${WATCHERS} SSE watchers of one batch`,
        value: `${perInterval.toFixed(2)} (${calls} calls in ${intervals} intervals)`,
        baseline: `${WATCHERS} (one poller per watcher)`,
        ratio: null,
        goal: '1',
        met: perInterval <= 1.1,
      },
      {
        benchmark: `one transition reaching all ${WATCHERS} SSE subscribers`,
        value: `${fanOutMs} ms`,
        baseline: '—',
        ratio: null,
        goal: '< 100 ms',
        met: fanOutMs < 100,
      },
    ];
  } finally {
    watchers.close();
    await proxy.stop();
  }
}

/** One extra stream that reports the `at` (when the proxy observed the change) of the first event of `type`. */
async function waitForEventAt(url: string, type: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, headers: { Authorization: `Bearer ${API_KEY}` } }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const match = new RegExp(`event: ${type}\\ndata: (.*)\\n`).exec(buffer);
        if (match) {
          resolve(Date.parse((JSON.parse(match[1]!) as { at: string }).at));
          res.destroy();
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every row; `BATCHWATCH_BENCH_ONLY=cache-hit|flood|pass-through|sse` runs a subset (for iterating on one). */
export async function run(): Promise<BenchRow[]> {
  const only = process.env.BATCHWATCH_BENCH_ONLY;
  const sim = await spawnRole('sim');
  try {
    const rows: BenchRow[] = [];
    const [node20, node24] = !only || only === 'cache-hit' || only === 'flood' ? runtimes() : [];
    if (!only || only === 'cache-hit') for (const runtime of [node20!, node24!]) rows.push(await cacheHit(sim, runtime));
    if (!only || only === 'flood') rows.push(await flood(sim, node24!.execPath ? node24! : node20!));
    if (!only || only === 'pass-through') rows.push(await passThrough(sim));
    if (!only || only === 'sse') rows.push(...(await sseBenches(sim)));
    return rows;
  } finally {
    await sim.stop();
  }
}

const role = roleOf(process.argv);
if (role) {
  await child(role);
} else if (import.meta.url === `file://${process.argv[1]}` || process.argv[1] === SELF) {
  const { formatTable } = await import('./report.js');
  const rows = await run();
  console.log(formatTable(rows));
  const cpus = (await import('node:os')).cpus().length;
  console.log(
    `\nNode ${process.version}, ${cpus} CPUs, loopback, ${CONNECTIONS} connections; throughput: ${WARMUP_S} s warm-up, then medians of ${ROUNDS} alternating ${ROUND_S}-s rounds.`,
  );
}
