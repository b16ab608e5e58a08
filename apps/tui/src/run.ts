/**
 * From a command line to an exit code: parse, pick the mode, build the source, run the session, report.
 * `runWatch` is the in-process entry (demo launcher, tests, bench); `main` adds argument parsing.
 */
import { randomUUID } from 'node:crypto';
import type { TokenSource } from '@batchwatch/client';
import { isDirectPartnerCenter, parseCommand, type Env, type WatchOptions } from './args.js';
import { ExitCode, exitCodeFor, type Outcome } from './exit-codes.js';
import { translator, type Translate } from './i18n/index.js';
import { jsonEvent, jsonLine } from './output/json.js';
import { safeLines } from './output/safe.js';
import { createPlainOutput } from './output/plain.js';
import { errorLine, summaryObject, type ErrorContext } from './output/summary.js';
import { WatchSession, type SessionOptions } from './session.js';
import { batchTags, worstExitCode } from './state/index.js';
import { tagLines } from './output/format.js';
import { createWatchSource } from './source/index.js';
import type { WatchSource } from './source/types.js';
import type { SignInStore } from './signin/signin.js';

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
  /** Where the operator's sign-in is kept (tests: a temporary directory); default the config directory. */
  signInStore?: SignInStore;
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
  let auth: Awaited<ReturnType<typeof authFor>>;
  try {
    auth = io.source ? undefined : await authFor(options, io);
  } catch (error) {
    const usage = error instanceof NoCredentialsError;
    io.stderr.write(`batchwatch: ${(error as Error).message}\n${usage ? 'Run "batchwatch --help" for usage.\n' : ''}`);
    return usage ? ExitCode.Usage : ExitCode.NotFoundOrAuth;
  }
  const direct = isDirectPartnerCenter(options.baseUrl, io.env);
  const viaProxy = !direct;
  const context: ErrorContext = { baseUrl: options.baseUrl, hadCredentials: auth !== undefined };
  const { trackingIds } = options;
  const tags = trackingIds.length > 1 ? batchTags(trackingIds) : [undefined];
  const countAlreadyRegistered = options.countAlreadyRegistered ?? false;

  /** One batch's watch; `hooks` are the mode's outputs. */
  const watchOf = (trackingId: string, hooks: Pick<SessionOptions, 'onEvent' | 'onAction' | 'flushMs'>): WatchSession => {
    // Each batch its own correlation id: support tickets are about one batch.
    const correlationId = randomUUID();
    const source =
      (trackingIds.length === 1 ? io.source : undefined) ??
      createWatchSource({
        baseUrl: options.baseUrl,
        customerId: options.customerId,
        trackingId,
        correlationId,
        locale: options.locale,
        intervalMs: options.intervalMs,
        ...(auth !== undefined && { auth: auth.token }),
        ...(auth?.scopes !== undefined && { scopes: auth.scopes }),
        trySse: !direct,
        ...(io.fetch ? { fetch: io.fetch } : {}),
      });
    return new WatchSession(source, {
      customerId: options.customerId,
      trackingId,
      correlationId,
      intervalMs: options.intervalMs,
      countAlreadyRegistered,
      viaProxy,
      host: hostOf(options.baseUrl),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.connectTimeoutMs ? { firstAnswerMs: options.connectTimeoutMs } : {}),
      ...hooks,
    });
  };

  let sessions: WatchSession[];
  let finish: () => Promise<Outcome[]>;
  if (mode === 'json') {
    sessions = trackingIds.map((trackingId) => {
      const ids = { customerId: options.customerId, batchTrackingId: trackingId, countAlreadyRegistered };
      return watchOf(trackingId, { onEvent: (event) => io.stdout.write(jsonLine(jsonEvent(event, ids))) });
    });
    finish = () => Promise.all(sessions.map((session) => session.run()));
  } else if (mode === 'plain') {
    const outputs = tags.map((tag) => createPlainOutput((text) => io.stdout.write(tagLines(safeLines(text), tag)), t, options.intervalMs, context));
    sessions = trackingIds.map((trackingId, i) => watchOf(trackingId, { onAction: outputs[i]!.onAction }));
    sessions.forEach((session, i) => outputs[i]!.start(session.getState()));
    // Each batch's summary as soon as it ends.
    finish = () =>
      Promise.all(
        sessions.map(async (session, i) => {
          const outcome = await session.run();
          outputs[i]!.end(session.getState(), outcome);
          return outcome;
        }),
      );
  } else {
    // Ink's chalk decides colour support when it is first imported: settle it first. Chalk also turns
    // colour off whenever CI is set, even to "false", which here already means "not CI".
    if (!options.color) process.env.FORCE_COLOR = '0';
    else if (process.env.CI !== undefined && !isCi(process.env)) delete process.env.CI;
    const [{ runInteractive, MAX_FPS }, { WatchGroup }] = await Promise.all([import('./ui/render.js'), import('./group.js')]);
    sessions = trackingIds.map((trackingId) => watchOf(trackingId, { flushMs: 1_000 / MAX_FPS }));
    const group = new WatchGroup(sessions);
    // Key `e`: the failed devices so far, of every batch in the view.
    const onExport = async () => {
      const { writeFailedExport, describeExport, failedDevicesOf } = await import('./export.js');
      const failed = group.getStates().flatMap(failedDevicesOf);
      return describeExport(await writeFailedExport(options.exportPath ?? defaultExportPath(options), failed, options.devicesFiles));
    };
    finish = () => runInteractive(group, io, t, options.locale, { exitOnFinish: options.exitOnFinish ?? false, context, onExport });
  }

  const stopSignals = io.handleSignals === false ? () => {} : onSignals(() => sessions.forEach((session) => session.interrupt()));
  let outcomes: Outcome[];
  try {
    outcomes = await finish();
  } finally {
    stopSignals();
  }
  const codes = outcomes.map(exitCodeFor);
  sessions.forEach((session, i) => report(mode, outcomes[i]!, codes[i]!, session, io, t, context, tags[i]));
  if (options.exportPath) await exportAtEnd(options, sessions, mode, io);
  return worstExitCode(codes);
}

/** Where the key `e` writes without `--export`: `failed-<tracking id>.csv`, or `failed-<customer id>.csv` for several batches. */
function defaultExportPath(options: Pick<WatchOptions, 'customerId' | 'trackingIds'>): string {
  return `failed-${options.trackingIds.length === 1 ? options.trackingIds[0] : options.customerId}.csv`;
}

/** `--export`: the failed devices of every batch of the watch, written when it ends; the path is printed. */
async function exportAtEnd(options: WatchOptions, sessions: readonly WatchSession[], mode: Mode, io: WatchIO): Promise<void> {
  const { writeFailedExport, describeExport, failedDevicesOf } = await import('./export.js');
  const failed = sessions.flatMap((session) => failedDevicesOf(session.getState()));
  const written = await writeFailedExport(options.exportPath!, failed, options.devicesFiles);
  if (written.devicesProblem) io.stderr.write(`batchwatch: ${written.devicesProblem}\n`);
  (mode === 'json' ? io.stderr : io.stdout).write(`${describeExport(written)}\n`);
}

function report(mode: Mode, outcome: Outcome, code: number, session: WatchSession, io: WatchIO, t: Translate, context: ErrorContext, tag?: string): void {
  if (mode === 'json') io.stdout.write(jsonLine(summaryObject(session.getState(), outcome, code)));
  if (outcome.kind !== 'error' || mode === 'interactive') return;
  // Plain output already printed the error as its summary headline: on one screen, once is enough.
  if (mode === 'plain' && io.stdout.isTTY && (io.stderr as { isTTY?: boolean }).isTTY) return;
  io.stderr.write(`batchwatch: ${tag === undefined ? '' : `[${tag}] `}${errorLine(t, outcome.error, context)}\n`);
}

/** `host:port` of a URL, for messages. */
function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).host;
  } catch {
    return baseUrl;
  }
}

/** The credential chosen by `parseCommand`, made usable; the sign-in's is a `TokenCredential` asking for its own scope. */
async function authFor(options: WatchOptions, io: WatchIO): Promise<{ token: TokenSource; scopes?: string } | undefined> {
  if (options.credential) return { token: options.credential, ...(options.scopes && { scopes: options.scopes }) };
  if (options.token) return { token: options.token };
  if (options.azure) {
    // Loaded only when used: @azure/identity is large and most runs go through a proxy with a key.
    const { ClientSecretCredential } = await import('@azure/identity');
    return { token: new ClientSecretCredential(options.azure.tenantId, options.azure.clientId, options.azure.clientSecret) };
  }
  if (!options.signIn) return undefined;
  const { currentSignIn, defaultSignInStore, operatorCredential } = await import('./signin/signin.js');
  const store = io.signInStore ?? (await defaultSignInStore(io.env));
  if (!(await currentSignIn(store))) {
    throw new NoCredentialsError(
      'Partner Center needs credentials: --token / BATCHWATCH_TOKEN, AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, or your sign-in (batchwatch login)',
    );
  }
  const { credential, signedIn } = await operatorCredential(store);
  return { token: credential, scopes: signedIn.settings.scope };
}

/** Nothing to authenticate with where something is needed: a usage error (exit 2), before any request. */
class NoCredentialsError extends Error {
  override readonly name = 'NoCredentialsError';
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
