import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';

const minimal = { BATCHWATCH_UPSTREAM_TOKEN: 'x', BATCHWATCH_AUTH: 'none' };

describe('fleet configuration', () => {
  it('is absent without BATCHWATCH_REDIS_URL: one process, as before', () => {
    expect(loadConfig(minimal).fleet).toBeUndefined();
  });

  it('reads the fleet variables with their defaults', () => {
    expect(loadConfig({ ...minimal, BATCHWATCH_REDIS_URL: 'redis://127.0.0.1:6379' }).fleet).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      prefix: 'batchwatch',
      timeoutMs: 250,
      leaseTtlMs: 10_000,
      retentionMs: 3_600_000,
    });
    expect(loadConfig({ ...minimal, BATCHWATCH_REDIS_URL: 'rediss://r:6380', BATCHWATCH_UPSTREAM_BUDGET: '60' }).fleet?.budget).toEqual({
      calls: 60,
      windowMs: 60_000,
    });
  });

  it.each([
    [{ BATCHWATCH_UPSTREAM_BUDGET: '60' }, /needs BATCHWATCH_REDIS_URL/],
    [{ BATCHWATCH_REDIS_URL: 'http://127.0.0.1:6379' }, /must start with redis:\/\/ or rediss:\/\//],
    [{ BATCHWATCH_REDIS_URL: 'redis://127.0.0.1', BATCHWATCH_REDIS_PREFIX: 'a b' }, /BATCHWATCH_REDIS_PREFIX must be/],
    [{ BATCHWATCH_REDIS_URL: 'redis://127.0.0.1', BATCHWATCH_UPSTREAM_BUDGET: '5' }, /at least 10/],
    [{ BATCHWATCH_REDIS_URL: 'redis://127.0.0.1', BATCHWATCH_LEASE_TTL_MS: '10' }, /BATCHWATCH_LEASE_TTL_MS must be between/],
  ])('rejects %o with one clear message', (env, message) => {
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(message);
  });

  it.each(['redis://:hunter2-secret@', 'ftp://:hunter2-secret@host'])('never echoes a Redis URL (it may hold a password): %s', (url) => {
    const message = errorMessage(() => loadConfig({ ...minimal, BATCHWATCH_REDIS_URL: url }));
    expect(message).toMatch(/BATCHWATCH_REDIS_URL/);
    expect(message).not.toContain('hunter2');
  });
});

function errorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}
