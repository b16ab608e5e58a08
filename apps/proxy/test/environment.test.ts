import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { rejectUnknownVariables, withSecretFiles } from '../src/environment.js';
import { defer } from './helpers.js';

const KNOWN = ['BATCHWATCH_CACHE_TTL_MS', 'BATCHWATCH_LOG_LEVEL', 'BATCHWATCH_UPSTREAM_TOKEN', 'BATCHWATCH_API_KEYS', 'BATCHWATCH_PORT'];

function secretFile(contents: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'batchwatch-secret-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'secret'), contents);
  return join(dir, 'secret');
}

describe('*_FILE twins of secret variables', () => {
  it('read the value from the file, without its trailing line break', () => {
    const path = secretFile('s3cret-token\n');
    expect(withSecretFiles({ BATCHWATCH_UPSTREAM_TOKEN_FILE: path }, ['BATCHWATCH_UPSTREAM_TOKEN'])).toMatchObject({
      BATCHWATCH_UPSTREAM_TOKEN: 's3cret-token',
    });
  });

  it('are refused together with the variable itself, and when unreadable', () => {
    const path = secretFile('x');
    expect(() => withSecretFiles({ BATCHWATCH_UPSTREAM_TOKEN: 'a', BATCHWATCH_UPSTREAM_TOKEN_FILE: path }, ['BATCHWATCH_UPSTREAM_TOKEN'])).toThrow(
      'set either BATCHWATCH_UPSTREAM_TOKEN or BATCHWATCH_UPSTREAM_TOKEN_FILE, not both',
    );
    expect(() => withSecretFiles({ BATCHWATCH_UPSTREAM_TOKEN_FILE: '/nonexistent/token' }, ['BATCHWATCH_UPSTREAM_TOKEN'])).toThrow(
      'BATCHWATCH_UPSTREAM_TOKEN_FILE: cannot read "/nonexistent/token" (ENOENT)',
    );
  });
});

describe('unknown BATCHWATCH_* variables', () => {
  it.each([
    ['BATCHWATCH_CACHE_TTL', 'unknown variable BATCHWATCH_CACHE_TTL (did you mean BATCHWATCH_CACHE_TTL_MS?)'],
    ['BATCHWATCH_LOGLEVEL', 'unknown variable BATCHWATCH_LOGLEVEL (did you mean BATCHWATCH_LOG_LEVEL?)'],
    ['BATCHWATCH_FROBNICATE_EVERYTHING_NOW', 'unknown variable BATCHWATCH_FROBNICATE_EVERYTHING_NOW; see --help'],
  ])('%s is refused with a suggestion when one is close', (name, message) => {
    expect(() => rejectUnknownVariables({ [name]: '1' }, KNOWN)).toThrow(ConfigError);
    expect(() => rejectUnknownVariables({ [name]: '1' }, KNOWN)).toThrow(message);
  });

  it('accepts the known ones, other programs’ variables, and anything not BATCHWATCH_*', () => {
    expect(() =>
      rejectUnknownVariables({ BATCHWATCH_PORT: '1', BATCHWATCH_SIMULATOR_PORT: '2', BATCHWATCH_TOKEN: 't', AZURE_AUTHORITY_HOST: 'x', PATH: '/bin' }, KNOWN),
    ).not.toThrow();
  });
});
