import { describe, expect, it, vi } from 'vitest';
import { InvalidIdError, PartnerCenterError } from '@batchwatch/client';
import { createLogger, etagMatches, formatEvent, mapError, parseLastEventId, ProxyError } from '../src/index.js';
import { customersOf } from '../src/auth/jwt.js';
import { matchApiKey } from '../src/auth/api-keys.js';
import { parseApiKeys } from '../src/config.js';
import { auditWriter } from '../src/audit.js';
import { isoNow } from '../src/log-line.js';
import { StdoutLines } from '../src/log-stdout.js';
import { WindowLimiter } from '../src/rate-limit.js';
import { VERSION } from '../src/version.js';
import { pino } from 'pino';

describe('formatEvent', () => {
  it('writes id, event and one data line of JSON', () => {
    const text = formatEvent({
      type: 'device-status',
      seq: 7,
      at: '2026-01-01T00:00:00.000Z',
      from: 'processing',
      device: { status: 'finished', serialNumber: 'a\nb' },
    });
    expect(text).toBe(
      'id: 7\nevent: device-status\ndata: {"type":"device-status","seq":7,"at":"2026-01-01T00:00:00.000Z","from":"processing","device":{"status":"finished","serialNumber":"a\\nb"}}\n\n',
    );
  });

  it('gives `retrying` no id (it is not a state event)', () => {
    expect(formatEvent({ type: 'retrying', at: '2026-01-01T00:00:00.000Z', status: 429, retryInMs: 1000 })).toMatch(/^event: retrying\ndata: /);
  });
});

describe('parseLastEventId', () => {
  it.each([
    ['12', 12],
    [' 3 ', 3],
    ['0', 0],
    ['-1', undefined],
    ['1e3', undefined],
    ['1234567890123456', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%o → %o', (header, value) => expect(parseLastEventId(header)).toBe(value));
});

describe('etagMatches', () => {
  const etag = '"abc"';
  it.each([
    ['"abc"', true],
    ['W/"abc"', true],
    ['"x", "abc"', true],
    ['*', true],
    ['"abcd"', false],
    ['abc', false],
    [undefined, false],
  ])('%o → %o', (header, expected) => expect(etagMatches(header, etag)).toBe(expected));
});

describe('mapError', () => {
  const http = (status: number, retryAfterMs?: number) =>
    new PartnerCenterError({ kind: 'http', status, description: 'upstream said something', retryAfterMs });
  it.each([
    [new PartnerCenterError({ kind: 'timeout', description: 'x' }), 504, 'UpstreamTimeout'],
    [new PartnerCenterError({ kind: 'network', description: 'ECONNREFUSED' }), 502, 'UpstreamUnreachable'],
    [new PartnerCenterError({ kind: 'malformed', status: 200, description: 'x' }), 502, 'UpstreamMalformed'],
    [new PartnerCenterError({ kind: 'auth', description: 'no token' }), 502, 'UpstreamAuthFailed'],
    [http(400), 400, 'UpstreamBadRequest'],
    [http(401), 502, 'UpstreamAuthFailed'],
    [http(403), 502, 'UpstreamAuthFailed'],
    [http(404), 404, 'UpstreamNotFound'],
    [http(408), 504, 'UpstreamTimeout'],
    [http(409), 502, 'UpstreamError'],
    [http(429, 3_500), 429, 'UpstreamThrottled'],
    [http(500), 502, 'UpstreamError'],
    [http(503), 502, 'UpstreamError'],
    [http(504), 504, 'UpstreamTimeout'],
    [new InvalidIdError('customerId', 'x'), 400, 'BadRequest'],
    [new ProxyError(403, 'Forbidden', 'no'), 403, 'Forbidden'],
    [new TypeError('secret internals at /srv/app.js:1'), 500, 'InternalError'],
  ])('%s → %i %s', (error, status, code) => {
    const mapped = mapError(error);
    expect(mapped.status).toBe(status);
    expect(mapped.fault).toEqual({ code, description: expect.any(String), data: [], source: 'batchwatch-proxy' });
    expect(mapped.fault.description).not.toContain('/srv/app.js');
  });

  it('carries Retry-After in whole seconds (rounded up) for 429', () => {
    expect(mapError(http(429, 3_500)).headers['Retry-After']).toBe('4');
    expect(mapError(http(429)).headers['Retry-After']).toBe('2');
  });
});

describe('API keys', () => {
  const keys = parseApiKeys('a=0123456789abcdef,b=fedcba9876543210');
  const acl = new Map([['a', '*' as const]]);
  it('matches the right key and only a whole key', () => {
    expect(matchApiKey('0123456789abcdef', keys, acl)).toEqual({ id: 'key:a', kind: 'api-key', keyId: keys[0]!.id, customers: '*' });
    expect(matchApiKey('fedcba9876543210', keys, acl)?.customers).toEqual(new Set());
    expect(matchApiKey('0123456789abcde', keys, acl)).toBeUndefined();
    expect(matchApiKey('0123456789abcdef ', keys, acl)).toBeUndefined();
    expect(matchApiKey('', keys, acl)).toBeUndefined();
  });
});

describe('the JWT customers claim', () => {
  const a = '47021739-3426-40bf-9601-61b4b6d7c793';
  it.each([
    [[a], new Set([a])],
    [`${a.toUpperCase()} not-a-guid`, new Set([a])],
    [['*'], '*'],
    ['*', '*'],
    [undefined, new Set()],
    [42, new Set()],
    [[a, 7, null], new Set([a])],
  ])('%o → %o', (claim, expected) => expect(customersOf(claim)).toEqual(expected));
});

describe('log redaction', () => {
  it('removes credentials wherever a log object carries them', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    log.info({ req: { headers: { authorization: 'Bearer caller-secret', cookie: 'c=secret-cookie' } } }, 'incoming');
    log.info({ upstream: { token: 'upstream-secret', headers: { authorization: 'Bearer upstream-secret' } } }, 'outgoing');
    log.info({ config: { upstream: { credential: { token: 'upstream-secret', clientSecret: 'azure-secret', certificatePassword: 'pem-secret' } } } }, 'config');
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    for (const secret of ['caller-secret', 'secret-cookie', 'upstream-secret', 'azure-secret', 'pem-secret']) expect(text).not.toContain(secret);
    expect(text.match(/\[redacted\]/g)).toHaveLength(7);
  });
});

describe('hand-serialised log lines', () => {
  it('write the time as toISOString does, across millisecond and second boundaries', () => {
    const times = [0, 5, 50, 999, 1_000, 1_764_657_015_123, 1_764_657_015_999, 1_764_657_016_000, 1_764_657_016_007, 1_764_657_015_500];
    for (const t of times) expect(isoNow(t)).toBe(new Date(t).toISOString());
  });

  it('write the audit line pino writes, field for field', () => {
    const written: string[] = [];
    const viaPino: string[] = [];
    const read = { caller: 'key:tui', keyId: '0a1b2c3d', customerId: 'c"1', trackingId: 't\n2', status: 403, requestId: 'r', route: '/v1/x' };
    auditWriter((line) => written.push(line))(read);
    const pinoLogger = pino(
      { base: { service: 'batchwatch-proxy', version: VERSION }, timestamp: false, formatters: { level: (label: string) => ({ level: label }) } },
      {
        write: (line: string) => void viaPino.push(line),
      },
    );
    pinoLogger.child({ log: 'audit' }).info(read, 'customer read');
    const { time, ...ours } = JSON.parse(written[0]!) as Record<string, unknown>;
    expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.stringify(ours)).toBe(viaPino[0]!.trim());
  });
});

describe('WindowLimiter (the per-caller rate limit of a single process)', () => {
  it('allows `points` per caller per window, says how long until the window ends, and counts callers apart', () => {
    let now = 1_000;
    const limiter = new WindowLimiter(2, 60, () => now);
    expect([limiter.take('a'), limiter.take('a')]).toEqual([0, 0]);
    now += 15_000;
    expect(limiter.take('a')).toBe(45_000);
    expect(limiter.take('b')).toBe(0);
    now += 45_000; // a's window has ended
    expect(limiter.take('a')).toBe(0);
  });
});

describe('StdoutLines (the log destination on stdout)', () => {
  /** A pipe that takes at most `take()` bytes per write (and refuses with EAGAIN when that is 0). */
  function fakePipe(take: () => number) {
    const blocks: string[] = [];
    const write = (_fd: number, data: Buffer): number => {
      const n = Math.min(take(), data.length);
      if (n === 0) throw Object.assign(new Error('try again'), { code: 'EAGAIN' });
      blocks.push(data.subarray(0, n).toString());
      return n;
    };
    return { blocks, write };
  }

  it('holds lines until a block is full, and writes what is pending on flush()', () => {
    const pipe = fakePipe(() => Infinity);
    const out = new StdoutLines(1, pipe.write, 6);
    out.write('a\n');
    out.write('b\n');
    expect(pipe.blocks).toEqual([]);
    out.write('c\n');
    expect(pipe.blocks).toEqual(['a\nb\nc\n']);
    out.write('d\n');
    let flushed = false;
    out.flush(() => (flushed = true));
    expect(flushed).toBe(true);
    expect(pipe.blocks).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes the rest of a partial write, and retries a refused one with the lines logged meanwhile behind it', async () => {
    const takes = [3, 0];
    const pipe = fakePipe(() => takes.shift() ?? Infinity);
    const out = new StdoutLines(1, pipe.write, 1);
    out.write('héllo\n'); // `hé` is 3 bytes: the pipe takes them, then refuses the rest
    expect(pipe.blocks).toEqual(['hé']);
    out.write('next\n');
    expect(pipe.blocks).toEqual(['hé']); // waits behind `llo`
    await vi.waitFor(() => expect(pipe.blocks).toEqual(['hé', 'llo\n', 'next\n']));
  });
});
