/**
 * End to end: the BUILT `batchwatch` binary (bin/batchwatch.js → dist/cli.js) in a real terminal (tmux)
 * and in pipes, against the simulator (and the proxy) started in this process on ephemeral ports.
 *
 * Build: beforeAll compiles apps/tui (`tsc -p apps/tui/tsconfig.lib.json`); the dist of @batchwatch/openapi
 * and @batchwatch/client comes from `npm run build` (run by `npm ci`'s prepare) and is compiled here only
 * when missing. tmux is required: without it these tests fail with a message saying so (CI installs it).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBatchStatusClient } from '@batchwatch/client';
import { createPerPollClock, startSimulator, type RunningSimulator, type ScenarioName } from '@batchwatch/simulator';
import { BIN, buildBinary, terminals, until } from '@batchwatch/tui/testing/terminal';
import { PROXY_KEY, startTestProxy } from './proxy.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const term = terminals('bw');
const { tmux } = term;
let sim: RunningSimulator;

beforeAll(async () => {
  term.requireTmux();
  buildBinary();
  // Time moves one second per status poll, whatever the load: a batch cannot finish before the view is up.
  sim = await startSimulator({ clock: createPerPollClock(1_000) });
});

afterAll(async () => {
  term.close();
  await sim?.close();
});

/** Runs the binary in a fresh 120×40 tmux window; the shell records its exit code in a file afterwards. */
function startInTmux(args: string[], env: Record<string, string> = {}) {
  return term.start(args, { env });
}

/** The simulator's final answer for a batch, read with the client: what the screen must agree with. */
async function finalState(customerId: string, trackingId: string) {
  const client = createBatchStatusClient({ baseUrl: sim.url, token: 'simulator-token' });
  return client.getBatchStatus(customerId, trackingId);
}

function spawnPiped(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const watchArgs = (scenario: ScenarioName, ...extra: string[]) => {
  const batch = sim.addBatch(scenario);
  return {
    batch,
    args: [
      'watch',
      batch.customerId,
      batch.trackingId,
      '--base-url',
      sim.url,
      '--token',
      'simulator-token',
      '--interval',
      '300ms',
      '--exit-on-finish',
      ...extra,
    ],
  };
};

describe('interactive, in a real terminal (tmux)', () => {
  it('several batches in one view: a line each, Tab moves the table, e exports all, q leaves with the worst exit code', async () => {
    const clean = sim.addBatch('clean');
    const errors = sim.addBatch('device-errors', { customerId: clean.customerId });
    const exported = join(term.work, 'failed-both.csv');
    const run = startInTmux(
      ['watch', clean.customerId, clean.trackingId, errors.trackingId, '--base-url', sim.url, '--interval', '300ms', '--export', exported],
      { BATCHWATCH_TOKEN: 'simulator-token' },
    );
    const [cleanTag, errorsTag] = [clean.trackingId.slice(0, 8), errors.trackingId.slice(0, 8)];
    const batchLine = (tag: string) =>
      run
        .screen()
        .split('\n')
        .find((line) => line.slice(2).startsWith(`${tag} `)) ?? '';
    // The screen is read while Ink redraws it: every check waits for its frame.
    await until(() => batchLine(cleanTag).startsWith('› ') && batchLine(errorsTag).startsWith('  '), 'a line per batch, the first selected', run.screen);
    await until(() => run.screen().includes(`Batch ${clean.trackingId}`), 'the first batch in the header', run.screen);
    // 120 columns take the short key list, the batch key right after q.
    await until(() => run.screen().includes('q quit · Tab next batch · f failed · / search · e export'), 'the keys', run.screen);

    run.keys('Tab');
    await until(() => run.screen().includes(`Batch ${errors.trackingId}`) && batchLine(errorsTag).startsWith('› '), 'the second batch selected', run.screen);
    // Both end; each line keeps its verdict, counts and share.
    await until(() => /✔ finished {2}12\/12 \(100 ?%\)/.test(batchLine(cleanTag)), 'the clean batch done', run.screen);
    await until(() => /✖ finished with errors {2}20\/20 \(100 ?%\) · failed 4/.test(batchLine(errorsTag)), 'the failing batch done', run.screen);

    run.keys('e');
    await until(() => run.screen().includes(`exported 4 failed devices`), 'the export notice', run.screen);
    expect(readFileSync(exported, 'utf8').trim().split('\r\n')).toHaveLength(5);
    run.keys('BTab'); // Shift-Tab
    await until(() => run.screen().includes(`Batch ${clean.trackingId}`), 'back to the first batch', run.screen);

    run.keys('q');
    expect(await until(run.exitCode, 'the exit code', run.history)).toBe(1);
    const summary = run.history();
    expect(summary).toMatch(new RegExp(`\\[${cleanTag}\\] ✔ Batch finished: all 12 devices registered\\.`));
    expect(summary).toMatch(new RegExp(`\\[${errorsTag}\\] ✖ Batch finished with errors: 4 of 20 devices failed`));
  });

  it('shows the live view, every batch transition and the failed devices, and exits 1', async () => {
    const { batch, args } = watchArgs('device-errors');
    const run = startInTmux(args);
    await until(() => /Status .* (queued|processing)/.test(run.screen()), 'the live view', run.screen);
    const live = run.screen();
    expect(live).toContain(`Customer ${batch.customerId}`);
    expect(live).toContain('q quit · f failed only · / search serial · e export failed · r refresh');
    expect(live).toMatch(/Serial number\s+Product key\s+Status\s+Error/);
    expect(live.trimEnd().split('\n').length).toBeLessThanOrEqual(40);

    const code = await until(run.exitCode, 'the exit code', run.history);
    expect(code).toBe(1);
    const text = run.history();
    const final = await finalState(batch.customerId, batch.trackingId);
    const failed = final.devices.filter((device) => device.errorCode && device.errorCode !== '806');
    const already = final.devices.filter((device) => device.errorCode === '806');
    expect(failed).toHaveLength(4);
    expect(already).toHaveLength(2);
    // Transitions, in the scrollback log.
    expect(text).toMatch(/\d\d:\d\d:\d\d Batch (queued → processing|processing: \d+\/\d+ devices done)/);
    expect(text).toMatch(/\d\d:\d\d:\d\d Batch processing → finished with errors/);
    for (const device of failed) {
      expect(text).toMatch(new RegExp(`Device ${device.serialNumber} failed: ${device.errorCode} \\w+ — `));
    }
    // One line per device, or one for several that arrived together.
    expect(text).toMatch(/(Device \S+ is|\d+ devices are) already registered to this tenant \(806\): nothing to do/);
    for (const device of already) expect(text).toMatch(new RegExp(`^  ${device.serialNumber} +${device.productKey}$`, 'm'));
    // The summary left on screen: failed devices grouped by error, the 806 devices apart.
    expect(text).toContain('✖ Batch finished with errors: 4 of 20 devices failed.');
    expect(text).toContain('Failed devices, by error:');
    for (const device of failed) expect(text).toMatch(new RegExp(`^ {4}${device.serialNumber} +${device.productKey}$`, 'm'));
    expect(text).toContain('Already registered to this tenant (806), nothing to do:');
    expect(text).toMatch(/Status ✖ finished with errors/);
    expect(text).toMatch(/\[█+\] 20\/20 devices done \(100%\)/);
  });

  it('follows a 10,000-device batch within the window, filters with f, survives a resize, and q exits 130', async () => {
    const { args } = watchArgs('large', '--interval', '1s');
    const run = startInTmux(args);
    await until(() => /Devices 1–\d+ of 10000/.test(run.screen()) || /Devices 1–\d+ of \d{3,}/.test(run.screen()), 'the device table', run.screen);
    const lines = run.screen().split('\n');
    expect(lines.filter((line) => line.includes('q quit'))).toHaveLength(1);

    // The table footer names the filter (the help line also says "f failed only", so match the footer).
    const filtered = () => / · failed only\s*$/m.test(run.screen());
    run.keys('f');
    await until(filtered, 'the failed-only filter', run.screen);
    run.keys('f');
    await until(() => !filtered(), 'the filter to go', run.screen);

    tmux('resize-window', '-t', run.name, '-x', '90', '-y', '20');
    await until(
      () => {
        const screen = run.screen().trimEnd().split('\n');
        return screen.length <= 20 && screen.some((line) => line.startsWith('q quit')) && screen.some((line) => /Devices 1–\d+ of/.test(line));
      },
      'the view to fit 90×20',
      run.screen,
    );

    run.keys('q');
    const code = await until(run.exitCode, 'the exit code', run.history);
    expect(code).toBe(130);
    expect(run.history()).toMatch(/Interrupted\. Last known state: batch (queued|processing), \d+\/\d+ devices done\./);
  });

  it('Ctrl-C exits 130 too', async () => {
    const { args } = watchArgs('slow');
    const run = startInTmux(args);
    await until(() => run.screen().includes('q quit'), 'the live view', run.screen);
    run.keys('C-c');
    expect(await until(run.exitCode, 'the exit code', run.history)).toBe(130);
  });

  it('follows the proxy’s event stream (SSE) when the base URL is the proxy', async () => {
    const proxy = await startTestProxy(sim.url, 300);
    try {
      const batch = sim.addBatch('device-errors');
      const run = startInTmux(['watch', batch.customerId, batch.trackingId, '--base-url', proxy.url, '--exit-on-finish'], { BATCHWATCH_TOKEN: PROXY_KEY });
      await until(() => run.screen().includes('live events from the proxy (SSE)'), 'the SSE source line', run.screen);
      expect(await until(run.exitCode, 'the exit code', run.history)).toBe(1);
      expect(run.history()).toContain('✖ Batch finished with errors: 4 of 20 devices failed.');
      expect(run.history()).toContain('Following the proxy’s live event stream (SSE)');
    } finally {
      await proxy.close();
    }
  });

  it('honours NO_COLOR and --no-color: glyphs and words, no colour codes', async () => {
    // SGR colour parameters: 30–37, 90–97 (foreground), 38;… (extended).
    const colour = /\u001b\[[0-9;]*(?:3[0-8]|9[0-7])[0-9;]*m/;
    const coloured = startInTmux(watchArgs('slow').args);
    await until(() => coloured.screen().includes('q quit'), 'the coloured live view', coloured.screen);
    await until(() => colour.test(coloured.styled()), 'colour codes (the check below can fail)', coloured.styled);
    coloured.keys('q');

    for (const [env, flags] of [
      [{ NO_COLOR: '1' }, []],
      [{}, ['--no-color']],
    ] as const) {
      const run = startInTmux([...watchArgs('slow').args, ...flags], env);
      await until(() => /Status (◌ queued|◐ processing|✔ finished)/.test(run.screen()), 'the live view', run.screen);
      expect(run.styled()).not.toMatch(colour);
      run.keys('q');
      // 130 when q came first, 0 when the (shared, already finished) batch ended the watch by itself.
      expect([0, 130]).toContain(await until(run.exitCode, 'the exit code', run.history));
    }
  });
});

describe('pipes (no terminal)', () => {
  it('--plain: timestamped lines without escape codes, the summary, exit 1', async () => {
    const { batch, args } = watchArgs('device-errors', '--plain');
    const { code, stdout, stderr } = await spawnPiped(args);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).not.toMatch(/\u001b/);
    const lines = stdout.trimEnd().split('\n');
    const summaryStart = lines.findIndex((line) => line.startsWith('✖ Batch finished with errors'));
    expect(summaryStart).toBeGreaterThan(0);
    for (const line of lines.slice(0, summaryStart)) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S/);
    expect(lines[0]).toContain(`Watching batch ${batch.trackingId}`);
    expect(lines.slice(0, summaryStart).filter((line) => / failed: (802|808) /.test(line))).toHaveLength(4);
    expect(lines.slice(0, summaryStart).filter((line) => / already registered to this tenant \(806\)/.test(line))).toHaveLength(2);
    expect(lines.at(-1)).toMatch(/^Watched for /);
  });

  it('no flag, but not a terminal: plain output all the same', async () => {
    const { args } = watchArgs('clean');
    const { code, stdout } = await spawnPiped(args);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/\u001b/);
    expect(stdout).toContain('✔ Batch finished: all 12 devices registered.');
  });

  it('--json: every line is a JSON object, the last is the summary, nothing else on stdout', async () => {
    const { batch, args } = watchArgs('device-errors', '--json');
    const { code, stdout, stderr } = await spawnPiped(args);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    const objects = lines.map((line) => JSON.parse(line) as { type: string });
    expect(objects.slice(0, -1).every((object) => object.type !== 'summary')).toBe(true);
    expect(objects.at(-1)).toMatchObject({ type: 'summary', exitCode: 1, batchTrackingId: batch.trackingId, total: 20 });
  });

  it('bad arguments: exit 2, a message on stderr, nothing on stdout, no request', async () => {
    sim.resetRequests();
    const { code, stdout, stderr } = await spawnPiped(['watch', 'nope', 'nope', '--base-url', sim.url, '--token', 'simulator-token']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/customer id must be a GUID/);
    expect(sim.requests).toEqual([]);
  });
});
