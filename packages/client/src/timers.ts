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
