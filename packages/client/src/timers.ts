/** Node turns a delay of 2³¹ ms or more into 1 ms (a busy loop): no timer is ever set above this. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const clamp = (ms: number) => Math.min(Math.max(0, ms), MAX_TIMER_MS);

/** `AbortSignal.timeout`, clamped below 2³¹ ms. */
export function timeoutSignal(ms: number): AbortSignal {
  return AbortSignal.timeout(clamp(ms));
}

/** `setTimeout`, clamped below 2³¹ ms and unref'd (a pending timeout never keeps the process alive). */
export function safeTimeout(callback: () => void, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(callback, clamp(ms));
  timer.unref?.();
  return timer;
}

/** Resolves after `ms` (at once for 0: no timer, which would take a millisecond), or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    if (ms <= 0) return resolve();
    const timer = setTimeout(done, clamp(ms));
    signal?.addEventListener('abort', abort, { once: true });
    function done() {
      signal?.removeEventListener('abort', abort);
      resolve();
    }
    function abort() {
      clearTimeout(timer);
      reject(signal!.reason);
    }
  });
}

/** `promise`, or the signal's reason as soon as it aborts, whether or not the work behind the promise stops. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/**
 * The end of one attempt: its time limit or the caller's abort, whichever comes first. Plain callbacks, not an
 * AbortController: on Node 20 an AbortSignal costs microseconds to make and each listener on it as much again,
 * more than the rest of an attempt's bookkeeping. `signal` is made only for what needs one (a caller's `fetch`).
 */
export class AttemptEnd {
  #ended = false;
  #reason: unknown;
  #callbacks: ((reason: unknown) => void)[] = [];
  #controller: AbortController | undefined;
  readonly #timer: ReturnType<typeof setTimeout>;
  readonly #caller: AbortSignal | undefined;
  readonly #onCallerAbort = () => this.#end(this.#caller!.reason);

  constructor(ms: number, timeoutReason: () => unknown, caller?: AbortSignal) {
    this.#caller = caller;
    this.#timer = safeTimeout(() => this.#end(timeoutReason()), ms);
    if (caller?.aborted) this.#end(caller.reason);
    else caller?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  get ended(): boolean {
    return this.#ended;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** An AbortSignal that aborts with this end. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#ended) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** `promise`, or this end's reason as soon as it comes, whether or not the work behind the promise stops. */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#ended) return Promise.reject(this.#reason);
    return new Promise<T>((resolve, reject) => {
      this.#callbacks.push(reject);
      promise.then(resolve, reject);
    });
  }

  /** Runs `callback` at the end (at once if it has come). */
  onEnd(callback: (reason: unknown) => void): void {
    if (this.#ended) callback(this.#reason);
    else this.#callbacks.push(callback);
  }

  /** The attempt is over: no end will come. */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#onCallerAbort);
    this.#callbacks.length = 0;
  }

  #end(reason: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    for (const callback of this.#callbacks.splice(0)) callback(reason);
  }
}
