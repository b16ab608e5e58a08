/**
 * The interactive mode. Only imported once the mode is known to be interactive and `FORCE_COLOR` is
 * settled, because Ink's colour support is decided when chalk is first imported.
 */
import { render } from 'ink';
import type { ExitCodeValue, Outcome } from '../exit-codes.js';
import type { Translate } from '../i18n/index.js';
import { summaryLines } from '../output/summary.js';
import type { WatchSession } from '../session.js';
import { App } from './App.js';

export interface InteractiveIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

/** Renders frames at most this often: a 5 s poller needs no more, and 10k-row updates stay cheap. */
export const MAX_FPS = 15;

export async function runInteractive(session: WatchSession, io: InteractiveIO, t: Translate, locale: string): Promise<Outcome> {
  const instance = render(<App session={session} t={t} locale={locale} />, {
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    // Ctrl-C arrives as a key in raw mode; the App turns it into an orderly interrupt (exit 130).
    exitOnCtrlC: false,
    patchConsole: false,
    maxFps: MAX_FPS,
  });
  const outcome = await session.run();
  // Let the final state (outcome set: no table, no help line) render, then leave it on screen.
  await new Promise((resolve) => setTimeout(resolve, 1_000 / MAX_FPS + 10));
  instance.unmount();
  await instance.waitUntilExit().catch(() => {});
  instance.cleanup();
  io.stdout.write(`${summaryLines(t, session.getState(), outcome).join('\n')}\n`);
  return outcome;
}

export type { ExitCodeValue };
