/**
 * The source table: every other locale must provide exactly these keys (checked by the compiler).
 * `{name}` placeholders are filled by `t()`.
 */
export const enUS = {
  'status.unknown': 'unknown',
  'status.queued': 'queued',
  'status.processing': 'processing',
  'status.finished': 'finished',
  'status.finished_with_errors': 'finished with errors',

  'header.title': 'batchwatch',
  'header.customer': 'Customer',
  'header.batch': 'Batch',
  'header.status': 'Status',
  'header.started': 'Started',
  'header.completed': 'Completed',
  'header.elapsed': 'Elapsed',
  'header.correlation': 'Correlation id',
  'header.source.connecting': 'connecting…',
  'header.source.sse': 'live events from the proxy (SSE)',
  'header.source.polling': 'polling every {interval}',
  'header.updated': 'updated {ago} ago',
  'header.waiting': 'waiting for the first answer…',

  'progress.done': '{done}/{total} devices done',
  'progress.none': 'no devices reported yet',

  'count.failed': 'failed',

  'table.serial': 'Serial number',
  'table.productKey': 'Product key',
  'table.status': 'Status',
  'table.error': 'Error',
  'table.range': 'Devices {from}–{to} of {total}',
  'table.empty': 'No devices reported yet.',
  'table.noMatch': 'No devices match.',
  'table.filterFailed': 'failed only',
  'table.search': 'serial contains “{query}”',

  'help.keys': 'q quit · f failed only · / search serial · r refresh · ↑↓ PgUp PgDn Home End scroll',
  'help.search': 'Search serial: {query}▏  Enter apply · Esc clear',

  'retry.throttled': 'Throttled by the upstream (429); retrying in {seconds}s — showing the last known state',
  'retry.http': 'The upstream answered {status}{code}; retrying in {seconds}s — showing the last known state',
  'retry.network': 'The upstream cannot be reached ({description}); retrying in {seconds}s — showing the last known state',
  'retry.timeout': 'The upstream did not answer in time; retrying in {seconds}s — showing the last known state',

  'log.watching': 'Watching batch {batch} of customer {customer} (correlation id {correlation})',
  'log.snapshot': 'Batch {status}: {done}/{total} devices done',
  'log.batch': 'Batch {from} → {to}',
  'log.deviceAdded': 'Device {device} appeared: {status}',
  'log.device': 'Device {device}: {from} → {to}',
  'log.deviceFailed': 'Device {device} failed: {error}',
  'log.devices': '{count} devices → {status} ({done}/{total} done)',
  'log.moreFailed': '… and {count} more failed devices (press f to list them)',
  'log.retrying': 'Upstream trouble: {problem}; retrying in {seconds}s',
  'log.recovered': 'The upstream answers again',
  'log.source.sse': 'Following the proxy’s live event stream (SSE)',
  'log.source.polling': 'Polling every {interval}',

  'end.clean': '✔ Batch finished: all {total} devices registered.',
  'end.errors': '✖ Batch finished with errors: {failed} of {total} devices failed.',
  'end.failedList': 'Failed devices:',
  'end.moreFailed': '… and {count} more (use --json for the full list)',
  'end.interrupted': 'Interrupted. Last known state: batch {status}, {done}/{total} devices done.',
  'end.timeout': '✖ Timed out after {duration}: batch still {status}, {done}/{total} devices done.',
  'end.notFound': '✖ Not found (HTTP {status}{code}): check the customer id and the batch tracking id. {description}',
  'end.auth': '✖ Not authorised (HTTP {status}{code}): check the token or credentials and the roles on this customer. {description}',
  'end.authToken': '✖ Could not get a token: {description}',
  'end.rejected': '✖ The upstream rejected the request (HTTP {status}{code}): {description}',
  'end.unavailable': '✖ The upstream is unavailable: {description}',
  'end.failure': '✖ Unexpected failure: {description}',
  'end.elapsed': 'Elapsed {elapsed} · correlation id {correlation}',
} as const;

export type MessageKey = keyof typeof enUS;
export type Messages = Readonly<Record<MessageKey, string>>;
