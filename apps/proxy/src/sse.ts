/**
 * Server-Sent Events over an Express response: the headers proxies need to pass a stream through unbuffered,
 * one `data:` line of JSON per event, comments for heartbeats, and a hard cap on unsent output so one slow
 * reader cannot make the proxy hold an unbounded buffer.
 */
import type { ServerResponse } from 'node:http';
import type { BatchEvent } from '@batchwatch/openapi';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'private, no-cache, no-store, no-transform, must-revalidate, max-age=0',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

/** One event as written on the wire. JSON never contains a raw newline, so `data:` is a single line. */
export function formatEvent(event: BatchEvent): string {
  const id = 'seq' in event ? `id: ${event.seq}\n` : '';
  return `${id}event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export type CloseReason = 'client' | 'slow' | 'done' | 'shutdown' | 'upstream-error';

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

  /** Writes pre-formatted event text; a reader too far behind is disconnected (it can resume by Last-Event-ID). */
  send(text: string): void {
    if (!this.isOpen) return;
    this.res.write(text);
    if (this.res.writableLength > this.options.maxBufferBytes) this.close('slow');
  }

  comment(text: string): void {
    this.send(`: ${text}\n\n`);
  }

  /** Ends the stream: politely when it is open, by destroying the socket when the reader is stuck. */
  close(reason: CloseReason): void {
    if (this.#closed) return;
    this.#reason = reason;
    if (reason === 'slow') this.res.destroy();
    else this.res.end();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const handler of this.#closeHandlers.splice(0)) handler(this.#reason);
  }
}
