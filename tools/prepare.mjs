#!/usr/bin/env node
/**
 * The root `prepare` script: builds every workspace after `npm install` / `npm ci` — when the build tools are
 * there. A production install (`npm ci --omit=dev`, as a platform would try) has no nx, so there is nothing to
 * build with: say so and succeed instead of failing the install with "nx: not found" (exit 127). The deployable
 * proxy is made by `npm run deploy:proxy` (see deploy/README.md), not by a production install.
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function nxBin() {
  try {
    return require.resolve('nx/bin/nx.js');
  } catch {
    return undefined;
  }
}

const nx = nxBin();
if (!nx) {
  process.stdout.write(
    'prepare: nx is not installed (a production install?): skipping the workspace build. The deployable proxy is built by `npm run deploy:proxy`.\n',
  );
} else {
  const { status } = spawnSync(process.execPath, [nx, 'run-many', '-t', 'build', '--output-style=static'], { stdio: 'inherit' });
  process.exitCode = status ?? 1;
}
