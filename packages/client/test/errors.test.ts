import { describe, expect, it } from 'vitest';
import { PartnerCenterError } from '../src/index.js';
import { parseRetryAfter } from '../src/internal.js';

describe('parseRetryAfter', () => {
  it.each([
    ['57', 57_000],
    ['0', 0],
    [null, undefined],
    ['soon', undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value)).toBe(expected);
  });

  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });
});

describe('PartnerCenterError', () => {
  it.each([
    [{ kind: 'network' }, true],
    [{ kind: 'timeout' }, true],
    [{ kind: 'http', status: 408 }, true],
    [{ kind: 'http', status: 429 }, true],
    [{ kind: 'http', status: 503 }, true],
    [{ kind: 'http', status: 404 }, false],
    [{ kind: 'http', status: 401 }, false],
    [{ kind: 'malformed', status: 200 }, false],
    [{ kind: 'auth' }, false],
  ] as const)('%j retryable: %s', (init, expected) => {
    expect(new PartnerCenterError({ ...init, description: 'x' }).retryable).toBe(expected);
  });
});
