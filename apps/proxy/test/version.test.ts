import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

describe('the version', () => {
  it('is the package version', () => {
    expect(VERSION).toBe(version);
  });

  it('is printed by --version (exit 0, nothing else started)', () => {
    const result = spawnSync(process.execPath, ['--conditions=@batchwatch/source', '--import', 'tsx', cli, '--version'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`batchwatch-proxy ${version}\n`);
    expect(result.status).toBe(0);
  }, 60_000);
});
