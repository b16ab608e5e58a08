/** The proxy's batch routes: Express templates (for routing, metrics and logs) and the hot path's matcher. */
export const STATUS_ROUTE = '/v1/customers/:customerId/batchJobStatus/:trackingId';
export const EVENTS_ROUTE = '/v1/customers/:customerId/batchJobStatus/:trackingId/events';

/**
 * What Express routes to STATUS_ROUTE — case-insensitive (the documented example says `batchjobstatus`),
 * optional trailing slash — as one regex over the pathname, so the batch-status GET (the cache-hit path)
 * is answered by a single layer instead of a walk through the router.
 */
const STATUS_PATH = /^\/v1\/customers\/([^/]+)\/batchjobstatus\/([^/]+)\/?$/i;

/** The two raw (still %-encoded) id segments of a status path, or undefined. */
export function matchStatusPath(url: string | undefined): [string, string] | undefined {
  if (!url) return undefined;
  const query = url.indexOf('?');
  const match = STATUS_PATH.exec(query < 0 ? url : url.slice(0, query));
  return match ? [match[1]!, match[2]!] : undefined;
}
