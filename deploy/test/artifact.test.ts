import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '@batchwatch/simulator';
import { builtArtifact, defer, dockerfileBuildCommand, readText, run, startArtifact } from './support.js';

const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
const BUILD_TIMEOUT = 240_000;

function artifactEnv(upstreamUrl: string): Record<string, string> {
  return {
    BATCHWATCH_HOST: '127.0.0.1',
    BATCHWATCH_PORT: '0',
    BATCHWATCH_UPSTREAM_URL: upstreamUrl,
    BATCHWATCH_UPSTREAM_TOKEN: 'simulator-token',
    BATCHWATCH_AUTH: 'none',
  };
}

describe('the deployable artifact (npm run deploy:proxy)', () => {
  it('is built by the very command the Dockerfile runs, and the image holds that folder only', () => {
    const { args, outDir } = dockerfileBuildCommand();
    expect(args).toEqual(['run', 'deploy:proxy', '--', outDir]);
    expect(readText('deploy/Dockerfile')).toMatch(new RegExp(`^COPY --from=build --chown=0:0 ${outDir} /app$`, 'm'));
  });

  it(
    'starts with nothing but node in an empty directory: /healthz, /readyz, the contract, a batch through the bundled client, a clean SIGTERM',
    async () => {
      const dir = await builtArtifact();
      const sim = await startSimulator({});
      defer(() => sim.close());
      const batch = sim.addBatch('clean', { customerId: CUSTOMER });
      const proxy = await startArtifact(dir, artifactEnv(sim.url));

      const health = await fetch(`${proxy.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect((await fetch(`${proxy.url}/readyz`)).status).toBe(200);
      // The files the proxy locates at run time (the contract's bundle, Swagger UI, its own page assets) are shipped.
      const spec = (await (await fetch(`${proxy.url}/openapi.json`)).json()) as { openapi: string; paths: object };
      expect(spec.openapi).toMatch(/^3\.1/);
      expect(Object.keys(spec.paths)).toContain('/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}');
      for (const asset of ['/docs', '/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/docs.js'])
        expect((await fetch(`${proxy.url}${asset}`)).status, asset).toBe(200);
      const status = await fetch(`${proxy.url}${batch.statusPath}`);
      expect(status.status).toBe(200);
      expect(((await status.json()) as { batchTrackingId: string }).batchTrackingId).toBe(batch.trackingId);

      proxy.child.kill('SIGTERM');
      expect(await proxy.exited).toBe(0);
      expect(proxy.lines.map((line) => line.msg)).toContain('shut down');
    },
    BUILD_TIMEOUT,
  );

  it(
    'declares no dependencies, holds no node_modules, and lists the exact versions it bundles',
    async () => {
      const dir = await builtArtifact();
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
      for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies']) expect(manifest).not.toHaveProperty(field);
      expect(manifest.private).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['assets', 'bin', 'bundled-packages.json', 'package.json', 'src']);
      // assets/ holds data files only (the contract bundle, Swagger UI's browser files): nothing Node loads as code.
      expect(readdirSync(join(dir, 'assets'), { recursive: true }).filter((file) => String(file).endsWith('package.json'))).toEqual([
        'swagger-ui-dist/package.json',
      ]);
      expect(existsSync(join(dir, 'node_modules'))).toBe(false);
      const bundled = JSON.parse(readFileSync(join(dir, 'bundled-packages.json'), 'utf8')) as Record<string, string>;
      expect(bundled.express).toMatch(/^5\.\d+\.\d+$/);
      expect(bundled['@azure/identity']).toMatch(/^4\.13\.\d+$/);
      // The workspace packages are compiled in from source, never looked up by name.
      expect(Object.keys(bundled).filter((name) => name.startsWith('@batchwatch/'))).toEqual([]);
      const bundle = readFileSync(join(dir, 'bin/batchwatch-proxy.mjs'), 'utf8');
      expect(bundle).not.toMatch(/(?:from|import\(|require\()\s*["']@batchwatch\//);
    },
    BUILD_TIMEOUT,
  );

  it(
    'prints the proxy version with --version (read from the artifact’s own package.json)',
    async () => {
      const dir = await builtArtifact();
      const { version } = JSON.parse(readText('apps/proxy/package.json')) as { version: string };
      const { stdout } = await run(process.execPath, ['bin/batchwatch-proxy.mjs', '--version'], { cwd: dir, env: {} });
      expect(stdout).toBe(`batchwatch-proxy ${version}\n`);
    },
    BUILD_TIMEOUT,
  );

  it(
    'refuses bad configuration with exit code 2, as the workspace build does',
    async () => {
      const dir = await builtArtifact();
      const bad = await startArtifact(dir, { BATCHWATCH_PORT: 'eighty' }).catch((error: Error) => error);
      expect(bad).toBeInstanceOf(Error);
      expect(String(bad)).toMatch(/exited 2 before listening:\nbatchwatch-proxy: configuration error: BATCHWATCH_PORT/);
    },
    BUILD_TIMEOUT,
  );
});
