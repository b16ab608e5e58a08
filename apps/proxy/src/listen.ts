/**
 * Binds the proxy's port with one or several listening sockets.
 *
 * libuv accepts one connection per listening socket per event-loop turn, on Node 20 and 24 alike. Under a flood
 * each turn also serves every open connection, so turns grow long and the accept queue drains one connection per
 * long turn: clients whose handshake the kernel completed wait there, unanswered, until they time out (the
 * 10 s timeouts of a 1,000-connection load test, for bare Express as much as for the proxy). Several sockets on
 * one port (SO_REUSEPORT: the kernel spreads new connections over them) accept that many per turn, all handed
 * to the same HTTP server. Node ≥ 22.12 on Linux; elsewhere the port has one socket.
 */
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';

export interface ListenOptions {
  port: number;
  host: string;
  backlog: number;
  /** Listening sockets wanted; fewer where SO_REUSEPORT is not available. */
  sockets: number;
}

export interface Listeners {
  /** How many sockets listen. */
  readonly count: number;
  /**
   * `server.close()` for every socket: none accepts any more; resolves once every connection is gone (each socket
   * counts the connections it accepted, so the HTTP server's own close alone would not wait for the others').
   */
  close(): Promise<void>;
}

export async function listen(server: HttpServer, options: ListenOptions): Promise<Listeners> {
  const sockets = canSharePort() ? options.sockets : 1;
  const { host, backlog } = options;
  const reusePort = sockets > 1;
  await bind(server, { port: options.port, host, backlog, reusePort });
  const { port } = server.address() as { port: number };
  const extra: Server[] = [];
  try {
    for (let i = 1; i < sockets; i++) {
      const socket = createServer({ noDelay: true }, (connection) => server.emit('connection', connection));
      await bind(socket, { port, host, backlog, reusePort });
      extra.push(socket);
    }
  } catch (error) {
    for (const socket of extra) socket.close();
    server.close();
    throw error;
  }
  const closed = (socket: Server) => new Promise<void>((resolve) => socket.close(() => resolve()));
  return { count: sockets, close: () => Promise.all([server, ...extra].map(closed)).then(() => undefined) };
}

function bind(server: Server, options: { port: number; host: string; backlog: number; reusePort: boolean }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** `listen({ reusePort })`: Node 22.12 and later, on Linux (other systems differ in how they share the port). */
function canSharePort(): boolean {
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  return process.platform === 'linux' && (major > 22 || (major === 22 && minor >= 12));
}
