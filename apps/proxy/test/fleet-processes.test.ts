/**
 * Three replicas of the proxy as separate processes (the real CLI), one real redis-server, the simulator:
 * clients spread across the replicas, the lease holder killed with SIGKILL mid-batch, clients reconnecting
 * elsewhere with Last-Event-ID — and every client sees every event of the batch exactly once. Then Redis is
 * stopped and restarted mid-watch with the replicas still serving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createVirtualClock, type VirtualClock } from '@batchwatch/simulator';
import { CUSTOMER, defer, eventually, KEYS, openEvents, simulator, statusPath, UPSTREAM_TOKEN, type SseEvent } from './helpers.js';
import { startRedis } from './redis-server.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const auth = { Authorization: `Bearer ${KEYS.all}` };

interface Replica {
  url: string;
  process: ChildProcess;
}

/** Starts `batchwatch-proxy` (from source, through tsx) and resolves with its URL once it listens. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const child = spawn(process.execPath, ['--conditions=@batchwatch/source', '--import', 'tsx', CLI], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  defer(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*batchwatch-proxy listening/.exec(output);
      if (match) resolve(match[1]!);
      if (output.length > 100_000) output = output.slice(-10_000);
    });
    child.stderr!.resume();
    child.once('exit', (code) => reject(new Error(`replica exited (${code}) before listening: ${output.slice(-2_000)}`)));
  });
  return { url, process: child };
}

/**
 * An SSE client that follows the batch to its end across replicas: when its stream breaks (or its replica
 * is gone) it reconnects to the next replica with Last-Event-ID, as EventSource would.
 */
async function follow(urls: () => string[], first: number, path: string, connected: () => void): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  let index = first;
  let announced = false;
  for (let attempts = 0; attempts < 200; attempts++) {
    const base = urls()[index % urls().length]!;
    const lastId = events.filter((e) => e.id !== undefined).at(-1)?.id;
    try {
      const reader = await openEvents(`${base}${path}`, { ...auth, ...(lastId ? { 'Last-Event-ID': lastId } : {}) });
      if (reader.response.status !== 200) throw new Error(`HTTP ${reader.response.status}`);
      for (;;) {
        const event = await reader.next();
        events.push(event);
        if (!announced) {
          announced = true;
          connected();
        }
        if (event.event === 'done') return events;
      }
    } catch {
      index += 1; // stream ended or replica gone: the next one
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error('never saw the end of the batch');
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const match = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

function replicaEnv(simUrl: string, redisUrl: string): Record<string, string> {
  return {
    BATCHWATCH_HOST: '127.0.0.1',
    BATCHWATCH_PORT: '0',
    BATCHWATCH_UPSTREAM_URL: simUrl,
    BATCHWATCH_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
    BATCHWATCH_UPSTREAM_ATTEMPTS: '1',
    BATCHWATCH_API_KEYS: `all=${KEYS.all}`,
    BATCHWATCH_CUSTOMER_ACL: 'all=*',
    BATCHWATCH_POLL_INTERVAL_MS: '50',
    BATCHWATCH_POLL_MAX_INTERVAL_MS: '50',
    BATCHWATCH_SSE_RETRY_MS: '50',
    BATCHWATCH_REDIS_URL: redisUrl,
    BATCHWATCH_REDIS_PREFIX: 'processes',
    BATCHWATCH_LEASE_TTL_MS: '1000',
    BATCHWATCH_REDIS_TIMEOUT_MS: '3000',
    BATCHWATCH_LOG_LEVEL: 'info',
  };
}

async function fleetOfThree(clock: VirtualClock) {
  const redis = await startRedis();
  defer(() => redis.stop());
  const sim = await simulator({ clock });
  const env = replicaEnv(sim.url, redis.url);
  const replicas = await Promise.all([0, 1, 2].map(() => startReplica(env)));
  return { redis, sim, replicas };
}

/** Events as compared across clients: id, type and body. */
const signature = (events: SseEvent[]) => events.filter((e) => e.id !== undefined).map((e) => `${e.id} ${e.data}`);

describe('three replica processes', () => {
  it('the lease holder SIGKILLed mid-batch: clients reconnect elsewhere and see every event exactly once', { timeout: 120_000 }, async () => {
    const clock = createVirtualClock();
    const { sim, replicas } = await fleetOfThree(clock);
    const batch = sim.addBatch('clean');
    const path = `${statusPath(CUSTOMER, batch.trackingId)}/events`;
    let alive = replicas;
    let connected = 0;
    const clients = Array.from({ length: 6 }, (_, i) =>
      follow(
        () => alive.map((r) => r.url),
        i % 3,
        path,
        () => connected++,
      ),
    );
    await eventually(() => connected === 6, 'every client connected');

    clock.advance(2_500); // queued → processing
    await eventually(
      async () => (await Promise.all(replicas.map((r) => metric(r.url, 'batchwatch_proxy_sse_events_total\\{type="batch-status"\\}')))).every((n) => n >= 1),
      'processing seen everywhere',
    );
    const leases = await Promise.all(replicas.map((r) => metric(r.url, 'batchwatch_proxy_fleet_leases')));
    expect(leases.filter((n) => n === 1)).toHaveLength(1);
    const holder = replicas[leases.indexOf(1)]!;

    holder.process.kill('SIGKILL');
    alive = replicas.filter((r) => r !== holder);
    clock.advance(60_000); // the batch finishes while nobody holds the lease

    const seen = await Promise.all(clients);
    const reference = signature(seen[0]!);
    expect(reference.length).toBeGreaterThan(4);
    for (const events of seen) {
      const ids = events.filter((e) => e.id !== undefined).map((e) => Number(e.id));
      expect(ids).toEqual(ids.map((_, i) => i + 1)); // 1, 2, 3, …: no gap, no duplicate
      expect(signature(events)).toEqual(reference);
      expect(events.at(-1)!.json.snapshot.status).toBe('finished');
    }
    const transitions = seen[0]!.filter((e) => e.event === 'batch-status').map((e) => `${e.json.from}→${e.json.to}`);
    expect(transitions).toEqual(['queued→processing', 'processing→finished']);
    // A survivor took the lease over.
    const taken = await Promise.all(alive.map((r) => metric(r.url, 'batchwatch_proxy_fleet_lease_acquired_total')));
    expect(taken.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(1);
  });

  it('Redis stopped and restarted mid-watch: the replicas keep every stream open and rejoin', { timeout: 120_000 }, async () => {
    const clock = createVirtualClock();
    const { redis, sim, replicas } = await fleetOfThree(clock);
    const batch = sim.addBatch('clean');
    const path = `${statusPath(CUSTOMER, batch.trackingId)}/events`;
    const readers = await Promise.all(replicas.map((r) => openEvents(`${r.url}${path}`, auth)));
    await Promise.all(readers.map((reader) => reader.next()));

    await redis.stop();
    await eventually(
      async () => (await Promise.all(replicas.map((r) => metric(r.url, 'batchwatch_proxy_fleet_degraded')))).every((n) => n === 1),
      'all degraded',
    );
    clock.advance(2_500);
    await Promise.all(
      readers.map(async (reader) => {
        for (let e = await reader.next(); e.event !== 'batch-status'; e = await reader.next());
      }),
    );

    await redis.start();
    await eventually(
      async () => (await Promise.all(replicas.map((r) => metric(r.url, 'batchwatch_proxy_fleet_degraded')))).every((n) => n === 0),
      'all rejoined',
    );
    clock.advance(60_000);
    for (const reader of readers) {
      let last: SseEvent;
      do last = await reader.next();
      while (last.event !== 'done');
      expect(last.json.snapshot.status).toBe('finished');
    }
    for (const replica of replicas) expect(replica.process.exitCode).toBeNull(); // nobody crashed
  });
});
