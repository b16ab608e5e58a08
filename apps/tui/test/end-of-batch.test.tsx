/** The end of a batch in the live view: it stays for browsing until q (unless --exit-on-finish), one verdict. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { translator } from '../src/i18n/index.js';
import { WatchSession } from '../src/session.js';
import { App } from '../src/ui/App.js';
import { WatchGroup } from '../src/group.js';
import { batch, CUSTOMER, device, plain, ScriptedSource, settle, TRACKING, waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });
afterEach(() => cleanup());

function setup(stay: boolean) {
  const source = new ScriptedSource('polling');
  const session = new WatchSession(source, { customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'c', intervalMs: 5_000 });
  const outcome = session.run();
  const app = render(
    <App group={new WatchGroup([session])} t={translator('en-US')} locale="en-US" size={{ rows: 30, columns: 120 }} clock={() => 0} stay={stay} />,
  );
  const frame = () => plain(app.lastFrame());
  return { source, session, outcome, app, frame };
}

const devices = [
  device('SN-OK', 'finished'),
  device('SN-FAIL', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
  device('SN-SKIP', 'finished_with_errors', { errorCode: '806', errorDescription: 'ZtdDeviceAlreadyAssigned' }),
];

describe('after the batch ends', () => {
  it('the table stays, keys still work, q leaves', async () => {
    const { source, session, outcome, app, frame } = setup(true);
    await source.ready();
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('finished', devices) });
    source.finish();
    expect(await outcome).toEqual({ kind: 'finished', clean: false });
    await waitFor(() => frame().includes('The batch has ended · q quit'), `the ended help line in\n${frame()}`);
    expect(frame()).toContain('Devices 1–3 of 3');
    await settle();
    app.stdin.write('f');
    await waitFor(() => frame().includes('Devices 1–1 of 1 · failed only'), `the filter in\n${frame()}`);
    // One verdict: the batch said "finished", a device failed: finished with errors, once.
    expect(frame()).toMatch(/Status ✖ finished with errors \(failed 1\)/);
    expect(frame()).not.toMatch(/Status ✔/);
    let left = false;
    void session.left.then(() => (left = true));
    await settle();
    app.stdin.write('q');
    await waitFor(() => left, 'leaving');
    await waitFor(() => !frame().includes('Devices 1–'), `the closing frame in\n${frame()}`);
  });

  it('without stay (--exit-on-finish, the default of the component), the closing frame at once', async () => {
    const { source, outcome, frame } = setup(false);
    await source.ready();
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('finished', devices) });
    source.finish();
    await outcome;
    await waitFor(() => !frame().includes('Devices 1–') && frame().includes('Status'), `the closing frame in\n${frame()}`);
  });
});
