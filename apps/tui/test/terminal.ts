/**
 * The end-to-end tests' one way to run the BUILT `batchwatch` binary in a real terminal (tmux): build it, start it
 * in a fresh window with its own environment, read the screen, send keys, read its exit code. Used by this app's
 * terminal and operator end-to-end tests and by tests/e2e (`@batchwatch/tui/testing/terminal`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'apps/tui/bin/batchwatch.js');

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function tsc(project: string): void {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, project)], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Compiles apps/tui (the binary imports its dist). Its dependencies' dist comes from `npm run build` (run by
 * `npm ci`'s prepare) and is compiled here only when missing: apps/tui compiles against their declarations.
 */
export function buildBinary(): void {
  const built = (dir: string, entry = 'index') => existsSync(join(ROOT, dir, `dist/${entry}.js`)) && existsSync(join(ROOT, dir, `dist/${entry}.d.ts`));
  if (!built('openapi')) tsc('openapi/tsconfig.lib.json');
  if (!built('packages/client') || !built('packages/client', 'autopilot-csv/index')) tsc('packages/client/tsconfig.lib.json');
  tsc('apps/tui/tsconfig.lib.json');
}

export interface RunningTerminal {
  name: string;
  /** The visible screen, as text. */
  screen(): string;
  /** The visible screen with its colours (SGR sequences). */
  styled(): string;
  /** Scrollback and screen, wrapped lines joined. */
  history(): string;
  /** The window title the program set. */
  title(): string;
  keys(...keys: string[]): void;
  /** Undefined while the program runs. */
  exitCode(): number | undefined;
}

export interface StartOptions {
  env?: Record<string, string>;
  size?: { x: number; y: number };
}

/** A tmux server of one test file's own (its socket named after `prefix`), and a work directory; `close()` ends both. */
export function terminals(prefix: string) {
  const socket = `${prefix}-${process.pid}`;
  const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let count = 0;
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', env: { ...process.env, LANG: 'C.UTF-8' } });

  /** Throws a message saying what to install when tmux is missing. */
  function requireTmux(): void {
    try {
      execFileSync('tmux', ['-V'], { stdio: 'pipe' });
    } catch {
      throw new Error('tmux is required for the end-to-end tests of the terminal UI: install it (apt-get install -y tmux)');
    }
  }

  /** The binary with `args` in a fresh window (120×40 unless told); the shell records its exit code in a file. */
  function start(args: readonly string[], { env = {}, size = { x: 120, y: 40 } }: StartOptions = {}): RunningTerminal {
    const name = `${prefix}${++count}`;
    const exitFile = join(work, `${name}.exit`);
    const vars = Object.entries({ CI: 'false', TERM: 'xterm-256color', LANG: 'C.UTF-8', NODE_ENV: 'production', ...env }).map(
      ([key, value]) => `${key}=${shellQuote(value)}`,
    );
    const command = `env ${vars.join(' ')} ${shellQuote(process.execPath)} ${shellQuote(BIN)} ${args.map(shellQuote).join(' ')}; echo EXIT=$? > ${shellQuote(exitFile)}; sleep 600`;
    tmux('-u', 'new-session', '-d', '-s', name, '-x', String(size.x), '-y', String(size.y), command);
    // The title is the program's to set (checked by the tests of the end-of-batch announcement).
    tmux('set-option', '-t', name, 'allow-rename', 'on');
    tmux('set-window-option', '-t', name, 'automatic-rename', 'off');
    return {
      name,
      screen: () => tmux('capture-pane', '-p', '-t', name),
      styled: () => tmux('capture-pane', '-p', '-e', '-t', name),
      history: () => tmux('capture-pane', '-p', '-J', '-S', '-5000', '-t', name),
      title: () => tmux('display-message', '-p', '-t', name, '#{pane_title}').trim(),
      keys: (...keys: string[]) => void tmux('send-keys', '-t', name, ...keys),
      exitCode: () => exitCodeIn(exitFile),
    };
  }

  function close(): void {
    try {
      tmux('kill-server');
    } catch {
      // no server was started
    }
    rmSync(work, { recursive: true, force: true });
  }

  return { work, tmux, requireTmux, start, close };
}

/** Polls `check` until it holds; on timeout the error shows `show()` (the screen). No timed assertion: a deadline only. */
export async function until<T>(check: () => T | undefined | false, what: string, show: () => string, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the screen:\n${show()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The exit code the shell wrote, once it has written it all: the file exists, empty, between its `>` and its `echo`. */
function exitCodeIn(file: string): number | undefined {
  const code = existsSync(file) ? /EXIT=(\d+)/.exec(readFileSync(file, 'utf8'))?.[1] : undefined;
  return code === undefined ? undefined : Number(code);
}
