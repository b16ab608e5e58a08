/**
 * Terminal UI benchmarks, on the built packages (`npm run bench` builds first):
 *  - render time per update: a 10,000-device batch on a fake 120×40 TTY receiving device-status updates
 *    (100 devices per update, as one poll of a big batch delivers, 1 % of them failing), from applying the
 *    update to Ink having produced the frame (`onRender`): reduce + React + Ink, the transition log included;
 *    baseline: the same for a 100-device batch;
 *  - peak RSS of a child process running `runWatch` interactively (fake 120×40 TTY) through a whole
 *    10,000-device batch; baseline: the same child with a 100-device batch.
 * Goals are absolute (< 50 ms per update, < 150 MB); the baselines show how the cost grows with size.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { DeviceUploadDetails } from '@batchwatch/openapi';
import type { BenchRow } from './report.js';
import { COLUMNS, CUSTOMER, dist, fakeStdin, fakeTty, percentile, requireBuild, ROOT, ROWS, TRACKING } from './tui-harness.js';

const PER_UPDATE = 100;

function rawDevices(count: number): DeviceUploadDetails[] {
  return Array.from({ length: count }, (_, i) => ({
    serialNumber: `SN${String(i).padStart(8, '0')}`,
    productKey: `${String(10000 + (i % 90000)).padStart(5, '0')}-67890-09876-54321-13579`,
    status: 'processing',
    attributes: { objectType: 'DeviceUploadDetails' },
  }));
}

/** Milliseconds from applying one update (100 device-status events) to Ink having rendered the frame. */
async function renderTimes(deviceCount: number, updates: number): Promise<number[]> {
  const [{ createElement }, { render }, client, internal, state, { App }, { WatchGroup }, i18n] = await Promise.all([
    import('react'),
    import('ink'),
    import('@batchwatch/client'),
    import('@batchwatch/client/internal'),
    dist('state/index.js'),
    dist('ui/App.js'),
    dist('group.js'),
    dist('i18n/index.js'),
  ]);
  const devices = rawDevices(deviceCount);
  const snapshot = client.normalizeBatch({ batchTrackingId: TRACKING, status: 'processing', startedTime: '2026-01-01T00:00:00', devicesStatus: devices });
  let current = state.reduce(state.initialState({ customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'bench', intervalMs: 5_000 }), [
    { type: 'snapshot', seq: 1, at: new Date(), snapshot },
  ]);
  const listeners = new Set<() => void>();
  const store = {
    getState: () => current,
    subscribe: (listener: () => void) => (listeners.add(listener), () => listeners.delete(listener)),
    interrupt: () => {},
    refresh: () => {},
  };
  let rendered: (() => void) | undefined;
  const instance = render(createElement(App, { group: new WatchGroup([store]), t: i18n.translator('en-US'), locale: 'en-US' }), {
    stdout: fakeTty(),
    stdin: fakeStdin(),
    stderr: fakeTty(),
    exitOnCtrlC: false,
    patchConsole: false,
    // The production cap (15 fps) only spaces frames out; the bench spaces its updates itself.
    maxFps: 1_000,
    onRender: () => rendered?.(),
  });
  await new Promise((resolve) => setTimeout(resolve, 50));

  const times: number[] = [];
  let seq = 1;
  for (let update = 0; update < updates; update++) {
    const actions = [];
    for (let i = 0; i < PER_UPDATE; i++) {
      const raw = devices[(update * PER_UPDATE + i) % deviceCount]!;
      const failed = i % 100 === 0; // 1 % fail, like the simulator's `large` scenario (0.8 %)
      const next: DeviceUploadDetails = {
        ...raw,
        status: failed ? 'finished_with_errors' : 'finished',
        ...(failed ? { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' } : {}),
      };
      actions.push({ type: 'device-status', seq: ++seq, at: new Date(), from: 'processing', device: internal.normalizeDevice(next), snapshot });
    }
    const frame = new Promise<void>((resolve) => (rendered = resolve));
    const start = performance.now();
    current = state.reduce(current, actions);
    for (const listener of listeners) listener();
    await frame;
    times.push(performance.now() - start);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  instance.unmount();
  instance.cleanup();
  return times;
}

/** The child: a whole batch through `runWatch` in interactive mode on a fake terminal; prints its peak RSS. */
const CHILD = `
import { PassThrough, Writable } from 'node:stream';
import { normalizeBatch } from '@batchwatch/client';
import { normalizeDevice } from '@batchwatch/client/internal';
import { runWatch } from '@batchwatch/tui';
const count = Number(process.argv[1]);
const tty = () => Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: true, rows: ${ROWS}, columns: ${COLUMNS} });
const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode() { return this; }, ref() { return this; }, unref() { return this; } });
const devices = Array.from({ length: count }, (_, i) => ({ serialNumber: 'SN' + String(i).padStart(8, '0'), productKey: '12345-67890-09876-54321-' + String(i % 100000).padStart(5, '0'), status: 'processing' }));
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const source = {
  refresh() {},
  async run(handlers, signal) {
    handlers.mode('polling');
    let seq = 0;
    const batch = normalizeBatch({ batchTrackingId: '${TRACKING}', status: 'processing', startedTime: '2026-01-01T00:00:00', devicesStatus: devices.map((d) => ({ ...d })) });
    handlers.event({ type: 'snapshot', seq: ++seq, at: new Date(), snapshot: batch });
    for (let start = 0; start < count; start += 500) {
      await pause(20);
      for (let i = start; i < Math.min(count, start + 500); i++) {
        const failed = i % 97 === 0;
        const raw = { ...devices[i], status: failed ? 'finished_with_errors' : 'finished', ...(failed ? { errorCode: '808' } : {}) };
        const device = normalizeDevice(raw, i);
        batch.devices[i] = device;
        handlers.event({ type: 'device-status', seq: ++seq, at: new Date(), from: 'processing', device, snapshot: batch });
      }
    }
    batch.status = 'finished';
    handlers.event({ type: 'batch-status', seq: ++seq, at: new Date(), from: 'processing', to: 'finished', snapshot: batch });
    if (signal.aborted) throw signal.reason;
  },
};
const code = await runWatch(
  { customerId: '${CUSTOMER}', trackingIds: ['${TRACKING}'], baseUrl: 'http://127.0.0.1:9', intervalMs: 5000, locale: 'en-US', output: 'auto', color: true, exitOnFinish: true, countAlreadyRegistered: false, connectTimeoutMs: 30000 },
  { stdout: tty(), stderr: tty(), stdin, env: { TERM: 'xterm-256color' }, handleSignals: false, source },
);
process.stdout.write(JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS }));
process.exit(0);
`;

async function peakRssMb(deviceCount: number): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production' };
  delete env.CI; // Ink would print only the last frame
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, String(deviceCount)], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`the RSS child failed (${code}): ${stderr}`);
  const result = JSON.parse(stdout) as { code: number; maxRssKb: number };
  if (result.code !== 1) throw new Error(`the RSS child's watch ended with exit ${result.code}, expected 1 (devices failed)`);
  return result.maxRssKb / 1024;
}

export async function run(): Promise<BenchRow[]> {
  requireBuild(['apps/tui/dist/index.js', 'apps/tui/dist/ui/App.js', 'packages/client/dist/index.js']);
  // Measured as the `batchwatch` binary runs: production React (the binary sets this before loading Ink).
  process.env.NODE_ENV ??= 'production';
  await renderTimes(100, 20); // warm-up: JIT, module loading
  const large = await renderTimes(10_000, 100);
  const small = await renderTimes(100, 100);
  const rows: BenchRow[] = [];
  for (const [label, p] of [
    ['median', 50],
    ['p95', 95],
  ] as const) {
    const value = percentile(large, p);
    const baseline = percentile(small, p);
    rows.push({
      benchmark: `tui: update → frame (${label}), 10,000-device batch, ${PER_UPDATE} device-status events per update, 120×40`,
      value: `${value.toFixed(2)} ms`,
      baseline: `${baseline.toFixed(2)} ms (100-device batch)`,
      ratio: value / baseline,
      goal: '< 50 ms',
      met: value < 50,
    });
  }
  const rss = await peakRssMb(10_000);
  const rssBaseline = await peakRssMb(100);
  rows.push({
    benchmark: 'tui: peak RSS following a 10,000-device batch (interactive, fake 120×40 TTY)',
    value: `${rss.toFixed(1)} MB`,
    baseline: `${rssBaseline.toFixed(1)} MB (100-device batch)`,
    ratio: rss / rssBaseline,
    goal: '< 150 MB',
    met: rss < 150,
  });
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { formatTable } = await import('./report.js');
  console.log(formatTable(await run()));
}
