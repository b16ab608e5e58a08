/**
 * The process's log destination on stdout: lines are appended to one string and handed to the OS in blocks of
 * at least 16 kB, one asynchronous write at a time, and at least every 250 ms (and on exit). Under load a write
 * per ~20 cache hits; at rest a line waits at most 250 ms.
 *
 * It replaces pino's SonicBoom here because SonicBoom's string mode measures the UTF-8 length of its whole
 * pending buffer on every `write` and encodes each block twice (once to write it, again to count what was
 * written): ~7 µs of a Node 24 cache hit's ~90 µs went to logging ~750 bytes that way. Here a block is
 * encoded once. Blocks, because a write costs far more than its bytes: written as soon as the previous one was
 * done, blocks of a few lines cost as much again.
 */
import { write as fsWrite, writeSync } from 'node:fs';

type WriteFn = (fd: number, data: Buffer, callback: (error: NodeJS.ErrnoException | null, written: number) => void) => void;

/** How long to wait before retrying a write the pipe refused (EAGAIN: the log reader is behind). */
const RETRY_MS = 10;
/** What is pending is written once it is this long (characters: a string's length costs nothing to read). */
const BLOCK_CHARS = 16_384;
/** …or this often. */
const FLUSH_EVERY_MS = 250;

export class StdoutLines {
  #pending = '';
  /** The bytes of the write in progress, if any. */
  #inFlight: Buffer | undefined;
  #waiting: (() => void)[] = [];

  constructor(
    private readonly fd = 1,
    private readonly writeOut: WriteFn = (fd, data, callback) => fsWrite(fd, data, 0, data.length, null, callback),
    private readonly blockChars = BLOCK_CHARS,
  ) {
    setInterval(() => this.flush(), FLUSH_EVERY_MS).unref();
  }

  write(text: string): boolean {
    this.#pending += text;
    if (!this.#inFlight && this.#pending.length >= this.blockChars) this.#start();
    return true;
  }

  /** pino's `logger.flush(cb)`: `cb` runs once everything written so far has reached the OS. */
  flush(callback?: () => void): void {
    if (callback) this.#waiting.push(callback);
    if (!this.#inFlight) this.#start();
  }

  /**
   * At exit: what is pending, written synchronously. A write still in progress cannot be finished from here
   * (its bytes are with the thread pool), so what is pending after it is kept back rather than written out of order.
   */
  flushSync(): void {
    if (this.#inFlight || !this.#pending) return;
    let data = Buffer.from(this.#pending);
    this.#pending = '';
    while (data.length > 0) {
      try {
        data = data.subarray(writeSync(this.fd, data));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    }
  }

  /** Writes what is pending, or tells the `flush` callers that everything is out. */
  #start(): void {
    if (!this.#pending) return this.#settle();
    const data = Buffer.from(this.#pending);
    this.#pending = '';
    this.#send(data);
  }

  #send(data: Buffer): void {
    this.#inFlight = data;
    this.writeOut(this.fd, data, (error, written) => {
      if (error?.code === 'EAGAIN') return void setTimeout(() => this.#send(data), RETRY_MS);
      // Any other failure (stdout closed) drops the block: logging must not stop the proxy.
      if (!error && written < data.length) return this.#send(data.subarray(written));
      this.#inFlight = undefined;
      if (this.#pending.length >= this.blockChars || this.#waiting.length > 0) this.#start();
    });
  }

  #settle(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const callback of waiting) callback();
  }
}
