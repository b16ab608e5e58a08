/** Small disposable helpers: a simulator per test on an ephemeral port, and plain HTTP calls to it. */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { onTestFinished } from 'vitest';
import { createVirtualClock, startSimulator, type RunningSimulator, type SimulatorOptions, type VirtualClock } from '../../src/index.js';

const TOKEN = 'simulator-token';
export const AUTH = { Authorization: `Bearer ${TOKEN}` } as const;
/** The ids of Microsoft's documented request example. */
export const DOC_CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
export const DOC_TRACKING = '0127ed8e-ff72-4983-a3d8-e8d8bd378932';
export const OTHER_CUSTOMER = 'a2b3c4d5-e6f7-4890-abcd-ef0123456789';

export interface TestSimulator extends RunningSimulator {
  clock: VirtualClock;
}

/** A simulator on a virtual clock, closed when the test finishes. */
export async function startTestSimulator(options: Omit<SimulatorOptions, 'clock' | 'speed'> = {}): Promise<TestSimulator> {
  const clock = createVirtualClock();
  const sim = await startSimulator({ ...options, clock });
  onTestFinished(() => sim.close());
  return { ...sim, clock };
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export function headersOf(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers.entries()].map(([k, v]) => [k.toLowerCase(), v]));
}

export async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string>) } });
  return { status: res.status, headers: headersOf(res.headers), text: await res.text() };
}

/** GET with the simulator's token (override or remove headers through `headers`). */
export function get(sim: RunningSimulator, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  return call(`${sim.url}${path}`, { headers });
}

export function post(sim: RunningSimulator, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return call(`${sim.url}${path}`, { method: 'POST', body: text, headers: { 'Content-Type': 'application/json', ...headers } });
}

export function json<T = any>(reply: Reply): T {
  return JSON.parse(reply.text) as T;
}

/** node:http, for requests fetch will not send as written (e.g. a `Host` header, no Authorization at all). */
export function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Resolves once the simulator has received `count` requests (for requests held by a delay fault). */
export async function untilRequests(sim: RunningSimulator, count: number): Promise<void> {
  while (sim.requests.length < count) await new Promise((r) => setTimeout(r, 5));
}
