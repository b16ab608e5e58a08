/**
 * Several batches in one view: the pure parts (tags, one progress line per batch, the selection, the group's exit
 * code, the merged log), the group of sessions, the live view with several batches (small terminals included), and
 * the picker's marks.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import type { WatchEvent } from '@batchwatch/client';
import { ExitCode, exitCodeFor } from '../src/exit-codes.js';
import { WatchGroup } from '../src/group.js';
import { translator } from '../src/i18n/index.js';
import { tagLines } from '../src/output/format.js';
import { WatchSession } from '../src/session.js';
import {
  batchProgress,
  batchTags,
  initialState,
  mergeLogs,
  moveSelection,
  reduce,
  worstExitCode,
  type LogEntry,
  type TaggedLogEntry,
} from '../src/state/index.js';
import { App } from '../src/ui/App.js';
import { Picker } from '../src/picker/Picker.js';
import { applyKey, DEFAULT_VIEW } from '../src/ui/keys.js';
import { batch, CUSTOMER, device, KEYS, plain, ScriptedSource, settle, waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });
afterEach(() => cleanup());

const IDS = ['0127ed8e-1f4d-4cde-9b5a-6e8a9b3c2d10', '8f4e6a1c-2b3d-4e5f-9a6b-7c8d9e0f1a2b', '3c2d1e0f-aaaa-4bbb-8ccc-dddddddddddd'];
const at = new Date('2026-01-01T10:00:00Z');
const none = {} as never;

describe('batch tags', () => {
  it('are the first 8 characters, longer only where ids begin alike', () => {
    expect(batchTags(IDS)).toEqual(['0127ed8e', '8f4e6a1c', '3c2d1e0f']);
    expect(batchTags(['0127ed8e-1111', '0127ed8e-2222', 'ffffffff-0000'])).toEqual(['0127ed8e-1', '0127ed8e-2', 'ffffffff-0']);
  });

  it('go after the timestamp of each line, and leave one batch untouched', () => {
    expect(tagLines('2026-01-01T10:00:00Z Batch queued\n✖ 1 failed\n', 'abc')).toBe('2026-01-01T10:00:00Z [abc] Batch queued\n[abc] ✖ 1 failed\n');
    expect(tagLines('line\n', undefined)).toBe('line\n');
  });
});

describe('batchProgress', () => {
  it('reads status, devices done of total, the share and the failed count', () => {
    const state = reduce(initialState({ customerId: CUSTOMER, trackingId: IDS[0]!, correlationId: 'c', intervalMs: 5_000 }), [
      {
        type: 'snapshot',
        seq: 1,
        at,
        snapshot: batch('processing', [
          device('A', 'finished'),
          device('B', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
          device('C', 'processing'),
          device('D', 'queued'),
        ]),
      } as WatchEvent,
    ]);
    expect(batchProgress(state)).toEqual({ status: 'processing', problem: false, done: 2, total: 4, share: 0.5, failed: 1 });
  });

  it('marks a watch that ended without a verdict, and has no share before devices exist', () => {
    const state = initialState({ customerId: CUSTOMER, trackingId: IDS[0]!, correlationId: 'c', intervalMs: 5_000 });
    expect(batchProgress(state)).toEqual({ problem: false, done: 0, total: 0, share: 0, failed: 0 });
    const ended = reduce(state, [{ type: 'end', outcome: { kind: 'error', error: new Error('404') }, at }]);
    expect(batchProgress(ended).problem).toBe(true);
  });
});

describe('the selection', () => {
  it('moves forward and back, wrapping around', () => {
    expect([moveSelection(0, 1, 3), moveSelection(2, 1, 3), moveSelection(0, -1, 3), moveSelection(0, 1, 1)]).toEqual([1, 0, 2, 0]);
  });

  it('is moved by Tab and Shift-Tab, to the top of the next table; Esc keeps it', () => {
    const tab = { tab: true, shift: false } as never;
    const shiftTab = { tab: true, shift: true } as never;
    const scrolled = { ...DEFAULT_VIEW, scroll: { cursor: 7, top: 3 } };
    expect(applyKey(scrolled, '', tab, { page: 10, total: 20, batches: 3 }).view).toMatchObject({ batch: 1, scroll: { cursor: 0, top: 0 } });
    expect(applyKey(DEFAULT_VIEW, '', shiftTab, { page: 10, total: 20, batches: 3 }).view.batch).toBe(2);
    expect(applyKey(DEFAULT_VIEW, '', tab, { page: 10, total: 20 }).view.batch).toBe(0);
    const filtered = { ...DEFAULT_VIEW, batch: 2, failedOnly: true };
    expect(applyKey(filtered, '', { escape: true } as never, { page: 10, total: 20, batches: 3 }).view).toEqual({ ...DEFAULT_VIEW, batch: 2 });
    // Typing a search, Tab does nothing.
    expect(applyKey({ ...DEFAULT_VIEW, searching: true }, '', tab, { page: 10, total: 20, batches: 3 }).view.batch).toBe(0);
    expect(applyKey(DEFAULT_VIEW, 'x', none, { page: 1, total: 1, batches: 3 }).view).toBe(DEFAULT_VIEW);
  });
});

describe('the exit code of several batches', () => {
  it('is the worst of theirs', () => {
    expect(worstExitCode([ExitCode.Clean, ExitCode.DeviceErrors, ExitCode.Clean])).toBe(ExitCode.DeviceErrors);
    expect(worstExitCode([ExitCode.DeviceErrors, ExitCode.NotFoundOrAuth])).toBe(ExitCode.NotFoundOrAuth);
    expect(worstExitCode([exitCodeFor({ kind: 'finished', clean: true }), exitCodeFor({ kind: 'interrupted' })])).toBe(ExitCode.Interrupted);
    expect(worstExitCode([ExitCode.Clean])).toBe(ExitCode.Clean);
  });
});

describe('mergeLogs', () => {
  const entry = (id: number): LogEntry => ({ id, at, kind: 'recovered' }) as LogEntry;

  it('appends what is new of each batch, tagged, and keeps the same array when nothing is', () => {
    const consumed: number[] = [];
    const first = mergeLogs([], consumed, [[entry(0)], [entry(0), entry(1)]], ['a', 'b']);
    expect(first.map((e) => [e.id, e.tag])).toEqual([
      [0, 'a'],
      [1, 'b'],
      [2, 'b'],
    ]);
    expect(mergeLogs(first, consumed, [[entry(0)], [entry(0), entry(1)]], ['a', 'b'])).toBe(first);
    const second: readonly TaggedLogEntry[] = mergeLogs(
      first,
      consumed,
      [
        [entry(0), entry(1)],
        [entry(0), entry(1)],
      ],
      ['a', 'b'],
    );
    expect(second.slice(0, 3)).toEqual(first);
    expect(second.at(-1)).toMatchObject({ id: 3, tag: 'a' });
  });
});

function group(ids = IDS) {
  const sources = ids.map(() => new ScriptedSource('polling'));
  const sessions = ids.map(
    (trackingId, i) => new WatchSession(sources[i]!, { customerId: CUSTOMER, trackingId, correlationId: `corr-${i}`, intervalMs: 5_000 }),
  );
  return { sources, sessions, group: new WatchGroup(sessions) };
}

const snapshot = (status: string, devices: ReturnType<typeof device>[]): WatchEvent => ({
  type: 'snapshot',
  seq: 1,
  at,
  snapshot: batch(status, devices, { startedTime: '2026-01-01T10:00:00' }),
});

describe('WatchGroup', () => {
  it('reads every batch as one store: new states only on a change, the logs merged, q for all', async () => {
    const { sources, sessions, group: watched } = group();
    const runs = watched.run();
    await Promise.all(sources.map((source) => source.ready()));
    const before = watched.getStates();
    expect(watched.getStates()).toBe(before);
    sources[1]!.emit(snapshot('processing', [device('B-1', 'processing')]));
    await waitFor(() => watched.getStates() !== before, 'a new state');
    expect(watched.getStates()[1]!.order).toHaveLength(1);
    expect(watched.getLog().some((entry) => entry.tag === '8f4e6a1c')).toBe(true);
    watched.interrupt();
    expect((await runs).map((outcome) => outcome.kind)).toEqual(['interrupted', 'interrupted', 'interrupted']);
    await watched.left;
    expect(sessions.every((session) => session.getState().outcome?.kind === 'interrupted')).toBe(true);
  });

  it('tags nothing for a single batch', () => {
    expect(group([IDS[0]!]).group.tags).toEqual([undefined]);
  });
});

describe('the live view with several batches', () => {
  async function shown(size: { rows: number; columns: number }) {
    const { sources, group: watched } = group();
    void watched.run();
    const app = render(<App group={watched} t={translator('en-US')} locale="en-US" size={size} clock={() => at.getTime() + 5_000} />);
    await Promise.all(sources.map((source) => source.ready()));
    sources[0]!.emit(snapshot('processing', [device('A-OK', 'finished'), device('A-RUN', 'processing')]));
    sources[1]!.emit(
      snapshot('finished_with_errors', [
        device('B-808', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
        device('B-OK', 'finished'),
      ]),
    );
    sources[2]!.emit(snapshot('queued', [device('C-1', 'queued')]));
    const frame = () => plain(app.lastFrame());
    const answered = () => watched.getStates().every((state) => state.batch !== undefined);
    await waitFor(() => answered() && frame().includes('Status ◐ processing'), 'every batch').catch((error: Error) => {
      throw new Error(`${error.message} in\n${frame()}`);
    });
    return { app, frame, watched };
  }

  it('shows one line per batch (status, counts, share, failed), the table of the selected one, and Tab moves on', async () => {
    const { app, frame, watched } = await shown({ rows: 30, columns: 100 });
    // Below the transition log (which names every batch's devices).
    const live = () => frame().slice(frame().indexOf('Customer '));
    expect(frame()).toMatch(/› 0127ed8e ◐ processing {2}1\/2 \(50%\)/);
    expect(frame()).toMatch(/ {2}8f4e6a1c ✖ finished with errors {2}2\/2 \(100%\) · failed 1/);
    expect(frame()).toMatch(/ {2}3c2d1e0f ◌ queued {2}0\/1 \(0%\)/);
    expect(frame()).toContain('q quit · Tab next batch · f failed'); // 100 columns: the short form, Tab right after q
    expect(live()).toContain('A-OK');
    expect(live()).not.toContain('B-808');
    await settle();
    app.stdin.write(KEYS.tab);
    await waitFor(() => live().includes('B-808') && live().includes(`Batch ${IDS[1]}`), "the second batch's table");
    expect(frame()).toMatch(/› 8f4e6a1c/);
    app.stdin.write(KEYS.shiftTab);
    await waitFor(() => live().includes('A-OK') && !live().includes('B-808'), 'back to the first');
    watched.interrupt();
  });

  it.each([
    { rows: 12, columns: 40 },
    { rows: 8, columns: 60 },
    { rows: 5, columns: 30 },
  ])('keeps the key information on a $columns×$rows terminal', async (size) => {
    const { frame, watched } = await shown(size);
    const lines = frame().split('\n');
    const live = lines.slice(lines.findIndex((line) => /^(Customer|Batch|Status)/.test(line)));
    expect(live.length).toBeLessThanOrEqual(size.rows - 1);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(size.columns);
    // The selected batch's status and the batch switch key always; each batch line that is shown keeps its counts and share.
    expect(frame()).toMatch(/Status ◐ processing/);
    expect(frame()).toContain('Tab');
    const batchLines = live.filter((line) => /^[› ] [0-9a-f]{8} /.test(line));
    expect(batchLines.length).toBeGreaterThanOrEqual(1);
    for (const line of batchLines) expect(line).toMatch(/\d+\/\d+ \(\d+%\)/);
    expect(batchLines.some((line) => line.startsWith('› 0127ed8e'))).toBe(true);
    watched.interrupt();
  });
});

describe('the picker with several batches', () => {
  const listed = [
    { id: 'newest', devicesCount: 3, trackingIds: [IDS[0]!], file: '/tmp/a.csv' },
    { id: 'elsewhere', devicesCount: 5, trackingIds: [] },
    { id: 'split', devicesCount: 900, trackingIds: [IDS[1]!, IDS[2]!], file: '/tmp/b.csv' },
  ];

  async function picker() {
    let picked: unknown;
    const app = render(<Picker customerId={CUSTOMER} batches={listed} height={10} onPick={(batches) => (picked = batches)} />);
    const press = async (...keys: string[]) => {
      for (const key of keys) {
        await settle();
        app.stdin.write(key);
      }
      await settle();
    };
    return { app, press, picked: () => picked };
  }

  it('Space marks batches, Enter follows the marked ones together', async () => {
    const { app, press, picked } = await picker();
    await press(' ', KEYS.down, KEYS.down, ' ');
    await waitFor(() => plain(app.lastFrame()).includes('2 marked'), 'two marked');
    expect(plain(app.lastFrame())).toMatch(/✓ .*newest/);
    await press(KEYS.enter);
    await waitFor(() => picked(), 'the pick');
    expect(picked()).toEqual([listed[0], listed[2]]);
  });

  it('Enter without marks follows the chosen batch; a batch not uploaded here cannot be marked', async () => {
    const { app, press, picked } = await picker();
    await press(KEYS.down, ' ');
    await waitFor(() => plain(app.lastFrame()).includes('not uploaded from this machine'), 'the refusal');
    await press(KEYS.down, KEYS.enter);
    await waitFor(() => picked(), 'the pick');
    expect(picked()).toEqual([listed[2]]);
  });
});
