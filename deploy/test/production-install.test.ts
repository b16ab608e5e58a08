import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, run, tempDir } from './support.js';

/** What `npm ci` reads: the root manifest, the lock file, every workspace's manifest, and the prepare script. */
function manifests(): string[] {
  const root = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { link?: boolean; resolved?: string }> };
  // The lock file names every workspace folder (the `link` entries resolve to them).
  const workspaceDirs = Object.values(lock.packages)
    .filter((entry) => entry.link && entry.resolved)
    .map((entry) => entry.resolved!);
  expect(workspaceDirs.length).toBeGreaterThanOrEqual(root.workspaces.length);
  return ['package.json', 'package-lock.json', 'tools/prepare.mjs', ...workspaceDirs.map((dir) => `${dir}/package.json`)];
}

describe('a production install of the proxy workspace', () => {
  it('`npm ci --omit=dev -w @batchwatch/proxy` succeeds without the dev tools (the root prepare no longer dies with exit 127)', async () => {
    const dir = tempDir('prod-install');
    for (const file of manifests()) {
      const target = join(dir, file);
      cpSync(join(ROOT, file), target, { recursive: true });
      expect(existsSync(dirname(target))).toBe(true);
    }
    // --prefer-offline: from the npm cache the repository's own install filled; the registry only for what is missing.
    const { stdout } = await run('npm', ['ci', '--omit=dev', '-w', '@batchwatch/proxy', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: dir });
    expect(stdout).toContain('nx is not installed (a production install?): skipping the workspace build');
    expect(stdout).toContain('npm run deploy:proxy');
    expect(existsSync(join(dir, 'node_modules/express/package.json'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/nx'))).toBe(false);
  }, 300_000);
});
