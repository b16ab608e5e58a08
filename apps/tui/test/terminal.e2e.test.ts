/**
 * End to end in a real terminal (tmux), the BUILT binary against the simulator directly: hostile text,
 * the clock after midnight (fixed TZ), keys arriving together, incremental search, the live view kept
 * after the end with bell and title, small terminals in French, and no ghost header after narrowing.
 * Needs tmux (apt-get install -y tmux); builds apps/tui like e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type RunningSimulator, type ScenarioDefinition, type ScenarioName } from '@batchwatch/simulator';
import { buildBinary, terminals, until, type StartOptions } from './terminal.js';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 180_000 });

const term = terminals('bt');
const { tmux } = term;
let sim: RunningSimulator;

beforeAll(async () => {
  term.requireTmux();
  buildBinary();
  sim = await startSimulator({ speed: 2 });
});

afterAll(async () => {
  term.close();
  await sim?.close();
});

function startInTmux(args: string[], env: Record<string, string> = {}, size?: StartOptions['size']) {
  return term.start(args, { env, ...(size && { size }) });
}

const args = (ids: { customerId: string; trackingId: string }, ...extra: string[]) => [
  'watch',
  ids.customerId,
  ids.trackingId,
  '--base-url',
  sim.url,
  '--token',
  'simulator-token',
  '--interval',
  '300ms',
  ...extra,
];

const ESC = '\u001b';
const BEL = '\u0007';
const HOSTILE = `${ESC}]0;PWNED${BEL}${ESC}[2J${ESC}]52;c;cHduZWQ=${BEL}`;

describe('terminal safety', () => {
  const hostile: ScenarioDefinition = {
    name: 'hostile',
    queuedMs: 500,
    processingMs: 2_000,
    devices: [
      { serialNumber: `EVIL${HOSTILE}`, productKey: `PK${HOSTILE}`, outcome: { errorCode: '808', errorDescription: `Bad${HOSTILE}` } },
      { serialNumber: 'GOOD-1', productKey: 'PK-GOOD-1' },
    ],
    terminalStatusWhenErrors: 'finished_with_errors',
  };

  it.each([
    ['interactive', []],
    ['plain', ['--plain']],
  ] as const)('%s: title unchanged, screen not cleared, the text shown escaped', async (_mode, flags) => {
    const run = startInTmux(args(sim.addBatch(hostile), '--exit-on-finish', ...flags));
    await until(() => /EVIL\\x1b\]0;PWNED/.test(run.screen()), 'the escaped serial', run.screen);
    expect(await until(run.exitCode, 'the exit code', run.history)).toBe(1);
    expect(run.title()).not.toContain('PWNED');
    const text = run.history();
    expect(text).toContain('EVIL\\x1b]0;PWNED\\x07\\x1b[2J');
    // Nothing cleared the screen: the first line of the run is still there.
    expect(text).toMatch(/Watching batch|Polling every|Batch/);
  });
});

describe('clock', () => {
  it('shows 00:mm:ss just past local midnight (fixed TZ), never 24:mm:ss', async () => {
    const hour = new Date().getUTCHours();
    let offset = (24 - hour) % 24; // local = UTC + offset lands on hour 0
    if (offset > 14) offset -= 24;
    const tz = `Etc/GMT${offset >= 0 ? '-' : '+'}${Math.abs(offset)}`;
    const run = startInTmux(args(sim.addBatch('clean'), '--exit-on-finish'), { TZ: tz });
    expect(await until(run.exitCode, 'the exit code', run.history)).toBe(0);
    const text = run.history();
    expect(text).toMatch(/^0[01]:\d\d:\d\d Batch /m);
    expect(text).not.toMatch(/\b24:\d\d:\d\d\b/);
  });
});

describe('keys', () => {
  // Short, so all 100 rows are there soon; the keys are pressed in the view kept after the end.
  const hundred: ScenarioDefinition = {
    name: 'hundred',
    queuedMs: 500,
    processingMs: 2_000,
    devices: Array.from({ length: 100 }, (_, i) => ({ serialNumber: `SN-${String(i).padStart(3, '0')}`, productKey: `PK-${i}` })),
  };
  const selected = (screen: string) => /^> (SN-\d{3})/m.exec(screen)?.[1];

  it('50 ↓ sent in one write move 50 rows, then jjjjjjjjjj ten more; search applies as typed, Ctrl-W and Ctrl-U edit it', async () => {
    const run = startInTmux(args(sim.addBatch(hundred)), {}, { x: 120, y: 40 });
    await until(() => run.screen().includes('The batch has ended') && selected(run.screen()) === 'SN-000', 'the table of the ended batch', run.screen);
    run.keys(...Array<string>(50).fill('Down'));
    await until(() => selected(run.screen()) === 'SN-050', 'row 50', run.screen);
    run.keys('-l', 'jjjjjjjjjj');
    await until(() => selected(run.screen()) === 'SN-060', 'row 60', run.screen);

    run.keys('-l', '/SN-07');
    await until(() => /Devices 1–10 of 10/.test(run.screen()), 'the search applied while typing', run.screen);
    run.keys('C-w');
    await until(() => /Devices 1–\d+ of 100/.test(run.screen()), 'Ctrl-W erased the word', run.screen);
    run.keys('-l', '042');
    await until(() => /Devices 1–1 of 1\b/.test(run.screen()) && selected(run.screen()) === 'SN-042', 'a new search', run.screen);
    run.keys('C-u');
    await until(() => /Devices 1–\d+ of 100/.test(run.screen()), 'Ctrl-U erased the line', run.screen);
    run.keys('Escape');
    // An Escape and a q that arrive in one read are Alt-q: wait for the search to close before quitting.
    await until(() => !run.screen().includes('Search serial:'), 'the search closed', run.screen);
    run.keys('q');
    expect(await until(run.exitCode, 'the exit code', run.history)).toBe(0);
  });
});

describe('the end of a batch', () => {
  it('stays for browsing with the title saying how it ended; q leaves with the exit code of the batch', async () => {
    const run = startInTmux(args(sim.addBatch('device-errors')));
    await until(() => run.screen().includes('The batch has ended · q quit'), 'the ended help line', run.screen);
    expect(run.exitCode()).toBeUndefined();
    // The title and the frame are two writes: wait for the title rather than read it once.
    const title = 'batchwatch: ✖ Batch finished with errors: 4 of 20 devices failed.';
    expect(await until(() => run.title() === title && run.title(), 'the window title', run.title)).toBe(title);
    run.keys('f');
    await until(() => /Devices 1–4 of 4 · failed only/.test(run.screen()), 'browsing the failed devices', run.screen);
    run.keys('q');
    expect(await until(run.exitCode, 'the exit code', run.history)).toBe(1);
    const text = run.history();
    expect(text).toContain('Failed devices, by error:');
    expect(text).toContain('Already registered to this tenant (806), nothing to do:');
  });
});

describe('small terminals', () => {
  it.each([
    [80, 24],
    [60, 15],
  ])('%d×%d in French: the full batch id, the failed count and the keys, nothing cut mid-word', async (x, y) => {
    const ids = sim.addBatch('device-errors' as ScenarioName);
    const run = startInTmux(args(ids, '--locale', 'fr-FR'), {}, { x, y });
    await until(() => /en échec/.test(run.screen()) && /Appareils 1–/.test(run.screen()), 'the live view', run.screen);
    const screen = run.screen();
    expect(screen).toContain(ids.trackingId);
    expect(screen).toContain(ids.customerId);
    expect(screen).toMatch(/\d+ en échec/);
    expect(screen).toMatch(/^q quitter · f échecs/m);
    // Ink marks a cut line with … in the last column: none of the key lines is cut.
    const cut = screen.split('\n').filter((line) => [...line].length === x && line.endsWith('…'));
    expect(cut.filter((line) => /Client|Lot|échec|quitter/.test(line))).toEqual([]);
    expect(screen.trimEnd().split('\n').length).toBeLessThanOrEqual(y);
    run.keys('q');
    // 130 while it runs, 1 (devices failed) when q came after the end.
    expect([1, 130]).toContain(await until(run.exitCode, 'the exit code', run.history));
  });

  it('narrowing the window leaves no ghost copies of the header, on screen or in the scrollback', async () => {
    const run = startInTmux(args(sim.addBatch('slow')));
    await until(() => run.screen().includes('q quit'), 'the live view', run.screen);
    tmux('resize-window', '-t', run.name, '-x', '90', '-y', '40');
    await until(
      () =>
        run
          .screen()
          .split('\n')
          .some((line) => line.startsWith('q quit')) && !/^.{91,}$/m.test(run.screen()),
      'the view at 90 columns',
      run.screen,
    );
    tmux('resize-window', '-t', run.name, '-x', '70', '-y', '30');
    await until(
      () =>
        run
          .screen()
          .split('\n')
          .some((line) => /^q quit/.test(line)),
      'the view at 70 columns',
      run.screen,
    );
    // The repaint after a resize takes a moment on a loaded machine: wait until the scrollback is the view laid out
    // at 70 columns with one header (a ghost would stay, and the wait would fail).
    const copies = (text: string, pattern: RegExp) => text.match(pattern)?.length ?? 0;
    await until(
      () => {
        const history = run.history();
        return !/^.{71,}$/m.test(history) && copies(history, /^Correlation id /gm) === 1 && copies(history, /Customer [0-9a-f-]{36}/g) === 1;
      },
      'one header in the scrollback, 70 columns wide',
      run.history,
    );
    run.keys('q');
    expect(await until(run.exitCode, 'the exit code', run.history)).toBe(130);
  });
});
