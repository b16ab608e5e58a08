/**
 * The process's log destination on stdout: lines are appended to one string and written in blocks of at least
 * 16 kB, at least every 250 ms, and on exit. Under load a write per ~20 cache hits; at rest a line waits at most
 * 250 ms.
 *
 * It replaces pino's SonicBoom (asynchronous, in 4 kB blocks), which cost ~7 µs of a Node 24 cache hit's ~90 µs:
 * in string mode it measures the UTF-8 length of its whole pending buffer on every `write` and encodes each
 * block twice. Here a block is encoded once, and written synchronously, as pino's own `pino.destination()`
 * does by default: an asynchronous write goes through libuv's thread pool, and that hand-over cost several
 * times the write to a pipe. A pipe that refuses (EAGAIN: the log reader is behind) gets the block again a
 * little later; lines logged meanwhile wait behind it, in order.
 */
import { writeSync } from 'node:fs';

/** Writes what it can of `data` and returns how many bytes that was (`fs.writeSync`). */
type WriteFn = (fd: number, data: Buffer) => number;

/** How long to wait before retrying a write the pipe refused. */
const RETRY_MS = 10;
/** What is pending is written once it is this long (characters: a string's length costs nothing to read). */
const BLOCK_CHARS = 16_384;
/** …or this often. */
const FLUSH_EVERY_MS = 250;

export class StdoutLines {
  #pending = '';
  /** Bytes the pipe refused, retried by a timer. */
  #refused: Buffer | undefined;

  constructor(
    private readonly fd = 1,
    private readonly writeOut: WriteFn = writeSync,
    private readonly blockChars = BLOCK_CHARS,
  ) {
    setInterval(() => this.flush(), FLUSH_EVERY_MS).unref();
  }

  write(text: string): boolean {
    this.#pending += text;
    if (this.#pending.length >= this.blockChars) this.flush();
    return true;
  }

  /** Writes what is pending now (pino's `logger.flush(cb)`); behind a refused block it waits for that one's retry. */
  flush(callback?: () => void): void {
    if (!this.#refused && this.#pending) {
      const data = Buffer.from(this.#pending);
      this.#pending = '';
      this.#send(data);
    }
    callback?.();
  }

  /** At exit: whatever is left, the pipe's refusals notwithstanding. */
  flushSync(): void {
    const data = Buffer.concat([this.#refused ?? Buffer.alloc(0), Buffer.from(this.#pending)]);
    this.#refused = undefined;
    this.#pending = '';
    for (let left = data; left.length > 0;) {
      try {
        left = left.subarray(this.writeOut(this.fd, left));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      }
    }
  }

  #send(data: Buffer): void {
    let left = data;
    try {
      while (left.length > 0) left = left.subarray(this.writeOut(this.fd, left));
    } catch (error) {
      // Any failure but EAGAIN (stdout closed) drops the block: logging must not stop the proxy.
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      this.#refused = left;
      setTimeout(() => {
        this.#refused = undefined;
        this.#send(left);
        if (!this.#refused) this.flush();
      }, RETRY_MS).unref();
    }
  }
}
