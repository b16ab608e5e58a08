/**
 * Per-caller rate limits of a single process: a fixed window per caller (the same rule as
 * rate-limiter-flexible's `RateLimiterMemory`, which the fleet's Redis limiter falls back to), answered
 * synchronously — the memory limiter's promise was one of three promise layers on every cache hit.
 * The fleet keeps its Redis limiter (`CallerLimiter`, a promise); `guards.ts` takes either.
 */

interface Window {
  used: number;
  endsAt: number;
}

/** Past this many callers, windows that have ended are swept (JWT subjects are not a fixed list). */
const SWEEP_AT = 10_000;

export class WindowLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;

  constructor(
    private readonly points: number,
    windowS: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowMs = windowS * 1000;
  }

  /** Takes one point for `key`: 0 when allowed, else the milliseconds until its window ends. */
  take(key: string): number {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.endsAt <= now) {
      if (!window && this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { used: 0, endsAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.used++;
    return window.used <= this.points ? 0 : window.endsAt - now;
  }

  private sweep(now: number): void {
    for (const [key, window] of this.windows) if (window.endsAt <= now) this.windows.delete(key);
  }
}
