import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { scopeFor } from './clouds.js';
import { PartnerCenterError } from './errors.js';
import { raceAbort, safeTimeout, timeoutSignal } from './timers.js';

/** A bearer token, a function returning one, or a `TokenCredential` (e.g. `ClientSecretCredential`). */
export type TokenSource = string | (() => string | Promise<string>) | TokenCredential;

/**
 * The token for one attempt: at once when one is held (no promise), else a promise. `signal` ends this caller's
 * wait only (a refresh shared with other callers goes on); `renew` asks for a new token even if the held one
 * looks valid (after a 401).
 */
export type TokenProvider = (signal?: AbortSignal, renew?: boolean) => string | undefined | Promise<string | undefined>;

/** Tokens are renewed this long before they expire, so a request never leaves with a dying token. */
const REFRESH_MARGIN_MS = 2 * 60_000;

/**
 * Every wait for a token is bounded by `timeoutMs`, whether or not the credential or function honours its abort
 * signal (a `PartnerCenterError` of kind `timeout`); failures are of kind `auth`, retryable when they look transient.
 */
export function createTokenProvider(source: TokenSource | undefined, scopes: string | string[] = scopeFor('global'), timeoutMs = 30_000): TokenProvider {
  if (source === undefined) return () => undefined;
  if (typeof source === 'string') return () => source;
  const next = typeof source === 'function' ? async () => source() : cachedCredential(source, scopes, timeoutMs);
  return (signal, renew = false) => bounded(next(renew), signal, timeoutMs);
}

type TokenFetch = (renew: boolean) => string | Promise<string>;

/** Asks the credential once per token lifetime; concurrent callers share one refresh, under no caller's signal. */
function cachedCredential(credential: TokenCredential, scopes: string | string[], timeoutMs: number): TokenFetch {
  let current: AccessToken | undefined;
  let refreshing: Promise<string> | undefined;
  const refresh = async () => {
    try {
      const token = await credential.getToken(scopes, { abortSignal: timeoutSignal(timeoutMs) });
      if (!token) throw new Error('the credential returned no token');
      current = token;
      return token.token;
    } finally {
      refreshing = undefined;
    }
  };
  return (renew) => {
    if (renew && current) current = undefined;
    if (current && current.expiresOnTimestamp - REFRESH_MARGIN_MS > Date.now()) return current.token;
    return (refreshing ??= refresh());
  };
}

/** A held token as it is; else this caller's wait for one: its own abort and its own timeout. */
function bounded(token: string | Promise<string>, signal: AbortSignal | undefined, timeoutMs: number): string | Promise<string> {
  return typeof token === 'string' ? token : waitFor(token, signal, timeoutMs);
}

/** Failures as a PartnerCenterError: of kind `timeout` past `timeoutMs`, else of kind `auth`. */
async function waitFor(token: Promise<string>, signal: AbortSignal | undefined, timeoutMs: number): Promise<string> {
  const deadline = new AbortController();
  const timer = safeTimeout(() => deadline.abort(), timeoutMs);
  try {
    return await raceAbort(raceAbort(token, deadline.signal), signal);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (deadline.signal.aborted) throw new PartnerCenterError({ kind: 'timeout', description: `no token within ${timeoutMs} ms`, cause: error });
    throw new PartnerCenterError({
      kind: 'auth',
      description: `could not get a Partner Center token: ${(error as Error)?.message ?? error}`,
      cause: error,
      retryable: isTransient(error),
    });
  } finally {
    clearTimeout(timer);
  }
}

const TRANSIENT_CODE = /^(ECONN|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|ENETUNREACH|EHOSTUNREACH|UND_ERR)/;

/** A failure in transit (no answer, 429, 5xx) rather than a refusal (bad secret, unknown tenant). */
function isTransient(error: unknown): boolean {
  for (let cause = error, depth = 0; cause && depth < 5; cause = (cause as { cause?: unknown }).cause, depth++) {
    const { code, statusCode, name, message } = cause as { code?: unknown; statusCode?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && TRANSIENT_CODE.test(code)) return true;
    if (typeof statusCode === 'number' && (statusCode === 429 || statusCode >= 500)) return true;
    if (name === 'TimeoutError' || (name === 'TypeError' && message === 'fetch failed')) return true;
  }
  return false;
}
