/** What caller authentication is configured with: key digests, customer grants, the JWT issuer. */
import { hash } from 'node:crypto';

export interface ApiKey {
  name: string;
  /** 8 hex digits of the key's SHA-256: which key a caller used, in logs, without revealing it. */
  id: string;
  /** SHA-256 of the key: the key itself is not kept. */
  digest: Buffer;
}

/** The customers a caller may read: every one (`*`), or a set of lower-cased GUIDs. */
export type CustomerAccess = '*' | ReadonlySet<string>;

export interface JwtConfig {
  issuer: string;
  audience: string;
  jwksUrl: URL;
  algorithms: string[];
  customersClaim: string;
  clockToleranceS: number;
  /** Least time between two JWKS fetches; an unknown `kid` or a failed signature refetches after it. */
  jwksCooldownMs: number;
  /** A fetched key set is used at most this long before it is fetched again. */
  jwksMaxAgeMs: number;
}

export function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}
