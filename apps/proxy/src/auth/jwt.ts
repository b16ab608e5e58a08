import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload } from 'jose';
import { isGuid } from '@batchwatch/client';
import type { CustomerAccess, JwtConfig } from './types.js';
import { ProxyError } from '../faults.js';
import type { Principal } from './principal.js';

export type JwtVerifier = (token: string) => Promise<Principal>;

/** A JWT has three base64url parts; an API key is anything else. */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * Verifies caller JWTs against the issuer's JWKS. The key set is created ONCE (jose caches keys and rate-limits
 * refetches); algorithms are pinned so a token cannot choose how it is checked; issuer and audience are required.
 *
 * Key rotation: jose refetches by itself for an unknown `kid`; a signature that fails under a KNOWN `kid` (the
 * issuer replaced the key behind it) refetches here, once, when the cool-down since the last fetch has passed.
 * Either way a rotation is seen within `jwksCooldownMs`, without a restart.
 */
export function createJwtVerifier(config: JwtConfig, fetchJwks: typeof fetch = globalThis.fetch): JwtVerifier {
  const jwks = createRemoteJWKSet(config.jwksUrl, {
    cooldownDuration: config.jwksCooldownMs,
    cacheMaxAge: config.jwksMaxAgeMs,
    [customFetch]: (url, options) => fetchJwks(url, options),
  });
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: config.algorithms,
    clockTolerance: config.clockToleranceS,
    requiredClaims: ['exp', 'sub'],
  };
  const verify = async (token: string): Promise<JWTPayload> => {
    try {
      return (await jwtVerify(token, jwks, options)).payload;
    } catch (error) {
      if ((error as { code?: unknown })?.code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || jwks.coolingDown) throw error;
      await jwks.reload();
      return (await jwtVerify(token, jwks, options)).payload;
    }
  };
  return async (token) => {
    let payload: JWTPayload;
    try {
      payload = await verify(token);
    } catch (error) {
      throw verificationError(error);
    }
    return { id: `jwt:${payload.sub}`, kind: 'jwt', customers: customersOf(payload[config.customersClaim]) };
  };
}

/** The customers claim: an array or a space-separated string of GUIDs; `*` grants every customer. */
export function customersOf(claim: unknown): CustomerAccess {
  const values = Array.isArray(claim) ? claim : typeof claim === 'string' ? claim.split(/\s+/) : [];
  const texts = values.filter((value): value is string => typeof value === 'string' && value !== '');
  if (texts.includes('*')) return '*';
  return new Set(texts.filter(isGuid).map((id) => id.toLowerCase()));
}

/**
 * jose's codes for "the key set could not be had": a hanging JWKS, one that is not a key set, and (generic)
 * a non-200 answer or a body that is not JSON. Then the token may well be fine: 503, not 401.
 */
const JWKS_UNAVAILABLE = new Set(['ERR_JWKS_TIMEOUT', 'ERR_JWKS_INVALID', 'ERR_JOSE_GENERIC']);

function verificationError(error: unknown): ProxyError {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_J') || JWKS_UNAVAILABLE.has(code)) {
    return new ProxyError(503, 'ServiceUnavailable', 'caller tokens cannot be verified right now', { retryAfterMs: 5_000 });
  }
  const reason = code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid for this proxy';
  return new ProxyError(401, 'Unauthorized', reason, { headers: { 'WWW-Authenticate': 'Bearer realm="batchwatch-proxy", error="invalid_token"' } });
}
