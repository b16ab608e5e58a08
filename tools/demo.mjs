#!/usr/bin/env node
/**
 * The live demo behind `npm start`, the operator's whole job on a simulated Partner Center: sign in (device code
 * against the simulator's identity provider, approved at once), upload a sample Autopilot CSV (UTF-16, as
 * Get-WindowsAutopilotInfo writes it) straight to "Partner Center", follow the new batch live through the
 * batchwatch proxy's events, and export the failed devices, ready to fix and upload again; the export's path is
 * printed at the end. Everything runs on 127.0.0.1, in a temporary config directory; nothing to configure.
 *
 * Environment: BATCHWATCH_DEMO_SPEED (default 1; e.g. 5 to finish five times sooner).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CUSTOMER_ID, startIdentityProvider, startSimulator } from '@batchwatch/simulator';
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
const identity = await startIdentityProvider({ autoApprove: true });
const customerId = DEFAULT_CUSTOMER_ID;
const apiKey = randomBytes(24).toString('base64url');
const proxy = await startProxy(
  loadConfig({
    BATCHWATCH_PORT: '0',
    BATCHWATCH_UPSTREAM_URL: simulator.url,
    BATCHWATCH_UPSTREAM_TOKEN: 'simulator-token',
    BATCHWATCH_API_KEYS: `demo=${apiKey}`,
    BATCHWATCH_CUSTOMER_ACL: `demo=${customerId}`,
    BATCHWATCH_POLL_INTERVAL_MS: '1000',
    BATCHWATCH_SHUTDOWN_DELAY_MS: '0',
    // The terminal belongs to the UI: the proxy logs nothing unless asked.
    BATCHWATCH_LOG_LEVEL: process.env.BATCHWATCH_LOG_LEVEL ?? 'silent',
  }),
  // Audit lines ignore the log level (a deployment keeps them); here the terminal is the UI's.
  { audit: () => {} },
);

// A sample CSV: 24 devices; the simulator fails serials marked ERR806/ERR808/ERR802 with that Autopilot error.
const work = mkdtempSync(join(tmpdir(), 'batchwatch-demo-'));
const failing = { 3: 'ERR808', 7: 'ERR806', 11: 'ERR808', 16: 'ERR802' };
const serials = Array.from({ length: 24 }, (_, i) => `5CG${1000 + i}${failing[i] ?? 'ABC'}`);
const rows = serials.map((serial) => `${serial},,${Buffer.from(`4K hardware hash of ${serial} `.repeat(8)).toString('base64')}`);
const devicesCsv = join(work, 'devices.csv');
const csvText = ['Device Serial Number,Windows Product ID,Hardware Hash', ...rows].join('\r\n') + '\r\n';
writeFileSync(devicesCsv, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvText, 'utf16le')]));
const exportCsv = join(work, 'failed.csv');
const certificate = join(work, 'identity-cert.pem');
writeFileSync(certificate, identity.certificate);

console.log(`batchwatch demo — simulated Partner Center ${simulator.url}, identity ${identity.url}, proxy ${proxy.url}\n`);

const cli = fileURLToPath(new URL('../apps/tui/bin/batchwatch.js', import.meta.url));
const env = {
  ...process.env,
  BATCHWATCH_CONFIG_DIR: join(work, 'config'),
  BATCHWATCH_KEYCHAIN: 'off',
  NODE_EXTRA_CA_CERTS: certificate, // trust the simulated identity provider, in the children only
  AZURE_CLIENT_ID: '9c1e4f3a-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  AZURE_TENANT_ID: identity.user.tenantId,
  BATCHWATCH_AUTHORITY_HOST: identity.url,
  BATCHWATCH_PARTNER_CENTER_URL: simulator.url, // uploads: straight to "Partner Center", as the operator
  BATCHWATCH_BASE_URL: proxy.url, // reads: through the proxy
  BATCHWATCH_TOKEN: apiKey,
};
let child;
const forward = (signal) => child?.kill(signal);
process.on('SIGINT', forward).on('SIGTERM', forward);
const batchwatch = (...args) => {
  console.log(`$ batchwatch ${args.join(' ')}`);
  child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit', env });
  return new Promise((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 130 : 1))));
};

let code = await batchwatch('login');
if (code === 0) code = await batchwatch('customers', 'add', 'contoso', customerId);
if (code === 0)
  code = await batchwatch(
    'upload',
    'contoso',
    devicesCsv,
    '--batch-id',
    'Demo laptops',
    '--watch',
    '--interval',
    '1s',
    '--exit-on-finish',
    '--export',
    exportCsv,
  );
await proxy.close();
await simulator.close();
await identity.close();
if (code === 0 || code === 1) console.log(`\nfailed devices exported to ${exportCsv}, ready to fix and upload again`);

console.log(`\ndemo done: batchwatch exited with ${code} — ${words[code] ?? 'an unexpected error'}.`);
console.log('Try it yourself: npx batchwatch --help · npx batchwatch-proxy --help · npx batchwatch-simulator --help');
// The demo batch has failing devices on purpose: exit status 1 is the expected, successful outcome.
process.exit(code === 0 || code === 1 ? 0 : code);
