import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { ingressRequestId, listenHost, parseCorsOrigins, parseTrustedProxies } from '../src/edge.js';

describe('BATCHWATCH_TRUSTED_PROXIES', () => {
  it('takes IP addresses, CIDR ranges (v4 and v6) and proxy-addr range names', () => {
    expect(parseTrustedProxies(' 10.0.0.0/8, 192.168.1.10 ,fd00::/8, loopback')).toEqual(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', 'loopback']);
    expect(parseTrustedProxies(undefined)).toEqual([]);
  });

  it.each(['10.0.0.0/33', 'lb.internal', '10.0.0.0/8/1', '::1/129', '*'])('refuses %j', (entry) => {
    expect(() => parseTrustedProxies(entry)).toThrow(ConfigError);
    expect(() => parseTrustedProxies(entry)).toThrow(`BATCHWATCH_TRUSTED_PROXIES: ${JSON.stringify(entry)} is not an IP address`);
  });
});

describe('ingress X-Request-Id', () => {
  it('is kept when short and printable, replaced otherwise', () => {
    expect(ingressRequestId('a1b2c3d4-req')).toBe('a1b2c3d4-req');
    expect(ingressRequestId(['first', 'second'])).toBe('first');
    expect(ingressRequestId('x'.repeat(129))).toBeUndefined();
    expect(ingressRequestId('has space')).toBeUndefined();
    expect(ingressRequestId('<script>')).toBeUndefined();
    expect(ingressRequestId(undefined)).toBeUndefined();
  });
});

describe('BATCHWATCH_CORS_ORIGINS', () => {
  it('takes exact origins', () => {
    expect(parseCorsOrigins('https://portal.example.com, http://localhost:5173')).toEqual(['https://portal.example.com', 'http://localhost:5173']);
  });

  it.each(['*', 'https://portal.example.com/', 'portal.example.com', 'https://*.example.com', 'ftp://x.example'])('refuses %j', (origin) => {
    expect(() => parseCorsOrigins(origin)).toThrow(/BATCHWATCH_CORS_ORIGINS: .* is not an origin/);
  });
});

describe('BATCHWATCH_HOST', () => {
  it.each([
    ['[::1]', '::1'],
    ['::', '::'],
    ['[::]', '::'],
    ['127.0.0.1', '127.0.0.1'],
    ['localhost', 'localhost'],
    ['proxy-0.internal', 'proxy-0.internal'],
  ])('%s listens on %s', (text, host) => {
    expect(listenHost(text)).toBe(host);
  });

  it.each(['[127.0.0.1]', '[::1', 'http://0.0.0.0', 'host name', '[not-an-ip]'])('refuses %j', (text) => {
    expect(() => listenHost(text)).toThrow(/BATCHWATCH_HOST must be an IP address/);
  });
});
