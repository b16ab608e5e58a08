/**
 * Per-caller rate limits: a fixed window per caller (the rule of rate-limiter-flexible's `RateLimiterMemory`
 * and `RateLimiterRedis`), answered synchronously — a promise per request was one of three promise layers on
 * every cache hit. A single process uses `WindowLimiter`; a fleet uses `fleet/limiter.ts`, which answers from
 * the replica's own view of the fleet's count and asks Redis only near the limit.
 */

/** What `guards.ts` asks: 0 when allowed, else the milliseconds until the caller's window ends. */
export interface CallerLimiter {
  take(key: string): number | Promise<number>;
}

/** Past this many callers, windows that have ended are swept (JWT subjects are not a fixed list). */
const SWEEP_AT = 10_000;

/** Each caller's state for its current window; a window that has ended is replaced by a fresh one. */
export class CallerWindows<W extends { endsAt: number }> {
  private readonly windows = new Map<string, W>();

  constructor(private readonly open: (now: number) => W) {}

  current(key: string, now: number): W {
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (!window && this.windows.size >= SWEEP_AT) this.sweep(now);
      window = this.open(now);
      this.windows.set(key, window);
    }
    return window;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}

interface Window {
  used: number;
  endsAt: number;
}

export class WindowLimiter implements CallerLimiter {
  private readonly windows: CallerWindows<Window>;

  constructor(
    private readonly points: number,
    windowS: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windows = new CallerWindows((now) => ({ used: 0, endsAt: now + windowS * 1000 }));
  }

  /** Takes one point for `key`: 0 when allowed, else the milliseconds until its window ends. */
  take(key: string): number {
    const now = this.now();
    const window = this.windows.current(key, now);
    window.used++;
    return window.used <= this.points ? 0 : window.endsAt - now;
  }
}
