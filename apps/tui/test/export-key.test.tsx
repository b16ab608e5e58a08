/** Key `e` in the live view: the failed devices are written now, and where they went is shown. */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { translator } from '../src/i18n/index.js';
import { WatchSession } from '../src/session.js';
import { describeExport, failedDevicesOf, writeFailedExport } from '../src/export.js';
import { App } from '../src/ui/App.js';
import { WatchGroup } from '../src/group.js';
import { applyKey, DEFAULT_VIEW } from '../src/ui/keys.js';
import { batch, CUSTOMER, device, plain, ScriptedSource, settle, TRACKING, waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });
afterEach(() => cleanup());

describe('key e', () => {
  it('asks for an export', () => {
    expect(applyKey(DEFAULT_VIEW, 'e', {} as never, { page: 10, total: 0 })).toEqual({ view: DEFAULT_VIEW, effect: 'export' });
  });

  it('writes the failed devices seen so far and shows the path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwatch-export-key-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const path = join(dir, 'failed.csv');
    const source = new ScriptedSource('polling');
    const session = new WatchSession(source, { customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'corr', intervalMs: 5_000 });
    void session.run();
    const onExport = async () => describeExport(await writeFailedExport(path, failedDevicesOf(session.getState())));
    const app = render(<App group={new WatchGroup([session])} t={translator('en-US')} locale="en-US" size={{ rows: 40, columns: 100 }} onExport={onExport} />);
    const devices = [
      device('SN-OK', 'finished'),
      device('SN-808', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
    ];
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('processing', devices, { startedTime: '2026-01-01T10:00:00' }) });
    await waitFor(() => plain(app.lastFrame()).includes('SN-808'), 'the failed device on screen');
    await settle();
    app.stdin.write('e');
    await waitFor(() => plain(app.lastFrame()).includes(`exported 1 failed device [808×1] to ${path}`), `the notice in\n${plain(app.lastFrame())}`);
    expect((await readFile(path, 'utf8')).split('\r\n')[1]).toMatch(/^SN-808,PK-SN-808,,,,808,ZtdDeviceAssignedToOtherTenant,/);
    session.interrupt();
  });
});
