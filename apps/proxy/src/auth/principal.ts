import type { CustomerAccess } from './types.js';

/** Who is calling, and which customers they may read. */
export interface Principal {
  /** Stable id for rate limits and logs: `key:<name>`, `jwt:<sub>` or `anonymous`. */
  id: string;
  kind: 'api-key' | 'jwt' | 'anonymous';
  /** Which API key (its id, see ApiKey), for logs. */
  keyId?: string;
  customers: CustomerAccess;
}

/** Has the caller been granted this customer? Decided before any cache or poller is consulted. */
export function mayRead(principal: Principal, customerId: string): boolean {
  return principal.customers === '*' || principal.customers.has(customerId.toLowerCase());
}
