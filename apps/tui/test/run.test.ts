/** `main` in-process against the simulator over real HTTP: the polling path, plain and JSON output, errors. */
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { createPerPollClock, startSimulator, type RunningSimulator, type ScenarioName } from '@batchwatch/simulator';
import { chooseMode, isCi, main } from '../src/run.js';
import { testIO } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });

let sim: RunningSimulator;
beforeAll(async () => {
  // 20× speed: a 14 s scenario takes 0.7 s of real time.
  sim = await startSimulator({ speed: 20 });
});
afterAll(() => sim.close());

async function watch(scenario: ScenarioName | { customerId: string; trackingId: string }, flags: string[], env: Record<string, string> = {}, on = sim) {
  const ids = typeof scenario === 'string' ? on.addBatch(scenario) : scenario;
  const io = testIO({ env: { BATCHWATCH_BASE_URL: on.url, BATCHWATCH_TOKEN: 'simulator-token', ...env } });
  const code = await main(['watch', ids.customerId, ids.trackingId, '--interval', '100ms', ...flags], io);
  return { code, stdout: io.stdout.text(), stderr: io.stderr.text(), ids };
}

const statusRequests = (trackingId: string) => sim.requests.filter((request) => request.path.endsWith(`/batchJobStatus/${trackingId}`));

describe('--json', () => {
  it('writes one JSON object per event and a final summary, nothing else; exit 1 for device errors', async () => {
    // Time moves one second per poll, whatever the load: every device's transition is seen on its own.
    const stepped = await startSimulator({ clock: createPerPollClock(1_000) });
    onTestFinished(() => stepped.close());
    const { code, stdout, stderr, ids } = await watch('device-errors', ['--json'], {}, stepped);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    const lines = stdout.trimEnd().split('\n');
    const objects = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const summary = objects.at(-1)!;
    const events = objects.slice(0, -1);
    expect(events[0]).toMatchObject({ type: 'snapshot', seq: 1, snapshot: { batchTrackingId: ids.trackingId } });
    expect(events.every((event) => ['snapshot', 'batch-status', 'device-added', 'device-status', 'retrying'].includes(event.type as string))).toBe(true);
    const seqs = events.map((event) => event.seq as number);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(events.at(-1)).toMatchObject({ type: 'batch-status', to: 'finished_with_errors' });
    expect(summary).toMatchObject({
      type: 'summary',
      outcome: 'finished',
      exitCode: 1,
      status: 'finished_with_errors',
      source: 'polling',
      total: 20,
      done: 20,
      succeeded: 14,
      countAlreadyRegistered: false,
    });
    // 802 and 808 fail; 806 (already registered to this tenant) is listed apart and does not fail the batch.
    const failed = summary.failed as Array<Record<string, unknown>>;
    expect(failed).toHaveLength(4);
    expect(summary.alreadyRegistered).toHaveLength(2);
    expect((summary.alreadyRegistered as Array<Record<string, unknown>>).every((device) => device.errorCode === '806')).toBe(true);
    expect(failed).toContainEqual(
      expect.objectContaining({ errorCode: '808', errorName: 'ZtdDeviceAssignedToOtherTenant', hint: expect.stringMatching(/another tenant/) }),
    );
    const failedEvents = events.filter((event) => event.error);
    expect(failedEvents).toHaveLength(6); // each erroring device's transition, 806 included, once
  });

  it('sends one correlation id for the whole watch and the locale as X-Locale', async () => {
    const { stdout, ids } = await watch('clean', ['--json', '--locale', 'nl-NL']);
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { correlationId: string; exitCode: number };
    expect(summary.exitCode).toBe(0);
    const requests = statusRequests(ids.trackingId);
    expect(requests.length).toBeGreaterThan(1);
    expect(new Set(requests.map((request) => request.headers['ms-correlationid']))).toEqual(new Set([summary.correlationId]));
    expect(new Set(requests.map((request) => request.headers['x-locale']))).toEqual(new Set(['nl-NL']));
  });

  it('reports throttling as retrying events and still finishes', async () => {
    const { code, stdout } = await watch('throttled', ['--json']);
    expect(code).toBe(0);
    const retrying = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((event) => event.type === 'retrying');
    expect(retrying.length).toBeGreaterThan(0);
    expect(retrying[0]).toMatchObject({ status: 429, retryInMs: expect.any(Number) });
  });
});

describe('--plain', () => {
  it('writes timestamped lines without escape codes, one per transition, then the summary; exit 0 when clean', async () => {
    // Time moves one second per poll, whatever the load: the device transitions are seen, not jumped over.
    const stepped = await startSimulator({ clock: createPerPollClock(1_000) });
    onTestFinished(() => stepped.close());
    const { code, stdout, ids } = await watch('clean', ['--plain'], {}, stepped);
    expect(code).toBe(0);
    expect(stdout).not.toContain('\u001b');
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ Watching batch ${ids.trackingId} of customer ${ids.customerId} \\(correlation id [0-9a-f-]{36}\\)$`,
      ),
    );
    const timestamped = lines.filter((line) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /.test(line));
    expect(timestamped.some((line) => line.endsWith('Polling every 100 ms'))).toBe(true);
    expect(timestamped.some((line) => / Batch (queued|processing)/.test(line))).toBe(true);
    expect(timestamped.some((line) => / Batch processing → finished \[12\/12\]$/.test(line))).toBe(true);
    expect(timestamped.filter((line) => / Device \S+: processing → finished \[\d+\/\d+\]$/.test(line)).length).toBeGreaterThan(0);
    expect(lines.at(-2)).toBe('✔ Batch finished: all 12 devices registered.');
    expect(lines.at(-1)).toMatch(/^Watched for \d+:\d\d · correlation id [0-9a-f-]{36}$/);
  });

  it('is localised (LANG) and lists the failed devices with their hints', async () => {
    const { code, stdout } = await watch('device-errors', [], { LANG: 'sv_SE.UTF-8' });
    expect(code).toBe(1);
    expect(stdout).toContain('Batchen är klar med fel: 4 av 20 enheter misslyckades.');
    expect(stdout).toMatch(/Enhet \S+ misslyckades: 808 ZtdDeviceAssignedToOtherTenant — Registrerad i en annan klientorganisation/);
    expect(stdout).toMatch(/Enhet \S+ är redan registrerad i den här klientorganisationen \(806\)/);
    expect(stdout).toContain('Redan registrerade i den här klientorganisationen (806), inget att göra:');
    expect(stdout).toContain('Misslyckade enheter, per fel:');
  });
});

describe('errors end with a clear message and the documented exit code', () => {
  it('404: not found → exit 3', async () => {
    const { code, stdout, stderr } = await watch({ customerId: '47021739-3426-40bf-9601-61b4b6d7c793', trackingId: '00000000-0000-4000-8000-000000000000' }, [
      '--json',
    ]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^batchwatch: ✖ Not found \(HTTP 404/);
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1)!);
    expect(summary).toMatchObject({ type: 'summary', outcome: 'error', exitCode: 3, error: { class: 'not-found', status: 404 } });
  });

  it('401: a wrong token → exit 3', async () => {
    const { code, stderr } = await watch('clean', ['--plain', '--token', 'wrong']);
    expect(code).toBe(3);
    expect(stderr).toMatch(/Not authorised \(HTTP 401/);
  });

  it('a body that is not JSON → exit 4', async () => {
    const { code, stderr } = await watch('malformed', ['--plain']);
    expect(code).toBe(4);
    expect(stderr).toMatch(/upstream is unavailable/);
  });

  it('--timeout → exit 4 with the last known state', async () => {
    const { code, stdout } = await watch('slow', ['--json', '--timeout', '300ms']);
    expect(code).toBe(4);
    expect(JSON.parse(stdout.trimEnd().split('\n').at(-1)!)).toMatchObject({ outcome: 'timeout', exitCode: 4, timeoutMs: 300 });
  });

  it('nothing listening → retries, then the timeout ends it with exit 4', async () => {
    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const io = testIO({ env: { BATCHWATCH_TOKEN: 'x' } });
    const code = await main(
      ['watch', '47021739-3426-40bf-9601-61b4b6d7c793', '0127ed8e-1f4d-4cde-9b5a-6e8a9b3c2d10', '--base-url', url, '--json', '--timeout', '1500ms'],
      io,
    );
    expect(code).toBe(4);
    const lines = io.stdout
      .text()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.filter((line) => line.type === 'retrying').length).toBeGreaterThan(0);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', outcome: 'timeout' });
  });
});

describe('source selection', () => {
  it('probes the events endpoint once, falls back to polling on 404', async () => {
    const { stdout, ids } = await watch('clean', ['--json']);
    const paths = sim.requests.filter((request) => request.path.includes(ids.trackingId)).map((request) => request.path);
    expect(paths[0]).toMatch(/\/events$/);
    expect(paths.filter((path) => path.endsWith('/events'))).toHaveLength(1);
    expect(paths.slice(1).every((path) => path.endsWith(`/batchJobStatus/${ids.trackingId}`))).toBe(true);
    expect(JSON.parse(stdout.trimEnd().split('\n').at(-1)!).source).toBe('polling');
  });
});

describe('mode selection', () => {
  const tty = { isTTY: true };
  it('is interactive only on a terminal, outside CI, with a capable TERM and no --plain/--json', () => {
    expect(chooseMode('auto', { stdout: tty, stdin: tty, env: {} })).toBe('interactive');
    expect(chooseMode('auto', { stdout: {}, stdin: tty, env: {} })).toBe('plain');
    expect(chooseMode('auto', { stdout: tty, stdin: {}, env: {} })).toBe('plain');
    expect(chooseMode('auto', { stdout: tty, stdin: tty, env: { CI: 'true' } })).toBe('plain');
    expect(chooseMode('auto', { stdout: tty, stdin: tty, env: { CI: 'false' } })).toBe('interactive');
    expect(chooseMode('auto', { stdout: tty, stdin: tty, env: { TERM: 'dumb' } })).toBe('plain');
    expect(chooseMode('plain', { stdout: tty, stdin: tty, env: {} })).toBe('plain');
    expect(chooseMode('json', { stdout: tty, stdin: tty, env: {} })).toBe('json');
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: '0' })).toBe(false);
    expect(isCi({ CONTINUOUS_INTEGRATION: 'yes' })).toBe(true);
  });
});
