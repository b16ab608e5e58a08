import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
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
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const jwks = createRemoteJWKSet(config.jwksUrl);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockToleranceS,
        requiredClaims: ['exp', 'sub'],
      }));
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

function verificationError(error: unknown): ProxyError {
  const code = (error as { code?: unknown })?.code;
  // The key set could not be fetched: the token may be fine, we cannot tell right now.
  if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JWKS_INVALID' || typeof code !== 'string' || !code.startsWith('ERR_J')) {
    return new ProxyError(503, 'ServiceUnavailable', 'caller tokens cannot be verified right now', { retryAfterMs: 5_000 });
  }
  const reason = code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid for this proxy';
  return new ProxyError(401, 'Unauthorized', reason, { headers: { 'WWW-Authenticate': 'Bearer realm="batchwatch-proxy", error="invalid_token"' } });
}
