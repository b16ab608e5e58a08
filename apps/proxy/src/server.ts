/**
 * The listening server: deliberate timeouts and limits, HTTP-level parse errors answered as ApiFaults, and
 * a graceful shutdown — readiness 503, stop accepting, end event streams, drain in-flight requests within a
 * bound, then cut whatever is left.
 */
import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { configSummary } from './config-summary.js';
import { VERSION } from './version.js';
import { createProxyApp, type ProxyApp, type ProxyDeps } from './app.js';
import type { ProxyConfig } from './config.js';
import { trackConnections, type Connections } from './connections.js';
import { apiFault } from './faults.js';
import { listen, type Listeners } from './listen.js';
import { startMetricsServer } from './metrics-endpoint.js';

export interface RunningProxy {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  /** Where /metrics is served when it has a port of its own. */
  metricsUrl?: string;
  port: number;
  server: Server;
  /** Listening sockets on the port (see listen.ts). */
  acceptSockets: number;
  proxy: ProxyApp;
  /** Graceful shutdown (what SIGTERM does); resolves when the server is closed. Idempotent. */
  close(): Promise<void>;
}

export async function startProxy(config: ProxyConfig, deps: ProxyDeps = {}): Promise<RunningProxy> {
  const fleetDeps = config.fleet && !deps.createFleet ? { createFleet: (await import('./fleet/index.js')).createFleet } : {};
  const proxy = createProxyApp(config, { ...deps, ...fleetDeps });
  if (proxy.fleet) await joinFleet(proxy, config);
  const { server: limits } = config;
  const server = createServer(
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
    },
    proxy.listener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.timeout = 0; // event streams are long-lived by design; idle sockets are bounded by keepAliveTimeout
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(proxy, error, socket));
  const connections = trackConnections(server, limits.maxConnections, proxy.metrics, proxy.log);

  // An explicit backlog: Node's default (511) overflows when a thousand clients connect at once.
  const listeners = await listen(server, { port: config.port, host: config.host, backlog: limits.backlog, sockets: limits.acceptSockets });
  const metricsServer = config.metrics.port === undefined ? undefined : await startMetricsServer(proxy.serveMetrics, config.host, config.metrics.port);
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  proxy.log.info(
    {
      url,
      metricsUrl: metricsServer?.url,
      upstream: config.upstream.url,
      auth: config.auth.mode,
      maxConnections: connections.cap,
      acceptSockets: listeners.count,
    },
    'batchwatch-proxy listening',
  );
  proxy.log.info({ version: VERSION, config: configSummary(config, proxy.egressProxies) }, 'configuration');

  let closing: Promise<void> | undefined;
  const close = async () => {
    metricsServer?.server.closeAllConnections();
    metricsServer?.server.close();
    await shutdown(server, proxy, config, connections, listeners);
  };
  return {
    url,
    port,
    server,
    acceptSockets: listeners.count,
    proxy,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    close: () => (closing ??= close()),
  };
}

async function shutdown(server: Server, proxy: ProxyApp, config: ProxyConfig, connections: Connections, listeners: Listeners): Promise<void> {
  const { shutdownDelayMs, shutdownGraceMs } = config.server;
  proxy.log.info({ shutdownDelayMs, shutdownGraceMs }, 'shutting down');
  proxy.readiness.state = 'shutting-down';
  // Let load balancers see the failing readiness probe before the listener goes away.
  if (shutdownDelayMs > 0) await sleep(shutdownDelayMs);
  const closed = listeners.close();
  await proxy.close(); // event streams would otherwise keep their connections open forever
  // Keep-alive connections end as soon as they are idle; busy ones once their last response is sent.
  connections.endIdle();
  const drained = await Promise.race([closed.then(() => true), sleep(shutdownGraceMs).then(() => false)]);
  if (!drained) {
    proxy.log.warn({ shutdownGraceMs }, 'in-flight requests did not finish in time; closing their connections');
    proxy.store.abortAll(); // the requests waiting on upstream answer 503 …
    await new Promise((resolve) => setImmediate(resolve));
    server.closeAllConnections(); // … then whatever is left is cut
    await closed;
  }
  proxy.log.info('shut down');
  proxy.log.flush();
}

/** Malformed requests (bad header characters, CR/LF injection, oversized headers) never reach Express. */
function answerClientError(proxy: ProxyApp, error: NodeJS.ErrnoException, socket: Socket): void {
  const busy = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || busy) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const code = status === 431 ? 'RequestHeaderFieldsTooLarge' : status === 408 ? 'RequestTimeout' : 'BadRequest';
  const requestId = randomUUID();
  const body = JSON.stringify(apiFault(code, status === 431 ? 'the request line and headers are too large' : 'the request could not be parsed'));
  proxy.metrics.requests.inc({ method: 'unknown', route: 'client-error', status_code: String(status) });
  proxy.log.warn({ requestId, status, code: error.code }, 'malformed request');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nMS-RequestId: ${requestId}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Waits briefly for Redis so a healthy fleet starts connected. Unreachable: the documented choice is to start
 * anyway, in single-process mode (readiness `degraded`), and join the fleet as soon as Redis answers.
 */
async function joinFleet(proxy: ProxyApp, config: ProxyConfig): Promise<void> {
  const { redis } = proxy.fleet!;
  if (await redis.ready(START_WAIT_MS)) return;
  const { host, port } = new URL(config.fleet!.redisUrl); // no credentials in the log
  proxy.log.warn(
    { redis: `${host}${port ? `:${port}` : ''}` },
    `Redis unreachable at start: serving in single-process mode (readiness "degraded"); this replica joins the fleet when Redis answers`,
  );
}

/** How long a starting replica waits for Redis before it starts degraded. */
const START_WAIT_MS = 2_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
