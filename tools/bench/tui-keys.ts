/**
 * Terminal UI key benchmarks, on the built packages (`npm run bench` builds first), a 10,000-device batch
 * on a fake 120×40 TTY with the production frame cap while device updates stream (100 device-status events
 * every 1/15 s, as the session flushes them):
 *  - key press → frame: from writing ↓ to stdin to Ink having rendered the next frame (`onRender`), p95 of
 *    200 presses, with the production caps (Ink's `MAX_FPS`, the session flushing at the same rate); baseline: the same on a 100-device batch. Goal < 33 ms (two frames at 60 Hz).
 *  - keys lost: 50 ↓ sent in one write must move the selection 50 rows. Goal 0 lost.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './report.js';
import { CUSTOMER, dist, fakeStdin, fakeTty as terminal, percentile, requireBuild, TRACKING } from './tui-harness.js';

const DOWN = '\u001b[B';
const PRESSES = 200;
const BURST = 50;

/** A 120×40 terminal that keeps the text of the last frame. */
function framedTty() {
  let last = '';
  let onFrame: ((text: string) => void) | undefined;
  const stream = terminal((written) => {
    // eslint-disable-next-line no-control-regex
    const text = written.replace(/\u001b\[[0-9;]*m/g, '');
    if (!text.includes('Devices ')) return;
    last = text;
    onFrame?.(text);
  });
  return { stream, lastFrame: () => last, frames: (listener: (text: string) => void) => (onFrame = listener) };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface KeyRun {
  pressToFrameMs: number[];
  /** Rows the selection moved for BURST ↓ in one write. */
  burstMoved: number;
}

async function keyRun(deviceCount: number): Promise<KeyRun> {
  const [{ createElement }, { render }, client, internal, state, { App }, { WatchGroup }, i18n, { MAX_FPS }] = await Promise.all([
    import('react'),
    import('ink'),
    import('@batchwatch/client'),
    import('@batchwatch/client/internal'),
    dist('state/index.js'),
    dist('ui/App.js'),
    dist('group.js'),
    dist('i18n/index.js'),
    dist('ui/render.js'),
  ]);
  const raw = Array.from({ length: deviceCount }, (_, i) => ({ serialNumber: `SN${String(i).padStart(8, '0')}`, productKey: `PK-${i}`, status: 'processing' }));
  const snapshot = client.normalizeBatch({ batchTrackingId: TRACKING, status: 'processing', devicesStatus: raw });
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
  const tty = framedTty();
  const stdin = fakeStdin();
  let rendered: (() => void) | undefined;
  const instance = render(createElement(App, { group: new WatchGroup([store]), t: i18n.translator('en-US'), locale: 'en-US' }), {
    stdout: tty.stream,
    stdin,
    stderr: terminal(),
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: MAX_FPS,
    onRender: () => rendered?.(),
  });
  await pause(100);

  // Updates stream in the background, one flush of 100 device changes per frame interval.
  let seq = 1;
  let next = 0;
  let streaming = true;
  const stream = (async () => {
    while (streaming) {
      const actions = [];
      for (let i = 0; i < 100; i++, next++) {
        const device = raw[next % deviceCount]!;
        actions.push({
          type: 'device-status',
          seq: ++seq,
          at: new Date(),
          from: 'processing',
          device: internal.normalizeDevice({ ...device, status: 'finished' }),
          snapshot,
        });
      }
      current = state.reduce(current, actions);
      for (const listener of listeners) listener();
      await pause(1_000 / MAX_FPS);
    }
  })();

  const pressToFrameMs: number[] = [];
  for (let press = 0; press < PRESSES; press++) {
    const frame = new Promise<void>((resolve) => (rendered = resolve));
    const start = performance.now();
    stdin.write(DOWN);
    await frame;
    pressToFrameMs.push(performance.now() - start);
    rendered = undefined;
    await pause(5 + (press % 7) * 3); // keys at varying phases of the update stream
  }

  // Back to the top, then one write of BURST ↓: where does the selection land?
  stdin.write('g');
  await pause(200);
  stdin.write(DOWN.repeat(BURST));
  await pause(500);
  const selected = /> (SN\d{8})/.exec(tty.lastFrame())?.[1];
  const burstMoved = selected ? Number(selected.slice(2)) : -1;

  streaming = false;
  await stream;
  instance.unmount();
  instance.cleanup();
  return { pressToFrameMs, burstMoved };
}

export async function run(): Promise<BenchRow[]> {
  requireBuild(['apps/tui/dist/ui/App.js', 'apps/tui/dist/ui/render.js', 'packages/client/dist/index.js']);
  process.env.NODE_ENV ??= 'production';
  await keyRun(100); // warm-up
  const large = await keyRun(10_000);
  const small = await keyRun(100);
  const p95 = percentile(large.pressToFrameMs, 95);
  const p95Small = percentile(small.pressToFrameMs, 95);
  const lost = Math.max(0, BURST - large.burstMoved);
  return [
    {
      benchmark: 'tui: key press → frame (p95), 10,000-device batch while updates stream, 120×40',
      value: `${p95.toFixed(2)} ms`,
      baseline: `${p95Small.toFixed(2)} ms (100-device batch)`,
      ratio: p95 / p95Small,
      goal: '< 33 ms',
      met: p95 < 33,
    },
    {
      benchmark: `tui: keys lost of ${BURST} ↓ sent in one write, 10,000-device batch while updates stream`,
      value: `${lost} of ${BURST}`,
      baseline: '—',
      ratio: null,
      goal: '0 lost',
      met: lost === 0,
    },
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { formatTable } = await import('./report.js');
  console.log(formatTable(await run()));
}
