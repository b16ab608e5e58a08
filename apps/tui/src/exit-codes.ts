import { PartnerCenterError } from '@batchwatch/client';

/** The documented exit codes (README "Exit codes"). */
export const ExitCode = {
  /** The batch finished and no device failed. */
  Clean: 0,
  /** The batch finished and at least one device failed (or the batch says `finished_with_errors`); also unexpected failures. */
  DeviceErrors: 1,
  /** Bad arguments or options; nothing was requested. */
  Usage: 2,
  /** The batch or customer was not found, or the caller is not authorised (401, 403, 404, other 4xx, no token). */
  NotFoundOrAuth: 3,
  /** The watch timed out, or the upstream stayed unavailable (5xx, 429, network, malformed answers). */
  Unavailable: 4,
  /** Interrupted by the operator (q, Ctrl-C, SIGINT, SIGTERM). */
  Interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** How a watch ended. */
export type Outcome = { kind: 'finished'; clean: boolean } | { kind: 'interrupted' } | { kind: 'timeout'; afterMs: number } | { kind: 'error'; error: unknown };

/**
 * The base URL never gave any answer (connection refused, unknown host, TLS against an http port…) within
 * the first-answer deadline: a wrong URL fails instead of retrying forever over an empty table.
 */
export class NoAnswerError extends Error {
  override readonly name = 'NoAnswerError';

  constructor(
    /** `host:port` of the base URL. */
    readonly host: string,
    /** The last cause, as the client described it (`ECONNREFUSED`, `ENOTFOUND`…). */
    readonly description: string,
    readonly afterMs: number,
  ) {
    super(`${host} never answered in ${afterMs} ms: ${description}`);
  }
}

/** What kind of trouble an error is, in the words the operator acts on. */
export type ErrorClass = 'not-found' | 'auth' | 'token' | 'rejected' | 'unavailable' | 'bug';

export function classifyError(error: unknown): ErrorClass {
  if (error instanceof NoAnswerError) return 'unavailable';
  if (!(error instanceof PartnerCenterError)) return 'bug';
  if (error.kind === 'auth') return 'token';
  if (error.kind !== 'http') return 'unavailable';
  if (error.status === 404) return 'not-found';
  if (error.status === 401 || error.status === 403) return 'auth';
  if (error.retryable) return 'unavailable';
  return error.status >= 400 && error.status < 500 ? 'rejected' : 'unavailable';
}

export function exitCodeFor(outcome: Outcome): ExitCodeValue {
  switch (outcome.kind) {
    case 'finished':
      return outcome.clean ? ExitCode.Clean : ExitCode.DeviceErrors;
    case 'interrupted':
      return ExitCode.Interrupted;
    case 'timeout':
      return ExitCode.Unavailable;
    case 'error': {
      const kind = classifyError(outcome.error);
      if (kind === 'bug') return ExitCode.DeviceErrors;
      return kind === 'unavailable' ? ExitCode.Unavailable : ExitCode.NotFoundOrAuth;
    }
  }
}
