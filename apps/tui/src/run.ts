/**
 * From a command line to an exit code: parse, pick the mode, build the source, run the session, report.
 * `runWatch` is the in-process entry (demo launcher, tests, bench); `main` adds argument parsing.
 */
import { randomUUID } from 'node:crypto';
import type { TokenSource } from '@batchwatch/client';
import { isPartnerCenter, parseCommand, type Env, type WatchOptions } from './args.js';
import { ExitCode, exitCodeFor, type Outcome } from './exit-codes.js';
import { translator, type Translate } from './i18n/index.js';
import { jsonEvent, jsonLine } from './output/json.js';
import { safeLines } from './output/safe.js';
import { createPlainOutput } from './output/plain.js';
import { errorLine, summaryObject, type ErrorContext } from './output/summary.js';
import { WatchSession } from './session.js';
import { createWatchSource } from './source/index.js';
import type { WatchSource } from './source/types.js';

export type Mode = 'interactive' | 'plain' | 'json';

export interface WatchIO {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  env: Env;
  /** Turn SIGINT/SIGTERM into an orderly interrupt (exit 130); default true. */
  handleSignals?: boolean;
  /** The `fetch` used for the upstream (tests). */
  fetch?: typeof fetch;
  /** A ready-made source instead of HTTP (bench, UI tests). */
  source?: WatchSource;
}

/** `CI` as is-in-ci reads it: set, and not `0`/`false`. */
export function isCi(env: Env): boolean {
  for (const name of ['CI', 'CONTINUOUS_INTEGRATION']) {
    const value = env[name];
    if (value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false') return true;
  }
  return false;
}

/**
 * Interactive only on a real terminal (stdout and stdin), outside CI, with a capable TERM and no
 * `--plain`/`--json`. Decided before Ink is loaded: Ink 6 would otherwise leak escape codes into pipes.
 */
export function chooseMode(output: WatchOptions['output'], io: { stdout: { isTTY?: boolean }; stdin: { isTTY?: boolean }; env: Env }): Mode {
  if (output === 'json') return 'json';
  if (output === 'plain') return 'plain';
  const terminal = io.stdout.isTTY === true && io.stdin.isTTY === true;
  return terminal && !isCi(io.env) && io.env.TERM !== 'dumb' ? 'interactive' : 'plain';
}

export async function main(argv: readonly string[], io: WatchIO): Promise<number> {
  const { isOperatorCommand, runOperatorCommand, resolveWatchCustomer } = await import('./commands/index.js');
  if (isOperatorCommand(argv)) return runOperatorCommand(argv, io);
  const resolved = await resolveWatchCustomer(argv, io);
  if (typeof resolved === 'number') return resolved;
  const command = parseCommand(resolved, io.env);
  switch (command.kind) {
    case 'help':
      io.stdout.write(`${command.text}\n`);
      return ExitCode.Clean;
    case 'version':
      io.stdout.write(`${command.text}\n`);
      return ExitCode.Clean;
    case 'usage-error':
      io.stderr.write(`batchwatch: ${command.message}\nRun "batchwatch --help" for usage.\n`);
      return ExitCode.Usage;
    case 'watch':
      return runWatch(command.options, io);
  }
}

export async function runWatch(options: WatchOptions, io: WatchIO): Promise<number> {
  const mode = chooseMode(options.output, io);
  const t = translator(options.locale);
  const correlationId = randomUUID();
  const source =
    io.source ??
    createWatchSource({
      baseUrl: options.baseUrl,
      customerId: options.customerId,
      trackingId: options.trackingId,
      correlationId,
      locale: options.locale,
      intervalMs: options.intervalMs,
      auth: await authFor(options),
      trySse: !isPartnerCenter(options.baseUrl),
      ...(io.fetch ? { fetch: io.fetch } : {}),
    });
  const viaProxy = !isPartnerCenter(options.baseUrl);
  const base = {
    customerId: options.customerId,
    trackingId: options.trackingId,
    correlationId,
    intervalMs: options.intervalMs,
    countAlreadyRegistered: options.countAlreadyRegistered ?? false,
    viaProxy,
    host: hostOf(options.baseUrl),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.connectTimeoutMs ? { firstAnswerMs: options.connectTimeoutMs } : {}),
  };
  const context: ErrorContext = { baseUrl: options.baseUrl, hadCredentials: options.token !== undefined || options.azure !== undefined };

  let session: WatchSession;
  let finish: () => Promise<Outcome>;
  if (mode === 'json') {
    const ids = { customerId: options.customerId, batchTrackingId: options.trackingId, countAlreadyRegistered: base.countAlreadyRegistered };
    session = new WatchSession(source, { ...base, onEvent: (event) => io.stdout.write(jsonLine(jsonEvent(event, ids))) });
    finish = () => session.run();
  } else if (mode === 'plain') {
    const plain = createPlainOutput((text) => io.stdout.write(safeLines(text)), t, options.intervalMs, context);
    session = new WatchSession(source, { ...base, onAction: plain.onAction });
    plain.start(session.getState());
    finish = async () => {
      const outcome = await session.run();
      plain.end(session.getState(), outcome);
      return outcome;
    };
  } else {
    // Ink's chalk decides colour support when it is first imported: settle it first. Chalk also turns
    // colour off whenever CI is set, even to "false", which here already means "not CI".
    if (!options.color) process.env.FORCE_COLOR = '0';
    else if (process.env.CI !== undefined && !isCi(process.env)) delete process.env.CI;
    const { runInteractive, MAX_FPS } = await import('./ui/render.js');
    session = new WatchSession(source, { ...base, flushMs: 1_000 / MAX_FPS });
    // Key `e`: the failed devices so far, to --export's file or failed-<tracking id>.csv here.
    const onExport = async () => {
      const { writeFailedExport, describeExport, failedDevicesOf } = await import('./export.js');
      const path = options.exportPath ?? `failed-${options.trackingId}.csv`;
      return describeExport(await writeFailedExport(path, failedDevicesOf(session.getState()), options.devicesFile));
    };
    finish = () => runInteractive(session, io, t, options.locale, { exitOnFinish: options.exitOnFinish ?? false, context, onExport });
  }

  const stopSignals = io.handleSignals === false ? () => {} : onSignals(() => session.interrupt());
  let outcome: Outcome;
  try {
    outcome = await finish();
  } finally {
    stopSignals();
  }
  const code = exitCodeFor(outcome);
  report(mode, outcome, code, session, io, t, context);
  if (options.exportPath) await exportAtEnd(options, session, mode, io);
  return code;
}

/** `--export`: the failed devices of the watch, written when it ends; the path is printed. */
async function exportAtEnd(options: WatchOptions, session: WatchSession, mode: Mode, io: WatchIO): Promise<void> {
  const { writeFailedExport, describeExport, failedDevicesOf } = await import('./export.js');
  const written = await writeFailedExport(options.exportPath!, failedDevicesOf(session.getState()), options.devicesFile);
  if (written.devicesProblem) io.stderr.write(`batchwatch: ${written.devicesProblem}\n`);
  (mode === 'json' ? io.stderr : io.stdout).write(`${describeExport(written)}\n`);
}

function report(mode: Mode, outcome: Outcome, code: number, session: WatchSession, io: WatchIO, t: Translate, context: ErrorContext): void {
  if (mode === 'json') io.stdout.write(jsonLine(summaryObject(session.getState(), outcome, code)));
  if (outcome.kind !== 'error' || mode === 'interactive') return;
  // Plain output already printed the error as its summary headline: on one screen, once is enough.
  if (mode === 'plain' && io.stdout.isTTY && (io.stderr as { isTTY?: boolean }).isTTY) return;
  io.stderr.write(`batchwatch: ${errorLine(t, outcome.error, context)}\n`);
}

/** `host:port` of a URL, for messages. */
function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

async function authFor(options: WatchOptions): Promise<TokenSource | undefined> {
  if (options.credential) return options.credential;
  if (options.token) return options.token;
  if (!options.azure) return undefined;
  // Loaded only when used: @azure/identity is large and most runs go through a proxy with a key.
  const { ClientSecretCredential } = await import('@azure/identity');
  return new ClientSecretCredential(options.azure.tenantId, options.azure.clientId, options.azure.clientSecret);
}

function onSignals(interrupt: () => void): () => void {
  const handler = () => interrupt();
  // SIGHUP: the terminal went away (SSH dropped, window closed); end as orderly as a SIGTERM.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const signal of signals) process.on(signal, handler);
  return () => {
    for (const signal of signals) process.off(signal, handler);
  };
}
