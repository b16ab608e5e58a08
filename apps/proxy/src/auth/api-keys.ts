import { timingSafeEqual } from 'node:crypto';
import { sha256, type ApiKey, type CustomerAccess } from './types.js';
import type { Principal } from './principal.js';

const NOTHING: CustomerAccess = new Set<string>();

/**
 * Finds the key a bearer token matches. Both sides are SHA-256 digests of equal length, compared with
 * `timingSafeEqual`, and every key is compared (no early exit), so timing reveals neither the key nor which
 * key was close.
 */
export function matchApiKey(token: string, keys: readonly ApiKey[], acl: ReadonlyMap<string, CustomerAccess>): Principal | undefined {
  const digest = sha256(token);
  let found: ApiKey | undefined;
  for (const key of keys) {
    if (timingSafeEqual(digest, key.digest) && found === undefined) found = key;
  }
  if (!found) return undefined;
  return { id: `key:${found.name}`, kind: 'api-key', keyId: found.id, customers: acl.get(found.name) ?? NOTHING };
}
