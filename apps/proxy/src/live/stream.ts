/**
 * One Server-Sent Events subscriber over an HTTP response, with a cap on unsent output (checked by the poller
 * at heartbeats) so one slow reader cannot make the proxy hold an unbounded buffer for long.
 */
import type { ServerResponse } from 'node:http';
import { SSE_HEADERS } from './wire.js';

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
  }

  /** Writes pre-formatted event text (Node buffers it if the reader is slow; see `isBehind`). */
  send(text: string | Buffer): void {
    if (!this.isOpen) return;
    this.res.write(text);
  }

  comment(text: string): void {
    this.send(`: ${text}\n\n`);
  }

  /**
   * More than `maxBufferBytes` written but not yet taken by the reader. Asked between writes (at heartbeats),
   * not right after one: a big write is always briefly buffered, even for a fast reader.
   */
  isBehind(): boolean {
    return this.isOpen && this.res.writableLength > this.options.maxBufferBytes;
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
