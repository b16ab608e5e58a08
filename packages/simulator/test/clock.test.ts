import { describe, expect, it } from 'vitest';
import { createScaledClock, createVirtualClock, DEFAULT_VIRTUAL_START, startSimulator } from '../src/index.js';

describe('clocks', () => {
  it('the virtual clock starts at 2026-01-01T00:00:00Z and moves only when told', () => {
    const clock = createVirtualClock();
    expect(new Date(clock.now()).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(DEFAULT_VIRTUAL_START).toBe(clock.now());
    clock.advance(1500);
    expect(clock.now()).toBe(DEFAULT_VIRTUAL_START + 1500);
    clock.set(0);
    expect(clock.now()).toBe(0);
    expect(createVirtualClock(42).now()).toBe(42);
  });

  it('rejects nonsense', () => {
    const clock = createVirtualClock();
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
    expect(() => clock.set(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => createScaledClock(0)).toThrow(RangeError);
    expect(() => createScaledClock(-2)).toThrow(RangeError);
  });

  it('the scaled clock starts at the real time and never runs backwards', () => {
    const before = Date.now();
    const clock = createScaledClock(50);
    const first = clock.now();
    expect(first).toBeGreaterThanOrEqual(before);
    expect(clock.now()).toBeGreaterThanOrEqual(first);
  });

  it('startSimulator uses the given clock, or a scaled one for speed', async () => {
    const virtual = createVirtualClock(7);
    const a = await startSimulator({ clock: virtual });
    const b = await startSimulator({ speed: 10 });
    try {
      expect(a.clock).toBe(virtual);
      expect(b.clock.now()).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
    await expect(startSimulator({ speed: 0 })).rejects.toThrow(RangeError);
  });
});
