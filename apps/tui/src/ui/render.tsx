/**
 * The interactive mode. Only imported once the mode is known to be interactive and `FORCE_COLOR` is
 * settled, because Ink's colour support is decided when chalk is first imported.
 */
import { render } from 'ink';
import type { Outcome } from '../exit-codes.js';
import type { Locale, Translate } from '../i18n/index.js';
import { outcomeLine, summaryLines, type ErrorContext } from '../output/summary.js';
import type { WatchGroup } from '../group.js';
import { exitCodeFor } from '../exit-codes.js';
import { tagLines } from '../output/format.js';
import { App } from './App.js';
import { announce } from './terminal.js';
import { logPlainText } from './TransitionLog.js';

export interface InteractiveIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export interface InteractiveOptions {
  /** Leave as soon as the batch ends (scripts, the demo) instead of staying until q. */
  exitOnFinish: boolean;
  context?: ErrorContext;
  /** Key `e`: export the failed devices now (see App). */
  onExport?: () => Promise<string>;
}

/**
 * Renders frames at most this often, and flushes the session (reduce + render of upstream updates) at the same
 * rate: a 5 s poller needs no more, and 10k-row updates stay cheap.
 */
export const MAX_FPS = 15;

const CLEAR_ALL = '\u001b[2J\u001b[3J\u001b[H';

/** Runs the group's watches in the live view; resolves with each batch's outcome once the operator may leave. */
export async function runInteractive(
  group: WatchGroup,
  io: InteractiveIO,
  t: Translate,
  locale: Locale,
  options: InteractiveOptions = { exitOnFinish: true },
): Promise<Outcome[]> {
  const stopRepaint = repaintOnNarrowing(io.stdout, () => logPlainText(group.getLog(), t, locale, io.stdout.columns || 80));
  const instance = render(<App group={group} t={t} locale={locale} stay={!options.exitOnFinish} {...(options.onExport && { onExport: options.onExport })} />, {
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    // Ctrl-C arrives as a key in raw mode; the App turns it into an orderly interrupt (exit 130).
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: MAX_FPS,
  });
  const outcomes = await group.run();
  const states = group.getStates();
  if (outcomes.some((outcome) => outcome.kind === 'finished')) {
    // The bell and the window title tell an operator in another window that the batch is done (the worst one).
    const worst = outcomes.indexOf(outcomes.reduce((a, b) => (exitCodeFor(b) > exitCodeFor(a) ? b : a)));
    announce(io.stdout, `batchwatch: ${outcomeLine(t, states[worst]!, outcomes[worst]!)}`);
    if (!options.exitOnFinish) await group.left;
  }
  // Let the final state (no table, no help line) render, then leave it on screen.
  await new Promise((resolve) => setTimeout(resolve, 1_000 / MAX_FPS + 10));
  instance.unmount();
  await instance.waitUntilExit().catch(() => {});
  instance.cleanup();
  stopRepaint();
  group.getStates().forEach((state, i) => {
    const lines = summaryLines(t, state, outcomes[i]!, Date.now(), options.context);
    io.stdout.write(tagLines(`${lines.join('\n')}\n`, group.tags[i]));
  });
  return outcomes;
}

/**
 * A narrower window makes the terminal re-wrap the live area, and Ink then erases too few lines: copies of
 * the header stay behind on screen and in the scrollback. So on narrowing, the screen and scrollback are
 * cleared and the log reprinted (narrower); the blank lines after it are what Ink erases before it draws
 * the live area again. (A shorter window needs nothing: Ink repaints everything itself then.)
 */
function repaintOnNarrowing(stdout: NodeJS.WriteStream, log: () => string): () => void {
  let columns = stdout.columns;
  let rows = stdout.rows;
  const onResize = () => {
    if (stdout.columns < columns) stdout.write(`${CLEAR_ALL}${log()}${'\n'.repeat(Math.max(0, Math.min(rows, stdout.rows) - 1))}`);
    columns = stdout.columns;
    rows = stdout.rows;
  };
  // Before Ink's own handler, which erases and redraws the live area.
  stdout.prependListener('resize', onResize);
  return () => stdout.off('resize', onResize);
}
