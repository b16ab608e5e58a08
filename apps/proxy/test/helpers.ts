/**
 * Small disposable helpers: a simulator, a proxy in front of it (real HTTP, ephemeral ports), captured logs,
 * an SSE reader and a raw-socket client for requests `fetch` refuses to send.
 */
import { connect } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect } from 'vitest';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '@batchwatch/simulator';
import { loadConfig, startProxy, type ProxyDeps, type RunningProxy } from '../src/index.js';

export const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
export const OTHER_CUSTOMER = '9b1c2d3e-4f50-4a6b-8c7d-0e1f2a3b4c5d';
export const UPSTREAM_TOKEN = 'simulator-token';
export const KEYS = {
  tui: 'tui-key-4f0c8a61d2b94e37',
  ci: 'ci-key-7d1e2f3a4b5c6d7e',
  all: 'all-key-0a9b8c7d6e5f4a3b',
  none: 'none-key-1b2c3d4e5f6a7b8c',
};

type Cleanup = () => unknown;
const cleanups: Cleanup[] = [];

/** Runs after each test, last registered first. */
export function defer(cleanup: Cleanup): void {
  cleanups.push(cleanup);
}

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

export async function simulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const sim = await startSimulator(options);
  defer(() => sim.close());
  return sim;
}

export interface TestProxy extends RunningProxy {
  /** Every log line written so far (raw JSON text, one line each). */
  logs: string[];
  /** `fetch` against the proxy with an API key (default: the `tui` key). */
  get(path: string, init?: { key?: string | null; headers?: Record<string, string> }): Promise<Response>;
}

export function baseEnv(upstreamUrl: string): Record<string, string> {
  return {
    BATCHWATCH_HOST: '127.0.0.1',
    BATCHWATCH_PORT: '0',
    BATCHWATCH_UPSTREAM_URL: upstreamUrl,
    BATCHWATCH_UPSTREAM_TOKEN: UPSTREAM_TOKEN,
    BATCHWATCH_UPSTREAM_TIMEOUT_MS: '2000',
    BATCHWATCH_UPSTREAM_ATTEMPTS: '1',
    BATCHWATCH_API_KEYS: Object.entries(KEYS)
      .map(([name, key]) => `${name}=${key}`)
      .join(','),
    BATCHWATCH_CUSTOMER_ACL: `tui=${CUSTOMER},ci=${OTHER_CUSTOMER}|${CUSTOMER},all=*`,
    BATCHWATCH_POLL_INTERVAL_MS: '20',
    BATCHWATCH_POLL_MAX_INTERVAL_MS: '20',
    BATCHWATCH_LOG_LEVEL: 'debug',
    BATCHWATCH_RATE_LIMIT: '10000',
  };
}

export async function proxyFor(upstreamUrl: string, env: Record<string, string | undefined> = {}, deps: ProxyDeps = {}): Promise<TestProxy> {
  const logs: string[] = [];
  const config = loadConfig({ ...baseEnv(upstreamUrl), ...env });
  // A write may carry several lines (the access lines of one event-loop turn go out together).
  const write = (chunk: string) => void logs.push(...chunk.split('\n').filter(Boolean));
  const running = await startProxy(config, { logDestination: { write }, ...deps });
  defer(() => running.close());
  return Object.assign(running, {
    logs,
    get(path: string, init: { key?: string | null; headers?: Record<string, string> } = {}) {
      const key = init.key === undefined ? KEYS.tui : init.key;
      const headers: Record<string, string> = { ...(key === null ? {} : { Authorization: `Bearer ${key}` }), ...init.headers };
      return fetch(`${running.url}${path}`, { headers });
    },
  });
}

/** The answer is exactly an ApiFault of the proxy, with this status and code; returns its body. */
export async function expectFault(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const body: any = await res.json();
  // Exactly an ApiFault: no stack, no upstream body, nothing else.
  expect(Object.keys(body).sort()).toEqual(['code', 'data', 'description', 'source']);
  expect(body).toMatchObject({ code, data: [], source: 'batchwatch-proxy' });
  expect(body.description).not.toMatch(/\n\s+at /);
  expect(res.headers.get('ms-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  return body;
}

export const statusPath = (customerId: string, trackingId: string) => `/v1/customers/${customerId}/batchJobStatus/${trackingId}`;

/** Batch-status requests the upstream received (the simulator records every request). */
export function statusCalls(sim: RunningSimulator, trackingId?: string): RunningSimulator['requests'] {
  return sim.requests.filter((r) => /batchjobstatus/i.test(r.path) && (!trackingId || r.path.toLowerCase().includes(trackingId.toLowerCase())));
}

/** A tiny upstream for bodies the simulator never produces; answers every request with `answer`. */
export async function fakeUpstream(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; server: Server; hits: IncomingMessage[] }> {
  const hits: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    hits.push(req);
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits };
}

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface SseReader {
  response: Response;
  /** The next event (comments are collected in `comments`); rejects if the stream ends first. */
  next(): Promise<SseEvent>;
  /** The events received but not read yet, without waiting. */
  drain(): SseEvent[];
  /** Resolves with every remaining event once the server ends the stream. */
  rest(): Promise<SseEvent[]>;
  comments: string[];
  retry?: number;
  ended: Promise<void>;
  close(): void;
}

/** A minimal `text/event-stream` parser over fetch (the proxy has no SSE client dependency). */
export async function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const queue: SseEvent[] = [];
  const waiters: Array<{ resolve: (e: SseEvent) => void; reject: (e: Error) => void }> = [];
  let finished = false;
  const reader: SseReader = {
    response,
    comments: [],
    next() {
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (finished) return Promise.reject(new Error('the stream ended'));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    drain: () => queue.splice(0),
    async rest() {
      await reader.ended;
      return queue.splice(0);
    },
    ended: Promise.resolve(),
    close: () => controller.abort(),
  };
  const deliver = (event: SseEvent) => {
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(event);
    else queue.push(event);
  };
  reader.ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        // Linear in the stream's size: one pass over each chunk, one slice at the end.
        let start = 0;
        let end: number;
        while ((end = buffer.indexOf('\n\n', start)) >= 0) {
          const event = parseBlock(buffer.slice(start, end), reader);
          if (event) deliver(event);
          start = end + 2;
        }
        buffer = buffer.slice(start);
      }
    } catch {
      // aborted by close()
    } finally {
      finished = true;
      for (const waiter of waiters.splice(0)) waiter.reject(new Error('the stream ended'));
    }
  })();
  return reader;
}

function parseBlock(block: string, reader: SseReader): SseEvent | undefined {
  let id: string | undefined;
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) reader.comments.push(line.slice(1).trim());
    else if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    else if (line.startsWith('retry:')) reader.retry = Number(line.slice(6).trim());
  }
  if (data.length === 0) return undefined;
  const text = data.join('\n');
  return { ...(id === undefined ? {} : { id }), event, data: text, json: JSON.parse(text) };
}

/** Sends bytes as they are (for requests fetch refuses: CR/LF in headers, oversized lines) and returns the raw answer. */
/** Reads events until one matches, returning everything read (the match included). */
export async function readUntil(reader: SseReader, stop: (event: SseEvent) => boolean): Promise<SseEvent[]> {
  const seen: SseEvent[] = [];
  for (;;) {
    const event = await reader.next();
    seen.push(event);
    if (stop(event)) return seen;
  }
}

export function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
    socket.write(text);
  });
}

/** Polls `check` until it holds (no timing assertions: the test's own timeout bounds it). */
export async function eventually(check: () => boolean | Promise<boolean>, _what = 'condition'): Promise<void> {
  // No count of tries: on a loaded machine a condition may take longer than any fixed number of them.
  for (;;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
