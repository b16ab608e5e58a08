/**
 * A `fetch` that reaches the simulator without a port: each request is real HTTP/1.1 (node:http on both ends)
 * over an in-memory socket pair handed to the server as a new connection. Everything the simulator does over
 * TCP happens the same way here: headers, status codes, slow bodies, connection resets (a rejected fetch,
 * `cause.code` `ECONNRESET`), and aborts at any moment, before or during the body.
 */
import { request, type IncomingMessage, type Server } from 'node:http';
import { duplexPair, Readable } from 'node:stream';

/** The base URL of an in-process simulator: `.invalid` never resolves, so a fetch that is not this one fails fast. */
export const IN_PROCESS_URL = 'http://partner-center.simulator.invalid';

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

export function createInProcessFetch(server: Server): typeof fetch {
  const connect = () => {
    const [client, serverSide] = duplexPair();
    // A socket the server destroys (the reset fault) must look like a reset to the client, not like silence.
    serverSide.once('close', () => client.destroy());
    server.emit('connection', serverSide);
    return client;
  };

  return async function inProcessFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const req = new Request(input, init);
    const { signal } = req;
    const body = req.body === null ? undefined : Buffer.from(await req.arrayBuffer());
    signal.throwIfAborted();
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(plainHttp(req.url), { method: req.method, headers: Object.fromEntries(req.headers), createConnection: connect });
      const abort = () => {
        outgoing.destroy(signal.reason);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
      outgoing.once('error', (error) => {
        signal.removeEventListener('abort', abort);
        reject(new TypeError('fetch failed', { cause: error }));
      });
      outgoing.once('response', (incoming) => {
        resolve(toResponse(incoming, req.method, signal));
        incoming.once('close', () => signal.removeEventListener('abort', abort));
      });
      outgoing.end(body);
    });
  };
}

/** Any host, any scheme: the request goes to this simulator, in plain HTTP (there is no TLS in memory). */
function plainHttp(url: string): URL {
  const target = new URL(url);
  target.protocol = 'http:';
  return target;
}

function toResponse(incoming: IncomingMessage, method: string, signal: AbortSignal): Response {
  const headers = new Headers();
  for (let i = 0; i < incoming.rawHeaders.length; i += 2) headers.append(incoming.rawHeaders[i] as string, incoming.rawHeaders[i + 1] as string);
  const status = incoming.statusCode ?? 500;
  const init = { status, statusText: incoming.statusMessage ?? '', headers };
  if (NULL_BODY_STATUSES.has(status) || method === 'HEAD') {
    incoming.resume();
    return new Response(null, init);
  }
  // An abort while the body arrives ends the body with the abort's reason, as fetch does.
  const abort = () => incoming.destroy(signal.reason);
  signal.addEventListener('abort', abort, { once: true });
  incoming.once('close', () => signal.removeEventListener('abort', abort));
  return new Response(Readable.toWeb(incoming) as ReadableStream<Uint8Array>, init);
}
