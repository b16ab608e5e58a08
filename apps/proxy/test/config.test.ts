import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig, VARIABLES } from '../src/index.js';

const minimal = { BATCHWATCH_UPSTREAM_TOKEN: 'upstream-token', BATCHWATCH_API_KEYS: 'tui=0123456789abcdef' };
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const runCli = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['--conditions=@batchwatch/source', '--import', 'tsx', cli, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 50_000,
  });

describe('loadConfig', () => {
  it('has safe defaults: loopback, port 8787, global Partner Center, auth required', () => {
    const config = loadConfig(minimal);
    expect(config.host).toBe('127.0.0.1');
    expect(config.port).toBe(8787);
    expect(config.upstream.url).toBe('https://api.partnercenter.microsoft.com');
    expect(config.auth.mode).toBe('required');
    expect(config.poll.intervalMs).toBe(5000);
    expect(config.server).toMatchObject({ headersTimeoutMs: 15_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 65_000, maxHeaderSize: 8192 });
  });

  it('keeps only SHA-256 digests of API keys', () => {
    const config = loadConfig(minimal);
    expect(config.auth.apiKeys).toEqual([{ name: 'tui', id: expect.stringMatching(/^[0-9a-f]{8}$/), digest: expect.any(Buffer) }]);
    expect(JSON.stringify(config)).not.toContain('0123456789abcdef');
  });

  it('reads the customer ACL: GUID lists and *', () => {
    const a = '47021739-3426-40bf-9601-61b4b6d7c793';
    const b = '9B1C2D3E-4F50-4A6B-8C7D-0E1F2A3B4C5D';
    const config = loadConfig({
      ...minimal,
      BATCHWATCH_API_KEYS: 'tui=0123456789abcdef, ops=fedcba9876543210',
      BATCHWATCH_CUSTOMER_ACL: `tui=${a}|${b},ops=*`,
    });
    expect(config.auth.keyAcl.get('ops')).toBe('*');
    expect([...(config.auth.keyAcl.get('tui') as Set<string>)]).toEqual([a, b.toLowerCase()]);
  });

  it('uses the Entra credential when the three AZURE_* variables are set', () => {
    const config = loadConfig({ BATCHWATCH_API_KEYS: minimal.BATCHWATCH_API_KEYS, AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c', AZURE_CLIENT_SECRET: 's' });
    expect(config.upstream.credential).toEqual({ kind: 'client-secret', tenantId: 't', clientId: 'c', clientSecret: 's' });
  });

  it.each([
    [{ BATCHWATCH_UPSTREAM_TOKEN: '' }, /no Partner Center credentials/],
    [{ AZURE_TENANT_ID: 't' }, /either BATCHWATCH_UPSTREAM_TOKEN or an Entra credential/],
    [
      { BATCHWATCH_UPSTREAM_TOKEN: '', AZURE_TENANT_ID: 't', AZURE_CLIENT_ID: 'c' },
      /no Partner Center credentials: set BATCHWATCH_UPSTREAM_TOKEN, or AZURE_TENANT_ID \+ AZURE_CLIENT_ID with/,
    ],
    [{ BATCHWATCH_PORT: 'eighty' }, /BATCHWATCH_PORT must be a whole number/],
    [{ BATCHWATCH_PORT: '70000' }, /BATCHWATCH_PORT must be between 0 and 65535/],
    [{ BATCHWATCH_UPSTREAM_URL: 'not a url' }, /BATCHWATCH_UPSTREAM_URL is not a URL/],
    [{ BATCHWATCH_UPSTREAM_URL: 'http://partner.example.com' }, /must be https/],
    [{ BATCHWATCH_API_KEYS: 'tui=short' }, /16\+ characters/],
    [{ BATCHWATCH_API_KEYS: 'just-a-key-without-a-name' }, /entry 1 is not a name=key pair/],
    [{ BATCHWATCH_API_KEYS: 'a=0123456789abcdef,a=0123456789abcdef' }, /"a" has the same key twice/],
    [{ BATCHWATCH_CUSTOMER_ACL: 'nobody=*' }, /not a key name/],
    [{ BATCHWATCH_CUSTOMER_ACL: 'tui=not-a-guid' }, /must be GUIDs/],
    [{ BATCHWATCH_JWT_ISSUER: 'https://issuer' }, /needs all of BATCHWATCH_JWT_ISSUER/],
    [{ BATCHWATCH_JWT_ISSUER: 'i', BATCHWATCH_JWT_AUDIENCE: 'a', BATCHWATCH_JWKS_URL: 'http://keys.example.com/jwks' }, /BATCHWATCH_JWKS_URL must be https/],
    [
      { BATCHWATCH_JWT_ISSUER: 'i', BATCHWATCH_JWT_AUDIENCE: 'a', BATCHWATCH_JWKS_URL: 'https://k/j', BATCHWATCH_JWT_ALGORITHMS: 'HS256' },
      /not an accepted asymmetric algorithm/,
    ],
    [{ BATCHWATCH_AUTH: 'maybe' }, /BATCHWATCH_AUTH must be/],
    [{ BATCHWATCH_AUTH: 'none', BATCHWATCH_HOST: '10.0.0.5' }, /refused on 10\.0\.0\.5/],
    [{ BATCHWATCH_AUTH: 'none', BATCHWATCH_HOST: '::' }, /refused on ::/],
    [{ BATCHWATCH_LOG_LEVEL: 'chatty' }, /BATCHWATCH_LOG_LEVEL must be one of/],
    [{ BATCHWATCH_REQUEST_TIMEOUT_MS: '1000', BATCHWATCH_HEADERS_TIMEOUT_MS: '2000' }, /must not be shorter/],
  ])('rejects %o with one clear message', (env, message) => {
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(message);
  });

  it.each([
    [{ BATCHWATCH_CUSTOMER_ACL: 'tui=47021739-3426-40bf-9601-61b4b6d7c793,tui=*' }, /"tui" has two entries/],
    [{ BATCHWATCH_API_KEYS: 'tui=0123456789abcdef,ops=0123456789abcdef' }, /"tui" and "ops" have the same key/],
    [{ BATCHWATCH_API_KEYS: 'tui=0123456789abcdef;ops=fedcba9876543210' }, /separate entries with ",", not ";"/],
    [{ BATCHWATCH_CUSTOMER_ACL: 'tui=*;ops=*' }, /BATCHWATCH_CUSTOMER_ACL: separate entries with ","/],
    [{ BATCHWATCH_UPSTREAM_TOKEN: 'token\r\nX-Evil: 1' }, /BATCHWATCH_UPSTREAM_TOKEN contains control characters/],
    [{ BATCHWATCH_API_KEYS: 'tui=0123456789\u0007abcdef' }, /entry 1 needs a key of 16\+ characters without spaces or control characters/],
    [{ BATCHWATCH_UPSTREAM_URL: 'https://user:pass@partner.example.com' }, /must not contain user:password@/],
  ])('refuses careless configuration %o, naming the entry', (env, message) => {
    expect(() => loadConfig({ ...minimal, ...env })).toThrow(message);
  });

  it('never prints key material in a configuration error', () => {
    const key = 'Zk3v9QpX2mR7tL1wY8bN4cH6jD0fG5sA3eK9uV2iO7pM1qT8rW4xE6yU0zB5nC2'; // 63 characters, a plausible key name
    for (const text of [`${key}=`, key, `ok=0123456789abcdef,${key}=`, `tui=short${key.slice(0, 5)}`]) {
      let message = '';
      try {
        loadConfig({ ...minimal, BATCHWATCH_API_KEYS: text });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^BATCHWATCH_API_KEYS: entry \d/);
      expect(message).not.toContain(key.slice(0, 8));
      expect(message).not.toContain(key.slice(40, 48));
    }
  });

  it('allows BATCHWATCH_AUTH=none on every loopback spelling', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
      expect(loadConfig({ BATCHWATCH_UPSTREAM_TOKEN: 'x', BATCHWATCH_AUTH: 'none', BATCHWATCH_HOST: host }).auth.mode).toBe('none');
    }
  });
});

describe('documentation of the variables', () => {
  it('lists every variable the code reads in --help and in the README', () => {
    const sources = ['config.ts'].map((file) => readFileSync(fileURLToPath(new URL(`../src/${file}`, import.meta.url)), 'utf8')).join('\n');
    const read = new Set([...sources.matchAll(/'((?:BATCHWATCH|AZURE)_[A-Z_]+)'/g)].map((m) => m[1]!));
    const declared = new Set(VARIABLES.map((v) => v.name));
    expect([...read].filter((name) => !declared.has(name))).toEqual([]);
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const help = helpText();
    for (const { name } of VARIABLES) {
      expect(help).toContain(name);
      expect(readme).toContain(`\`${name}\``);
    }
  });
});

describe('the batchwatch-proxy command', () => {
  it('prints every variable with --help and exits 0', { timeout: 60_000 }, () => {
    const result = runCli(['--help'], {});
    expect(result.status).toBe(0);
    for (const { name } of VARIABLES) expect(result.stdout).toContain(name);
  });

  it('exits 2 with a single clear line on a configuration error', { timeout: 60_000 }, () => {
    const result = runCli([], { BATCHWATCH_UPSTREAM_TOKEN: 'x', BATCHWATCH_AUTH: 'none', BATCHWATCH_HOST: '0.0.0.0' });
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^batchwatch-proxy: configuration error: BATCHWATCH_AUTH=none is refused on 0\.0\.0\.0/);
    expect(result.stdout).toBe('');
  });

  it('exits 2 on an unknown argument', { timeout: 60_000 }, () => {
    const result = runCli(['--port', '1'], minimal);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('unknown argument');
  });

  it('has a committed bin shim that loads the built CLI', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'));
    expect(pkg.bin).toEqual({ 'batchwatch-proxy': './bin/batchwatch-proxy.js' });
    expect(pkg.files).toContain('bin');
    const shim = readFileSync(fileURLToPath(new URL('../bin/batchwatch-proxy.js', import.meta.url)), 'utf8');
    expect(shim).toBe("#!/usr/bin/env node\nimport '../dist/cli.js';\n");
  });
});
