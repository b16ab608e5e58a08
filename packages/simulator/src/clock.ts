/**
 * Clocks drive every batch lifecycle. Time is injected (never read from `Date.now()` directly elsewhere)
 * so tests can step through queued → processing → finished without sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
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

/** Real time sped up (or slowed down) by `speed`, starting from the real current time. */
export function createScaledClock(speed: number): Clock {
  if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be a finite number > 0, got ${speed}`);
  if (speed === 1) return realClock;
  const origin = Date.now();
  return { now: () => origin + Math.floor((Date.now() - origin) * speed) };
}

function requireFinite(value: number, name: string): number {
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number, got ${value}`);
  return value;
}
