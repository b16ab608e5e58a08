/**
 * Path matching. Tolerant like the upstream: segments are compared case-insensitively (the doc's own example
 * says `batchjobstatus`), and empty segments are ignored (callers that join `…/v1/` with a Location header
 * starting with `/` send `//customers`, and Partner Center accepts it).
 */
export type Route =
  | { kind: 'batch-status'; customerId: string; trackingId: string }
  | { kind: 'create-batch'; customerId: string }
  | { kind: 'add-devices'; customerId: string; batchName: string }
  | { kind: 'list-batches'; customerId: string }
  | { kind: 'list-devices'; customerId: string; batchName: string };

/** The one method each route answers; anything else gets 405. */
export const routeMethods: Record<Route['kind'], 'GET' | 'POST'> = {
  'batch-status': 'GET',
  'create-batch': 'POST',
  'add-devices': 'POST',
  'list-batches': 'GET',
  'list-devices': 'GET',
};

/** Every method answered at the route's path, for a 405's `Allow`. */
export function allowedMethods(route: Route): string {
  return route.kind === 'batch-status' ? 'GET' : 'GET, POST';
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function segmentsOf(target: string): string[] {
  const path = target.split(/[?#]/, 1)[0] ?? '';
  return path
    .split('/')
    .filter((s) => s !== '')
    .map(decode);
}

/** The route at `target`; where a path has a list (GET) and an upload (POST), `method` picks one. */
export function matchRoute(target: string, method = 'GET'): Route | undefined {
  const s = segmentsOf(target);
  const lower = s.map((x) => x.toLowerCase());
  if (lower[0] !== 'v1' || lower[1] !== 'customers' || s[2] === undefined) return undefined;
  const customerId = s[2];
  if (s.length === 5 && lower[3] === 'batchjobstatus') return { kind: 'batch-status', customerId, trackingId: s[4] as string };
  const list = method.toUpperCase() === 'GET';
  if (s.length === 4 && lower[3] === 'devicebatches') return { kind: list ? 'list-batches' : 'create-batch', customerId };
  if (s.length === 6 && lower[3] === 'devicebatches' && lower[5] === 'devices') {
    return { kind: list ? 'list-devices' : 'add-devices', customerId, batchName: s[4] as string };
  }
  return undefined;
}

/** The status path of a batch, as the simulator serves it. */
export function statusPath(customerId: string, trackingId: string): string {
  return `/v1/customers/${customerId}/batchJobStatus/${trackingId}`;
}

/** The documented `Location` of a 202: relative, and without `/v1` (reference §3). */
export function locationOf(customerId: string, trackingId: string): string {
  return `/customers/${customerId}/batchJobStatus/${trackingId}`;
}
