/**
 * `/metrics`, on the API port or on its own (BATCHWATCH_METRICS_PORT), optionally behind a key
 * (BATCHWATCH_METRICS_KEY). Rendering every metric costs milliseconds of the one event loop the API also
 * runs on, so the text is rendered at most once per RENDER_EVERY_MS and shared by every scrape in between:
 * flooding /metrics cannot starve the API.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sha256, type ApiKey } from './auth/types.js';
import { apiFault } from './faults.js';
import type { ProxyMetrics } from './metrics.js';

const RENDER_EVERY_MS = 1_000;

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function metricsHandler(metrics: ProxyMetrics, key: ApiKey | undefined): MetricsHandler {
  let rendered: { at: number; text: Promise<string> } | undefined;
  const render = (): Promise<string> => {
    const now = performance.now();
    if (!rendered || now - rendered.at >= RENDER_EVERY_MS) rendered = { at: now, text: metrics.registry.metrics() };
    return rendered.text;
  };
  return async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    if (key && !hasKey(req.headers.authorization, key)) {
      res.writeHead(401, { 'Content-Type': 'application/json; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="batchwatch-proxy-metrics"' });
      res.end(JSON.stringify(apiFault('Unauthorized', 'send Authorization: Bearer <BATCHWATCH_METRICS_KEY>')));
      return;
    }
    const text = await render();
    res.writeHead(200, { 'Content-Type': metrics.registry.contentType });
    res.end(text);
  };
}

function hasKey(authorization: string | undefined, key: ApiKey): boolean {
  const token = /^Bearer +(\S{1,512})\s*$/i.exec(authorization ?? '')?.[1];
  return token !== undefined && timingSafeEqual(sha256(token), key.digest);
}

/** A listener of its own that serves /metrics only. */
export async function startMetricsServer(handler: MetricsHandler, host: string, port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') return void handler(req, res);
    res.writeHead(404, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(apiFault('NotFound', 'this port serves /metrics only')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return { server, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}
