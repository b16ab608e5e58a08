#!/usr/bin/env node
/**
 * The live demo behind `npm start`: a simulated Partner Center with a realistic batch (three dozen devices, some
 * failing with 806/808/802), the batchwatch proxy in front of it, and the `batchwatch` terminal UI following the
 * batch through the proxy's live events, as an operator would. Everything runs on 127.0.0.1; nothing to configure.
 *
 * Environment: BATCHWATCH_DEMO_SPEED (default 1; e.g. 5 to finish five times sooner).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startSimulator } from '@batchwatch/simulator';
import { loadConfig, startProxy } from '@batchwatch/proxy';

const speed = Number(process.env.BATCHWATCH_DEMO_SPEED ?? 1);
if (!Number.isFinite(speed) || speed <= 0) {
  console.error(`BATCHWATCH_DEMO_SPEED must be a number > 0, got ${process.env.BATCHWATCH_DEMO_SPEED}`);
  process.exit(2);
}

const words = {
  0: 'finished, every device registered',
  1: 'finished, some devices failed (see the list above)',
  3: 'not found or not allowed',
  4: 'timed out or upstream unavailable',
  130: 'interrupted',
};

const simulator = await startSimulator({ speed });
const batch = simulator.addBatch('demo');
const apiKey = randomBytes(24).toString('base64url');
const proxy = await startProxy(
  loadConfig({
    BATCHWATCH_PORT: '0',
    BATCHWATCH_UPSTREAM_URL: simulator.url,
    BATCHWATCH_UPSTREAM_TOKEN: 'simulator-token',
    BATCHWATCH_API_KEYS: `demo=${apiKey}`,
    BATCHWATCH_CUSTOMER_ACL: `demo=${batch.customerId}`,
    BATCHWATCH_POLL_INTERVAL_MS: '1000',
    BATCHWATCH_SHUTDOWN_DELAY_MS: '0',
    // The terminal belongs to the UI: the proxy logs nothing unless asked.
    BATCHWATCH_LOG_LEVEL: process.env.BATCHWATCH_LOG_LEVEL ?? 'silent',
  }),
  // Audit lines ignore the log level (a deployment keeps them); here the terminal is the UI's.
  { audit: () => {} },
);

console.log(`batchwatch demo — simulated Partner Center ${simulator.url}, proxy ${proxy.url}\n`);

const cli = fileURLToPath(new URL('../apps/tui/bin/batchwatch.js', import.meta.url));
const child = spawn(process.execPath, [cli, 'watch', batch.customerId, batch.trackingId, '--base-url', proxy.url, '--interval', '1s', '--exit-on-finish'], {
  stdio: 'inherit',
  env: { ...process.env, BATCHWATCH_TOKEN: apiKey },
});
const forward = (signal) => child.kill(signal);
process.on('SIGINT', forward).on('SIGTERM', forward);

const code = await new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 130 : 1))));
await proxy.close();
await simulator.close();

console.log(`\ndemo done: batchwatch exited with ${code} — ${words[code] ?? 'an unexpected error'}.`);
console.log('Try it yourself: npx batchwatch --help · npx batchwatch-proxy --help · npx batchwatch-simulator --help');
// The demo batch has failing devices on purpose: exit status 1 is the expected, successful outcome.
process.exit(code === 0 || code === 1 ? 0 : code);
