/** Keys: every key of a chunk counts (Ink 6 delivers chunks), incremental search with Ctrl-U / Ctrl-W, y copies. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import type { Key } from 'ink';
import { translator } from '../src/i18n/index.js';
import { WatchSession } from '../src/session.js';
import { App } from '../src/ui/App.js';
import { WatchGroup } from '../src/group.js';
import { applyKey, DEFAULT_VIEW, splitKeys, type ViewOptions } from '../src/ui/keys.js';
import { batch, CUSTOMER, device, KEYS, manyDevices, plain, ScriptedSource, settle, TRACKING, waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });
afterEach(() => cleanup());

const none = splitKeys('x', { ctrl: false, meta: false } as Key)[0]![1];

/** Applies a chunk as the App does: split, then key by key. */
function type(view: ViewOptions, chunk: string, total = 100): ViewOptions {
  for (const [input, key] of splitKeys(chunk, none)) view = applyKey(view, input, key, { page: 10, total }).view;
  return view;
}

/** A single Ctrl-letter as Ink reports it. */
const ctrl = (view: ViewOptions, letter: string) => applyKey(view, letter, { ...none, ctrl: true }, { page: 10, total: 100 }).view;

describe('splitKeys', () => {
  it('splits a chunk of characters into keys, control characters included', () => {
    expect(splitKeys('jjj', none).map(([input]) => input)).toEqual(['j', 'j', 'j']);
    const [[, enter], [ctrlU], [, back]] = splitKeys('\r\u0015\u007f', none) as [[string, Key], [string, Key], [string, Key]];
    expect(enter!.return).toBe(true);
    expect(ctrlU).toBe('u');
    expect(back!.backspace).toBe(true);
  });

  it('leaves single keys alone', () => {
    expect(splitKeys('q', none)).toEqual([['q', none]]);
  });
});

describe('applyKey', () => {
  it('j ten times in one chunk moves ten rows; G and g jump', () => {
    expect(type(DEFAULT_VIEW, 'jjjjjjjjjj').scroll.cursor).toBe(10);
    expect(type(DEFAULT_VIEW, 'G').scroll.cursor).toBe(99);
    expect(type(type(DEFAULT_VIEW, 'G'), 'g').scroll.cursor).toBe(0);
  });

  it('search applies as typed; Backspace, Ctrl-W (a word) and Ctrl-U (the line) edit it; Enter keeps it, Esc clears it', () => {
    let view = type(DEFAULT_VIEW, '/SN 12 34');
    expect(view).toMatchObject({ searching: true, query: 'SN 12 34' });
    view = ctrl(view, 'w');
    expect(view.query).toBe('SN 12 ');
    view = applyKey(view, '', { ...none, backspace: true }, { page: 10, total: 100 }).view;
    expect(view.query).toBe('SN 12');
    view = ctrl(view, 'u');
    expect(view.query).toBe('');
    view = type(view, 'AB\r');
    expect(view).toMatchObject({ searching: false, query: 'AB' });
    view = type(view, '/');
    expect(applyKey(view, '', { ...none, escape: true }, { page: 10, total: 100 }).view).toMatchObject({ searching: false, query: '' });
  });

  it('q, r and y are effects; q while searching is typed', () => {
    expect(applyKey(DEFAULT_VIEW, 'q', none, { page: 1, total: 1 }).effect).toBe('quit');
    expect(applyKey(DEFAULT_VIEW, 'r', none, { page: 1, total: 1 }).effect).toBe('refresh');
    expect(applyKey(DEFAULT_VIEW, 'y', none, { page: 1, total: 1 }).effect).toBe('copy');
    const searching = { ...DEFAULT_VIEW, searching: true };
    expect(applyKey(searching, 'q', none, { page: 1, total: 1 })).toEqual({ view: { ...searching, query: 'q' } });
  });
});

describe('in the live view', () => {
  function setup() {
    const source = new ScriptedSource('polling');
    const session = new WatchSession(source, { customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'c', intervalMs: 5_000 });
    void session.run();
    const app = render(<App group={new WatchGroup([session])} t={translator('en-US')} locale="en-US" size={{ rows: 40, columns: 100 }} clock={() => 0} />);
    const frame = () => plain(app.lastFrame());
    const selected = () => /^> (\S+)/m.exec(frame())?.[1];
    const send = async (chunk: string) => {
      await settle();
      app.stdin.write(chunk);
      await settle();
    };
    return { source, session, app, frame, selected, send };
  }

  it('ten ↓ in one write move ten rows, and 50 more move 50', async () => {
    const { source, selected, send, frame } = setup();
    await source.ready();
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('processing', manyDevices(200)) });
    await waitFor(() => selected() === 'SN000000', 'the first row selected');
    await send(KEYS.down.repeat(10));
    await waitFor(() => selected() === 'SN000010', `row 10 selected in\n${frame()}`);
    await send(KEYS.down.repeat(50));
    await waitFor(() => selected() === 'SN000060', `row 60 selected in\n${frame()}`);
    await send('jjjjjjjjjj');
    await waitFor(() => selected() === 'SN000070', `row 70 selected in\n${frame()}`);
  });

  it('search narrows the table as it is typed, before Enter', async () => {
    const { source, send, frame } = setup();
    await source.ready();
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('processing', [device('ALPHA-1', 'queued'), device('BETA-2', 'queued')]) });
    await waitFor(() => frame().includes('BETA-2'), 'the table');
    await send('/BET');
    await waitFor(() => !frame().includes('ALPHA-1') && frame().includes('Devices 1–1 of 1'), `the search applied in\n${frame()}`);
    await send('\u0015');
    await waitFor(() => frame().includes('ALPHA-1'), `Ctrl-U cleared the search in\n${frame()}`);
  });

  it('y copies the selected serial number with OSC 52', async () => {
    const { source, send, app } = setup();
    await source.ready();
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('processing', [device('COPY-ME', 'queued')]) });
    await waitFor(() => app.lastFrame()?.includes('COPY-ME'), 'the table');
    const written: string[] = [];
    const write = app.stdout.write.bind(app.stdout);
    app.stdout.write = ((chunk: string) => (written.push(chunk), write(chunk))) as typeof app.stdout.write;
    await send('y');
    await waitFor(() => written.some((chunk) => chunk.includes(`\u001b]52;c;${Buffer.from('COPY-ME').toString('base64')}\u0007`)), 'OSC 52 with the serial');
  });
});
