import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { PartnerCenterError, type WatchEvent } from '@batchwatch/client';
import { normalizeDevice } from '@batchwatch/client/internal';
import { exitCodeFor } from '../src/exit-codes.js';
import { SUPPORTED_LOCALES, translator, type Locale } from '../src/i18n/index.js';
import { WatchSession } from '../src/session.js';
import { initialState, reduce } from '../src/state/index.js';
import { App } from '../src/ui/App.js';
import { WatchGroup } from '../src/group.js';
import { DEFAULT_VIEW, LiveView } from '../src/ui/LiveView.js';
import { batch, CUSTOMER, device, KEYS, manyDevices, plain, ScriptedSource, settle, TRACKING, waitFor } from './helpers.js';

// Waits poll the screen with their own deadline (10 s); the test timeout must be longer so they can report.
vi.setConfig({ testTimeout: 30_000 });

const at = new Date('2026-01-01T10:00:00Z');
// ink-testing-library's stdout is 100 columns wide.
const SIZE = { rows: 40, columns: 100 };

function setup(options: { locale?: Locale; size?: { rows: number; columns: number }; clock?: () => number } = {}) {
  const locale = options.locale ?? 'en-US';
  const source = new ScriptedSource('polling');
  const session = new WatchSession(source, { customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'corr-1234', intervalMs: 5_000 });
  const outcome = session.run();
  const clock = options.clock ?? (() => at.getTime() + 65_000);
  const app = render(<App group={new WatchGroup([session])} t={translator(locale)} locale={locale} size={options.size ?? SIZE} clock={clock} />);
  const frame = () => plain(app.lastFrame());
  const waitForText = (text: string | RegExp) =>
    waitFor(() => (typeof text === 'string' ? frame().includes(text) : text.test(frame())), `${String(text)} in\n${frame()}`);
  const press = async (key: string) => {
    await settle();
    app.stdin.write(key);
    await settle();
  };
  return { source, session, outcome, app, frame, waitForText, press };
}

function snapshot(status: string, devices = mixedDevices(), extra = {}): WatchEvent {
  return { type: 'snapshot', seq: 1, at, snapshot: batch(status, devices, { startedTime: '2026-01-01T10:00:00', ...extra }) };
}

function mixedDevices() {
  return [
    device('SN-OK-1', 'finished'),
    device('SN-808', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
    device('SN-RUN-2', 'processing'),
    device('SN-802', 'finished_with_errors', { errorCode: '802', errorDescription: 'InvalidZtdHardwareHash' }),
  ];
}

afterEach(() => cleanup());

describe('layout', () => {
  it('shows header, status, progress, counts, correlation id, the device table and the help line', async () => {
    const { source, waitForText, frame } = setup();
    await source.ready();
    source.emit(snapshot('processing'));
    await waitForText('SN-808');
    const text = frame();
    expect(text).toContain(`Customer ${CUSTOMER}`);
    expect(text).toContain(`Batch ${TRACKING}`);
    expect(text).toMatch(/Status ◐ processing \(failed 2\)/);
    expect(text).toMatch(/\[█+░+\] 3\/4 devices done \(75%\)/);
    expect(text).toMatch(/failed 2 · ◌ queued 0 · ◐ processing 1 · ✔ finished 1 · ✖ finished with errors 2/);
    expect(text).toContain('Correlation id corr-1234 · polling every 5 s');
    expect(text).toMatch(/Serial number\s+Product key\s+Status\s+Error/);
    expect(text).toMatch(/SN-808\s+PK-SN-808\s+finished with errors\s+808 ZtdDeviceAssign/);
    expect(text).toContain('Elapsed 1:05');
    expect(text).toMatch(/SN-RUN-2\s+PK-SN-RUN-2\s+processing/);
    expect(text).toMatch(/^> SN-OK-1\s+PK-SN-OK-1\s+finished$/m);
    expect(text).toContain('Devices 1–4 of 4');
    expect(text).toContain('q quit · f failed · / search · e export · r refresh'); // 100 columns: the short form
  });

  it('writes each transition to the log above the live area', async () => {
    const { source, waitForText } = setup();
    await source.ready();
    source.emit(snapshot('queued', []));
    await waitForText('Batch queued: 0/0 devices done');
    source.emit({ type: 'batch-status', seq: 2, at, from: 'queued', to: 'processing', snapshot: batch('processing') });
    source.emit({ type: 'device-added', seq: 3, at, device: normalizeDevice(device('SN-NEW', 'processing')), snapshot: batch('processing') });
    await waitForText('Batch queued → processing');
    await waitForText('Device SN-NEW appeared: processing');
  });

  it('shows the selected device’s full hint on the detail line', async () => {
    const { source, waitForText, press } = setup();
    await source.ready();
    source.emit(snapshot('processing'));
    await waitForText('SN-808');
    await press(KEYS.down);
    await waitForText('› SN-808 · PK-SN-808 · finished with errors · 808 ZtdDeviceAssignedToOtherTenant');
    await waitForText('  Registered to another tenant; the other tenant must deregister it (common after refurbishment).');
  });
});

describe('keys', () => {
  it('f shows failed devices only, and again all', async () => {
    const { source, waitForText, press, frame } = setup();
    await source.ready();
    source.emit(snapshot('processing'));
    await waitForText('SN-OK-1');
    await press('f');
    await waitForText('Devices 1–2 of 2 · failed only');
    expect(frame()).not.toContain('SN-OK-1');
    expect(frame()).toContain('SN-808');
    expect(frame()).toContain('SN-802');
    expect(frame()).toContain('Devices 1–2 of 2');
    await press('f');
    await waitForText('SN-OK-1');
    expect(frame()).toContain('Devices 1–4 of 4');
  });

  it('/ searches serial numbers; Esc clears the search', async () => {
    const { source, waitForText, press, frame } = setup();
    await source.ready();
    source.emit(snapshot('processing'));
    await waitForText('SN-OK-1');
    await press('/');
    await waitForText('Search serial:');
    for (const char of '80') await press(char);
    await waitForText('Search serial: 80');
    await press(KEYS.enter);
    await waitForText('serial contains “80”');
    expect(frame()).not.toContain('SN-OK-1');
    expect(frame()).toContain('SN-808');
    expect(frame()).toContain('SN-802');
    await press('/');
    await press(KEYS.escape);
    await waitForText('SN-OK-1');
  });

  it('arrows and PgDn/PgUp/End/Home scroll a large list, rendering only the visible window', async () => {
    const { source, waitForText, press, frame } = setup({ size: { rows: 20, columns: 120 } });
    await source.ready();
    source.emit(snapshot('processing', manyDevices(1_000)));
    await waitForText('SN000000');
    const rows = 20 - 1 - 10;
    expect(frame()).toContain(`Devices 1–${rows} of 1,000`);
    expect(frame()).not.toContain(`SN${String(rows).padStart(6, '0')}`);
    await press(KEYS.pageDown);
    await waitForText(`› SN${String(rows).padStart(6, '0')}`);
    await press(KEYS.down);
    await waitForText(`› SN${String(rows + 1).padStart(6, '0')}`);
    await press(KEYS.end);
    await waitForText(`Devices ${1_000 - rows + 1}–1,000 of 1,000`);
    expect(frame()).toContain('› SN000999');
    await press(KEYS.pageUp);
    await waitForText(`› SN${String(999 - rows).padStart(6, '0')}`);
    await press(KEYS.home);
    await waitForText(`Devices 1–${rows} of 1,000`);
    expect(frame()).toContain('› SN000000');
  });

  it('r asks the source for a refresh', async () => {
    const { source, press } = setup();
    await source.ready();
    await press('r');
    await waitFor(() => source.refreshes === 1, 'a refresh');
  });

  it('q ends the watch as interrupted: exit 130', async () => {
    const { source, outcome, press } = setup();
    await source.ready();
    source.emit(snapshot('processing'));
    await press('q');
    const result = await outcome;
    expect(result).toEqual({ kind: 'interrupted' });
    expect(exitCodeFor(result)).toBe(130);
  });

  it('Ctrl-C does the same', async () => {
    const { source, outcome, press } = setup();
    await source.ready();
    await press(KEYS.ctrlC);
    expect(exitCodeFor(await outcome)).toBe(130);
  });
});

describe('error states', () => {
  it('keeps the last known state on screen with a retry countdown while the upstream fails', async () => {
    let now = at.getTime();
    const { source, waitForText, frame } = setup({ clock: () => now });
    await source.ready();
    source.emit(snapshot('processing'));
    await waitForText('SN-808');
    const error = new PartnerCenterError({ kind: 'http', status: 429, description: 'Rate limit is exceeded.', retryAfterMs: 30_000 });
    source.emit({ type: 'retrying', at: new Date(now), error, retryInMs: 30_000, snapshot: undefined });
    await waitForText('Throttled by the upstream (429); retrying in 30 s — showing the last known state');
    now += 5_000;
    await waitForText('retrying in 25 s');
    expect(frame()).toContain('SN-808');
    expect(frame()).toContain('3/4 devices done');
    source.alive();
    await waitFor(() => !frame().includes('showing the last known state'), 'the notice to go');
    expect(frame()).toContain('The upstream answers again');
  });

  it.each([
    [new PartnerCenterError({ kind: 'network', description: 'ECONNREFUSED' }), 'The upstream cannot be reached (connection refused); retrying in 2 s'],
    [new PartnerCenterError({ kind: 'http', status: 503, code: '503', description: 'busy' }), 'The upstream answered 503; retrying in 2 s'],
    [new PartnerCenterError({ kind: 'timeout', description: 'slow' }), 'The upstream did not answer in time; retrying in 2 s'],
  ])('explains %s', async (error, message) => {
    const { source, waitForText } = setup({ clock: () => at.getTime() });
    await source.ready();
    source.emit({ type: 'retrying', at, error, retryInMs: 2_000, snapshot: undefined });
    await waitForText(message);
  });

  it.each([
    [404, '1000', /Not found \(HTTP 404, code 1000\) at .*: check the customer id and the batch tracking id/, 3],
    [401, '800001', /Not authorised \(HTTP 401, code 800001\): check the token or credentials/, 3],
    [403, '20002', /Not authorised \(HTTP 403, code 20002\)/, 3],
  ])('ends on HTTP %d (code %s) with a clear message', async (status, code, message, exit) => {
    const { source, outcome } = setup();
    await source.ready();
    source.fail(new PartnerCenterError({ kind: 'http', status, code, description: 'nope' }));
    const result = await outcome;
    expect(exitCodeFor(result)).toBe(exit);
    const { summaryLines } = await import('../src/output/summary.js');
    const session = new WatchSession(new ScriptedSource(), { customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'c', intervalMs: 1_000 });
    expect(summaryLines(translator('en-US'), session.getState(), result)[0]).toMatch(message);
  });

  it('the final frame drops the table and help line, keeping header and progress', async () => {
    const { source, outcome, waitForText, frame } = setup();
    await source.ready();
    source.emit(snapshot('finished', [device('A', 'finished')], { completedTime: '2026-01-01T10:02:05' }));
    source.finish();
    expect(await outcome).toEqual({ kind: 'finished', clean: true });
    await waitForText('Elapsed 2:05');
    expect(frame()).toContain('Status ✔ finished');
    expect(frame()).not.toContain('q quit');
    expect(frame()).not.toContain('Serial number');
  });
});

describe('i18n', () => {
  const expectations: Record<Locale, RegExp[]> = {
    'en-US': [/Status ◐ processing/, /Customer/, /3\/4 devices done/, /q quit · f failed only/, /Serial number\s+Product key/],
    'sv-SE': [/Status ◐ bearbetas/, /Kund/, /3\/4 enheter klara/, /q avsluta · f endast misslyckade/, /Serienummer\s+Produktnyckel/, /✖ klar med fel/],
    'nl-NL': [
      /Status ◐ wordt verwerkt/,
      /Klant/,
      /3\/4 apparaten klaar/,
      /q stoppen · f alleen mislukte/,
      /Serienummer\s+Productcode/,
      /✖ voltooid met fouten/,
    ],
    'fr-FR': [
      /État ◐ en cours de traitement/,
      /Client/,
      /3\/4 appareils traités/,
      /q quitter · f échecs uniquement/,
      /Numéro de série\s+Clé de produit/,
      /✖ terminé avec des/,
    ],
  };

  it.each(SUPPORTED_LOCALES)('labels everything in %s', async (locale) => {
    const { source, waitForText, frame } = setup({ locale, size: { rows: 40, columns: 160 } });
    await source.ready();
    source.emit(snapshot('processing'));
    await waitForText('SN-808');
    for (const pattern of expectations[locale]) expect(frame()).toMatch(pattern);
  });
});

describe('live area height', () => {
  const tenK = () => {
    const state = reduce(initialState({ customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'c', intervalMs: 5_000, now: at }), [
      snapshot('processing', manyDevices(10_000, 'processing', 75)),
      { type: 'retrying', at, error: new PartnerCenterError({ kind: 'http', status: 503, description: 'busy' }), retryInMs: 5_000, snapshot: undefined },
    ]);
    return state;
  };

  it.each([
    [40, 120],
    [24, 80],
    [10, 60],
    [4, 40],
  ])('stays within rows − 1 for a 10,000-device batch (%d×%d), lines never wider than the terminal', (rows, columns) => {
    const state = tenK();
    const t = translator('fr-FR');
    const view = render(
      <LiveView state={state} keys={state.order} view={DEFAULT_VIEW} size={{ rows, columns }} pinned t={t} locale="fr-FR" now={at.getTime()} />,
    );
    const lines = plain(view.lastFrame()).split('\n');
    expect(lines.length).toBeLessThanOrEqual(rows - 1);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(columns);
    if (rows >= 24) expect(lines.length).toBe(rows - 1);
  });

  it('re-plans on resize', () => {
    const state = tenK();
    const t = translator('en-US');
    const element = (rows: number) => (
      <LiveView state={state} keys={state.order} view={DEFAULT_VIEW} size={{ rows, columns: 100 }} t={t} locale="en-US" now={at.getTime()} />
    );
    const view = render(element(40));
    expect(plain(view.lastFrame()).split('\n')).toHaveLength(39);
    view.rerender(element(15));
    expect(plain(view.lastFrame()).split('\n')).toHaveLength(14);
  });
});
