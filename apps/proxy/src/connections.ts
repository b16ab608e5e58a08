/**
 * Every client connection, tracked: for shutdown (Node's `closeIdleConnections()` leaves alone connections
 * that never sent a request) and for a cap on how many are open.
 *
 * At the cap a new connection makes room by closing the longest-idle one — idle sockets (spare connections a
 * client opened, keep-alives between requests, a flood that sends nothing) cannot lock out a health probe or a
 * real request. Only when every connection is busy is the new one refused, with a 503 and `Retry-After`. The
 * cap never exceeds what the process's open-file limit allows: past it `accept()` fails and Node drops
 * connections without a word, the probe's included.
 *
 * A connection is busy while Node has a response attached to it (`_httpMessage`, as http-terminator checks):
 * no per-request work.
 */
import { readFileSync } from 'node:fs';
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { apiFault } from './faults.js';
import type { ProxyMetrics } from './metrics.js';

/** File descriptors kept for everything that is not a client connection: upstream sockets, logs, the JWKS. */
const RESERVED_FDS = 64;

export interface Connections {
  /** The cap in force (the configured one, or lower to fit the open-file limit). */
  readonly cap: number;
  /** Ends every connection with no response in progress, now, and the others as soon as theirs is done. */
  endIdle(): void;
}

type TrackedSocket = Socket & { _httpMessage?: ServerResponse | null };

const REFUSAL_BODY = JSON.stringify(apiFault('ServiceUnavailable', 'too many open connections; retry later'));
const REFUSAL =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\n' +
  `Cache-Control: no-store\r\nContent-Length: ${Buffer.byteLength(REFUSAL_BODY)}\r\n\r\n${REFUSAL_BODY}`;

export function trackConnections(server: Server, configuredCap: number, metrics: ProxyMetrics, log: Logger): Connections {
  const sockets = new Set<TrackedSocket>(); // insertion order: the oldest first
  const fdLimit = openFileLimit();
  const cap = fdLimit === undefined ? configuredCap : Math.max(16, Math.min(configuredCap, fdLimit - RESERVED_FDS));
  if (cap < configuredCap) log.info({ configured: configuredCap, cap, openFileLimit: fdLimit }, 'connection cap lowered to fit the open-file limit');

  server.on('connection', (socket: TrackedSocket) => {
    if (sockets.size >= cap && !evictIdle()) {
      metrics.connectionsRefused.inc({ reason: 'over-capacity' });
      socket.end(REFUSAL);
      socket.destroySoon();
      return;
    }
    sockets.add(socket);
    metrics.connections.inc();
    socket.once('close', () => {
      sockets.delete(socket);
      metrics.connections.dec();
    });
  });

  /** Closes the longest-idle connection; false when every one is busy. */
  function evictIdle(): boolean {
    for (const socket of sockets) {
      if (socket._httpMessage) continue;
      sockets.delete(socket); // counted as gone now: its 'close' comes later
      socket.destroy();
      metrics.connectionsRefused.inc({ reason: 'idle-closed' });
      return true;
    }
    return false;
  }

  return {
    cap,
    endIdle() {
      for (const socket of sockets) {
        const response = socket._httpMessage;
        if (!response) socket.end();
        else response.once('close', () => socket.end());
      }
    },
  };
}

/** The soft RLIMIT_NOFILE, from /proc on Linux; undefined elsewhere or when unlimited. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('Max open files'));
    const soft = Number(line?.split(/\s{2,}/)[1]);
    return Number.isFinite(soft) ? soft : undefined;
  } catch {
    return undefined;
  }
}
