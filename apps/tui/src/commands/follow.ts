/** `upload --watch`: follow what was just uploaded, in the same terminal, with the same upstream or the proxy. */
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_INTERVAL_MS, wantsColor } from '../args.js';
import type { WatchOptions } from '../args.js';
import { parseDuration } from '../duration.js';
import { DEFAULT_LOCALE, localeFromEnv, matchLocale } from '../i18n/index.js';
import { runWatch } from '../run.js';
import { UsageError, type CommandIO } from './index.js';
import type { TokenSource } from '@batchwatch/client';

export interface FollowRequest {
  customerId: string;
  trackingIds: string[];
  devicesFile?: string | undefined;
  values: {
    plain?: boolean | undefined;
    json?: boolean | undefined;
    export?: string | undefined;
    locale?: string | undefined;
    interval?: string | undefined;
    'exit-on-finish'?: boolean | undefined;
    'count-already-registered'?: boolean | undefined;
  };
  /** Where the reads go (the proxy, or Partner Center as the operator). */
  upstream: { baseUrl: string; auth?: TokenSource | undefined };
  io: CommandIO;
}

/** Follows the tracking ids (the first, until the view holds several) over `upstream`. */
export async function watchTrackingIds({ customerId, trackingIds, devicesFile, values, upstream, io }: FollowRequest): Promise<number> {
  const intervalMs = values.interval ? parseDuration(values.interval) : DEFAULT_INTERVAL_MS;
  if (intervalMs === undefined) throw new UsageError(`--interval must be a duration such as 5s, got "${values.interval}"`);
  const locale = values.locale ? matchLocale(values.locale) : (localeFromEnv(io.env) ?? DEFAULT_LOCALE);
  if (!locale) throw new UsageError(`unknown --locale "${values.locale}"`);
  const options: WatchOptions = {
    customerId,
    trackingId: trackingIds[0]!,
    baseUrl: upstream.baseUrl.replace(/\/+$/, ''),
    intervalMs,
    locale,
    output: values.json ? 'json' : values.plain ? 'plain' : 'auto',
    color: wantsColor(false, io.env),
    exitOnFinish: values['exit-on-finish'] === true,
    countAlreadyRegistered: values['count-already-registered'] === true,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    ...(devicesFile && { devicesFile }),
    ...(values.export && { exportPath: values.export }),
    ...(typeof upstream.auth === 'string' ? { token: upstream.auth } : typeof upstream.auth === 'object' && { credential: upstream.auth }),
  };
  if (trackingIds.length > 1)
    io.stderr.write(`batchwatch: following the first of ${trackingIds.length} uploads; the others: ${trackingIds.slice(1).join(' ')}\n`);
  return runWatch(options, { ...io, ...(io.fetch && { fetch: io.fetch }) });
}
