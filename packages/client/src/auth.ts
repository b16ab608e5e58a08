import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { PARTNER_CENTER_SCOPE } from './clouds.js';
import { PartnerCenterError } from './errors.js';

/** A bearer token, a function returning one, or a `TokenCredential` (e.g. `ClientSecretCredential`). */
export type TokenSource = string | (() => string | Promise<string>) | TokenCredential;

export type TokenProvider = (signal?: AbortSignal) => Promise<string | undefined>;

/** Tokens are renewed this long before they expire, so a request never leaves with a dying token. */
const REFRESH_MARGIN_MS = 2 * 60_000;

export function isTokenCredential(source: TokenSource): source is TokenCredential {
  return typeof source === 'object' && source !== null && typeof source.getToken === 'function';
}

/** `timeoutMs` bounds each refresh of a credential's token: a token endpoint that never answers fails the call. */
export function createTokenProvider(
  source: TokenSource | undefined,
  scopes: string | string[] = PARTNER_CENTER_SCOPE,
  timeoutMs = 30_000,
): TokenProvider {
  if (source === undefined) return async () => undefined;
  if (typeof source === 'string') return async () => source;
  if (typeof source === 'function') return async () => source();
  return cachedCredential(source, scopes, timeoutMs);
}

/** Asks the credential once per token lifetime; concurrent callers share one refresh. */
function cachedCredential(credential: TokenCredential, scopes: string | string[], timeoutMs: number): TokenProvider {
  let current: AccessToken | undefined;
  let refreshing: Promise<AccessToken> | undefined;
  const refresh = (signal: AbortSignal | undefined) => {
    const deadline = AbortSignal.timeout(timeoutMs);
    return credential
      .getToken(scopes, { abortSignal: signal ? AbortSignal.any([signal, deadline]) : deadline })
      .then((token) => {
        if (!token) throw new Error('the credential returned no token');
        return (current = token);
      })
      .catch((error: unknown) => {
        throw new PartnerCenterError({ kind: 'auth', description: `could not get a Partner Center token: ${(error as Error).message}`, cause: error });
      })
      .finally(() => (refreshing = undefined));
  };
  return async (signal) => {
    if (current && current.expiresOnTimestamp - REFRESH_MARGIN_MS > Date.now()) return current.token;
    refreshing ??= refresh(signal);
    return (await refreshing).token;
  };
}
