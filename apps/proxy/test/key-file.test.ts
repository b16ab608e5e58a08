import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseKeyFile, sha256 } from '../src/config.js';
import { KeyRing } from '../src/auth/key-file.js';
import { defer } from './helpers.js';

const OLD = 'tui-old-key-4f0c8a61d2b94e37';
const NEW = 'tui-new-key-9a8b7c6d5e4f3a2b';
const idOf = (key: string) => sha256(key).toString('hex').slice(0, 8);

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'batchwatch-keys-'));
  defer(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('API key entries', () => {
  it('take several keys per caller name (rotation), each with its own id, from lines or commas, with comments', () => {
    const keys = parseKeyFile(`# rotated 2026-12-01\ntui=${OLD}\ntui=${NEW}, ci=ci-key-7d1e2f3a4b5c6d7e # CI\n`, 'BATCHWATCH_API_KEYS_FILE');
    expect(keys.map(({ name, id }) => ({ name, id }))).toEqual([
      { name: 'tui', id: idOf(OLD) },
      { name: 'tui', id: idOf(NEW) },
      { name: 'ci', id: idOf('ci-key-7d1e2f3a4b5c6d7e') },
    ]);
  });

  it.each([
    [`tui=${OLD}\nci=${OLD}`, /"tui" and "ci" have the same key/],
    ['tui=short', /entry 1 needs a key of 16\+ characters/],
    [OLD, /entry 1 is not a name=key pair/],
  ])('refuse %j without echoing a key', (text, message) => {
    expect(() => parseKeyFile(text, 'BATCHWATCH_API_KEYS_FILE')).toThrow(ConfigError);
    expect(() => parseKeyFile(text, 'BATCHWATCH_API_KEYS_FILE')).toThrow(message);
    try {
      parseKeyFile(text, 'BATCHWATCH_API_KEYS_FILE');
    } catch (error) {
      expect(String(error)).not.toContain(OLD);
    }
  });
});

describe('a key file, re-read on change', () => {
  it('picks up a new key and drops an old one when the file is replaced (editor-style rename)', async () => {
    const dir = folder();
    const path = join(dir, 'api-keys');
    writeFileSync(path, `tui=${OLD}\n`);
    const ring = KeyRing.fromFile(path);
    defer(() => ring.close());
    expect(ring.keys.map((key) => key.id)).toEqual([idOf(OLD)]);

    const reloaded = once(ring, 'reload');
    writeFileSync(join(dir, '.api-keys.tmp'), `tui=${OLD}\ntui=${NEW}\n`);
    renameSync(join(dir, '.api-keys.tmp'), path);
    expect((await reloaded)[0]).toEqual({ added: [`tui/${idOf(NEW)}`], removed: [] });
    expect(ring.keys.map((key) => key.id)).toEqual([idOf(OLD), idOf(NEW)]);
  });

  it('follows a Kubernetes Secret volume update (the ..data symlink swap)', async () => {
    const dir = folder();
    mkdirSync(join(dir, '..v1'));
    writeFileSync(join(dir, '..v1', 'api-keys'), `tui=${OLD}\n`);
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync('..data/api-keys', join(dir, 'api-keys'));
    const ring = KeyRing.fromFile(join(dir, 'api-keys'));
    defer(() => ring.close());

    const reloaded = once(ring, 'reload');
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'api-keys'), `tui=${NEW}\n`);
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    expect((await reloaded)[0]).toEqual({ added: [`tui/${idOf(NEW)}`], removed: [`tui/${idOf(OLD)}`] });
    expect(ring.keys.map((key) => key.name)).toEqual(['tui']);
  });

  it('keeps the previous keys when the new file does not parse, and says why', async () => {
    const dir = folder();
    const path = join(dir, 'api-keys');
    writeFileSync(path, `tui=${OLD}\n`);
    const ring = KeyRing.fromFile(path);
    defer(() => ring.close());
    const failed = once(ring, 'error');
    writeFileSync(path, 'tui=short\n');
    expect(String((await failed)[0])).toMatch(/entry 1 needs a key of 16\+ characters/);
    expect(ring.keys.map((key) => key.id)).toEqual([idOf(OLD)]);
  });

  it('fails start-up with a ConfigError when the file cannot be read', () => {
    expect(() => KeyRing.fromFile('/nonexistent/api-keys')).toThrow(/BATCHWATCH_API_KEYS_FILE: cannot read "\/nonexistent\/api-keys" \(ENOENT\)/);
  });
});
