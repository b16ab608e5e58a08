#!/usr/bin/env node
/**
 * `npm run deploy:proxy:measure`: builds the artifact, copies it to an empty directory and measures what a
 * platform team asks about: its size on disk, how long `node bin/batchwatch-proxy.mjs` takes until /healthz
 * answers, and its resident memory when idle. For comparison, the same for the workspace build
 * (apps/proxy/bin, tsc output + node_modules). Several runs; the median is printed. Measurements, not tests.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildProxyArtifact } from './proxy-artifact.mjs';

const RUNS = Number(process.env.RUNS ?? 5);
const IDLE_MS = 3_000;
const root = new URL('../..', import.meta.url).pathname;

const env = {
  BATCHWATCH_HOST: '127.0.0.1',
  BATCHWATCH_PORT: '0',
  BATCHWATCH_UPSTREAM_URL: 'http://127.0.0.1:9',
  BATCHWATCH_UPSTREAM_TOKEN: 'measure',
  BATCHWATCH_AUTH: 'none',
  BATCHWATCH_LOG_LEVEL: 'warn',
};

function sizeOf(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}

/** Start to first 200 from /healthz (polled every 5 ms), then RSS after IDLE_MS of nothing. */
async function startOnce(cwd, script) {
  const started = performance.now();
  const child = spawn(process.execPath, [script], { cwd, env: { ...env, BATCHWATCH_LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const url = await new Promise((resolve, reject) => {
      let buffered = '';
      child.stdout.on('data', (chunk) => {
        buffered += chunk;
        const match = /"url":"([^"]+)"[^\n]*"msg":"batchwatch-proxy listening"/.exec(buffered);
        if (match) resolve(match[1]);
      });
      void exited.then((code) => reject(new Error(`exited ${code}`)));
    });
    for (;;) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(5);
    }
    const startMs = performance.now() - started;
    await sleep(IDLE_MS);
    const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]);
    return { startMs, rssMiB: rssKiB / 1024 };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function measure(label, cwd, script, bytes) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await startOnce(cwd, script));
  return { label, sizeMiB: bytes / 1024 / 1024, startMs: median(runs.map((r) => r.startMs)), rssMiB: median(runs.map((r) => r.rssMiB)) };
}

const dir = mkdtempSync(join(tmpdir(), 'batchwatch-measure-'));
try {
  const built = join(dir, 'built');
  await buildProxyArtifact(built);
  const empty = join(dir, 'run');
  cpSync(built, empty, { recursive: true });
  const rows = [await measure('artifact (bundle, empty dir)', empty, 'bin/batchwatch-proxy.mjs', sizeOf(empty))];
  rows.push(await measure('workspace build (tsc + node_modules)', join(root, 'apps/proxy'), 'bin/batchwatch-proxy.js', sizeOf(join(root, 'node_modules'))));
  process.stdout.write(`node ${process.version}, ${RUNS} runs each, median; idle RSS after ${IDLE_MS} ms\n\n`);
  process.stdout.write('| | size on disk | start to /healthz 200 | idle RSS |\n| --- | ---: | ---: | ---: |\n');
  for (const row of rows)
    process.stdout.write(`| ${row.label} | ${row.sizeMiB.toFixed(1)} MiB | ${row.startMs.toFixed(0)} ms | ${row.rssMiB.toFixed(1)} MiB |\n`);
  process.stdout.write('\n(the workspace row counts the whole root node_modules, dev tools included)\n');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
