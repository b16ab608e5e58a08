import { describe, expect, it } from 'vitest';
import { PartnerCenterError } from '@batchwatch/client';
import { classifyError, ExitCode, exitCodeFor } from '../src/exit-codes.js';

const http = (status: number, code?: string) => new PartnerCenterError({ kind: 'http', status, code, description: `HTTP ${status}` });

describe('exit codes', () => {
  it('maps how a watch ended to the documented codes', () => {
    expect(exitCodeFor({ kind: 'finished', clean: true })).toBe(0);
    expect(exitCodeFor({ kind: 'finished', clean: false })).toBe(1);
    expect(exitCodeFor({ kind: 'interrupted' })).toBe(130);
    expect(exitCodeFor({ kind: 'timeout', afterMs: 1_000 })).toBe(4);
    expect(ExitCode.Usage).toBe(2);
  });

  it.each([
    [http(404, '1000'), 'not-found', 3],
    [http(401, '800001'), 'auth', 3],
    [http(403, '20002'), 'auth', 3],
    [http(400, '900118'), 'rejected', 3],
    [new PartnerCenterError({ kind: 'auth', description: 'AADSTS7000215: invalid client secret' }), 'token', 3],
    [http(429), 'unavailable', 4],
    [http(500), 'unavailable', 4],
    [http(503), 'unavailable', 4],
    [new PartnerCenterError({ kind: 'network', description: 'ECONNREFUSED' }), 'unavailable', 4],
    [new PartnerCenterError({ kind: 'timeout', description: 'slow' }), 'unavailable', 4],
    [new PartnerCenterError({ kind: 'malformed', status: 200, description: 'not JSON' }), 'unavailable', 4],
    [new TypeError('bug'), 'bug', 1],
  ])('%s is %s → exit %d', (error, kind, code) => {
    expect(classifyError(error)).toBe(kind);
    expect(exitCodeFor({ kind: 'error', error })).toBe(code);
  });
});
