/**
 * Clocks drive every batch lifecycle. Time is injected (never read from `Date.now()` directly elsewhere)
 * so tests can step through queued → processing → finished without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Called by the simulator after it answers each batch-status GET: lets a clock move on its own per poll. */
  onPoll?(): void;
}

export interface VirtualClock extends Clock {
  /** Moves time forward by `ms` (never backwards: lifecycles would run in reverse). */
  advance(ms: number): void;
  /** Jumps to an absolute time in ms since the epoch. */
  set(ms: number): void;
}

/** 2026-01-01T00:00:00Z: a fixed origin keeps virtual-clock timestamps reproducible. */
export const DEFAULT_VIRTUAL_START = Date.UTC(2026, 0, 1);

export const realClock: Clock = { now: () => Date.now() };

export function createVirtualClock(startMs: number = DEFAULT_VIRTUAL_START): VirtualClock {
  let current = requireFinite(startMs, 'startMs');
  return {
    now: () => current,
    advance(ms) {
      if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms) needs a finite ms >= 0, got ${ms}`);
      current += ms;
    },
    set(ms) {
      current = requireFinite(ms, 'ms');
    },
  };
}

/**
 * A virtual clock that moves `stepMs` forward after every batch-status GET the simulator answers (faults
 * included), as if each poll came `stepMs` after the previous one. A test that polls (a `watch()`) reaches the
 * end of any lifecycle without advancing time itself; `advance` and `set` still work. The default 5 s is the
 * Partner Center PowerShell module's polling cadence.
 */
export function createPerPollClock(stepMs = 5_000, startMs: number = DEFAULT_VIRTUAL_START): VirtualClock & { readonly stepMs: number } {
  if (!Number.isFinite(stepMs) || stepMs < 0) throw new RangeError(`stepMs must be a finite number >= 0, got ${stepMs}`);
  const clock = createVirtualClock(startMs);
  return { ...clock, stepMs, onPoll: () => clock.advance(stepMs) };
}

/** Real time sped up (or slowed down) by `speed`, starting from the real current time. */
export function createScaledClock(speed: number, startMs?: number): Clock {
  if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be a finite number > 0, got ${speed}`);
  if (speed === 1 && startMs === undefined) return realClock;
  const origin = Date.now();
  const start = startMs === undefined ? origin : requireFinite(startMs, 'startMs');
  return { now: () => start + Math.floor((Date.now() - origin) * speed) };
}

function requireFinite(value: number, name: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  return value;
}
