/**
 * The process's log destination on stdout: lines are appended to one string and handed to the OS in one
 * asynchronous write, as soon as the previous write is done — so under load each write carries every line
 * logged while the last one was in flight, and at rest a line goes out within the event-loop turn.
 *
 * It replaces pino's SonicBoom here because SonicBoom's string mode measures the UTF-8 length of its whole
 * pending buffer on every `write` and encodes each block twice (once to write it, again to count what was
 * written): ~7 µs of a Node 24 cache hit's ~90 µs went to logging ~750 bytes that way, ~2 µs this way.
 */
import { write as fsWrite, writeSync } from 'node:fs';

type WriteFn = (fd: number, data: Buffer, callback: (error: NodeJS.ErrnoException | null, written: number) => void) => void;

/** How long to wait before retrying a write the pipe refused (EAGAIN: the log reader is behind). */
const RETRY_MS = 10;

export class StdoutLines {
  #pending = '';
  /** The bytes of the write in progress, if any. */
  #inFlight: Buffer | undefined;
  #scheduled = false;
  #waiting: (() => void)[] = [];

  constructor(
    private readonly fd = 1,
    private readonly writeOut: WriteFn = (fd, data, callback) => fsWrite(fd, data, 0, data.length, null, callback),
  ) {}

  write(text: string): boolean {
    this.#pending += text;
    if (!this.#inFlight && !this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#start);
    }
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

  #start = (): void => {
    this.#scheduled = false;
    if (this.#inFlight) return;
    if (!this.#pending) return this.#settle();
    const data = Buffer.from(this.#pending);
    this.#pending = '';
    this.#send(data);
  };

  #send(data: Buffer): void {
    this.#inFlight = data;
    this.writeOut(this.fd, data, (error, written) => {
      if (error?.code === 'EAGAIN') return void setTimeout(() => this.#send(data), RETRY_MS);
      // Any other failure (stdout closed) drops the block: logging must not stop the proxy.
      if (!error && written < data.length) return this.#send(data.subarray(written));
      this.#inFlight = undefined;
      this.#start();
    });
  }

  #settle(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const callback of waiting) callback();
  }
}
