/**
 * One Server-Sent Events subscriber over an HTTP response, with a cap on unsent output (checked by the poller
 * at heartbeats) so one slow reader cannot make the proxy hold an unbounded buffer for long.
 */
import type { ServerResponse } from 'node:http';
import { SSE_HEADERS } from './wire.js';

/** Bytes written to many subscribers, encoded once: as they are, and framed as one HTTP/1.1 chunk. */
export class SharedChunk {
  #framed: Buffer | undefined;

  constructor(readonly bytes: Buffer) {}

  get framed(): Buffer {
    this.#framed ??= Buffer.concat([Buffer.from(`${this.bytes.length.toString(16)}\r\n`, 'latin1'), this.bytes, CRLF]);
    return this.#framed;
  }
}

const CRLF = Buffer.from('\r\n', 'latin1');

export type CloseReason = 'client' | 'slow' | 'done' | 'shutdown' | 'upstream-error';

/** How long an ended stream may take to deliver its last bytes before its socket is cut. */
const END_GRACE_MS = 10_000;

export interface SseStreamOptions {
  retryMs: number;
  maxBufferBytes: number;
}

export class SseStream {
  #open = false;
  #closed = false;
  /** Shared chunks go straight to the socket (see `sendShared`). */
  #direct = false;
  #reason: CloseReason = 'client';
  readonly #closeHandlers: Array<(reason: CloseReason) => void> = [];

  constructor(
    readonly res: ServerResponse,
    private readonly options: SseStreamOptions,
  ) {
    // `res` 'close' fires when the client goes away (or we end it); `req` 'close' may fire much earlier.
    res.on('close', () => this.#finish());
  }

  /** Runs once, however the stream ends (client gone, dropped, ended by us); at once if it already has. */
  onClose(handler: (reason: CloseReason) => void): void {
    if (this.#closed) handler(this.#reason);
    else this.#closeHandlers.push(handler);
  }

  get isOpen(): boolean {
    return this.#open && !this.#closed;
  }

  get closed(): boolean {
    return this.#closed || this.res.destroyed;
  }

  /** Sends the status line and headers; events can follow. */
  open(): void {
    if (this.#open || this.closed) return;
    this.#open = true;
    this.res.writeHead(200, SSE_HEADERS);
    this.res.write(`retry: ${this.options.retryMs}\n\n`);
    // Headers and the first chunk are now in the socket: later chunks may follow them there directly (not for
    // HEAD, which has no body, nor for a response without chunked framing, e.g. to an HTTP/1.0 client).
    this.#direct = this.res.chunkedEncoding && this.res.req.method !== 'HEAD' && this.res.socket !== null;
  }

  /** Writes pre-formatted event text (Node buffers it if the reader is slow; see `isBehind`). */
  send(text: string | Buffer): void {
    if (!this.isOpen) return;
    this.res.write(text);
  }

  /**
   * Writes a chunk shared by every subscriber. Once the headers are out, a chunked response's body goes to its
   * socket as it is, already framed: one socket write per subscriber, instead of the four `res.write` makes
   * (size line, data, line end, and a cork until the next tick) — the fan-out's cost per subscriber.
   */
  sendShared(chunk: SharedChunk): void {
    if (!this.isOpen || this.res.writableEnded) return;
    const { socket } = this.res;
    if (this.#direct && socket?.writable) socket.write(chunk.framed);
    else this.res.write(chunk.bytes);
  }

  comment(text: string): void {
    this.send(`: ${text}\n\n`);
  }

  /**
   * More than `maxBufferBytes` written but not yet taken by the reader, and less than that taken since the last
   * check. Asked at heartbeats: a big write is always buffered for a while, even for a fast reader, and a reader
   * that keeps taking bytes at that pace is catching up (on a busy machine, for longer than one heartbeat).
   */
  isBehind(): boolean {
    const taken = this.#taken();
    const pace = taken - this.#takenAtCheck;
    this.#takenAtCheck = taken;
    const { maxBufferBytes } = this.options;
    return this.isOpen && this.res.writableLength > maxBufferBytes && pace < maxBufferBytes;
  }

  #takenAtCheck = 0;

  /** Bytes the kernel has accepted for the reader so far: those counted as written, less those still queued. */
  #taken(): number {
    const { socket } = this.res;
    return socket ? socket.bytesWritten - socket.writableLength : 0;
  }

  /** Ends the stream: politely (a reader that never takes the rest is cut after a while), or at once when it is stuck. */
  close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#reason = reason;
    if (reason === 'slow') {
      this.res.destroy();
      return;
    }
    this.res.end();
    const cut = setTimeout(() => this.res.destroy(), END_GRACE_MS).unref();
    this.res.once('close', () => clearTimeout(cut));
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const handler of this.#closeHandlers.splice(0)) handler(this.#reason);
  }
}
