/**
 * Caller authentication: `Authorization: Bearer <token>` where the token is an API key or a JWT. The
 * caller's credentials end here — they are never forwarded upstream.
 */
import type { ApiKey, ProxyConfig } from '../config.js';
import { ProxyError } from '../faults.js';
import { matchApiKey } from './api-keys.js';
import { createJwtVerifier, looksLikeJwt } from './jwt.js';
import type { Principal } from './principal.js';

export { mayRead, type Principal } from './principal.js';

/** Synchronous for API keys (the common, hot case); a promise only when a JWT must be verified. */
export type Authenticator = (authorization: string | undefined) => Principal | Promise<Principal>;

const ANONYMOUS: Principal = { id: 'anonymous', kind: 'anonymous', customers: '*' };
const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="batchwatch-proxy"' };

/** `keys`: the current API keys (they change when BATCHWATCH_API_KEYS_FILE does). */
export function createAuthenticator(
  auth: ProxyConfig['auth'],
  keys: () => readonly ApiKey[] = () => auth.apiKeys,
  fetchJwks: typeof fetch = globalThis.fetch,
): Authenticator {
  if (auth.mode === 'none') return () => ANONYMOUS;
  const verifyJwt = auth.jwt ? createJwtVerifier(auth.jwt, fetchJwks) : undefined;
  const matchKey = rememberedKeys(keys, auth.keyAcl);
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) throw new ProxyError(401, 'Unauthorized', 'send Authorization: Bearer <API key or token>', { headers: CHALLENGE });
    const byKey = matchKey(token);
    if (byKey) return byKey;
    if (verifyJwt && looksLikeJwt(token)) return verifyJwt(token);
    throw new ProxyError(401, 'Unauthorized', 'the API key or token is not valid', {
      headers: { 'WWW-Authenticate': 'Bearer realm="batchwatch-proxy", error="invalid_token"' },
    });
  };
}

/**
 * `matchApiKey`, remembering the tokens that matched until the keys change (a key file reload): hashing
 * the presented key was the largest share of the proxy's own work on a cache hit. Only valid tokens are
 * kept, so the memo holds at most one entry per configured key; an unknown token is hashed and compared in
 * constant time as before (whether a token is valid, the answer itself says).
 */
function rememberedKeys(keys: () => readonly ApiKey[], acl: ProxyConfig['auth']['keyAcl']): (token: string) => Principal | undefined {
  let memo = new Map<string, Principal>();
  let memoFor: readonly ApiKey[] | undefined;
  return (token) => {
    const current = keys();
    if (current !== memoFor) {
      memo = new Map();
      memoFor = current;
    }
    let principal = memo.get(token);
    if (principal) return principal;
    principal = matchApiKey(token, current, acl);
    if (principal) memo.set(token, principal);
    return principal;
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +([^\s]{1,8192})\s*$/i.exec(header);
  return match?.[1];
}
