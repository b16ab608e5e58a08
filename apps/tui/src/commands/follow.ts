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
  devicesFiles?: readonly string[] | undefined;
  values: {
    plain?: boolean | undefined;
    json?: boolean | undefined;
    export?: string | undefined;
    locale?: string | undefined;
    interval?: string | undefined;
    'exit-on-finish'?: boolean | undefined;
    'count-already-registered'?: boolean | undefined;
  };
  /** Where the reads go (the proxy, or Partner Center as the operator, with the sign-in's scope). */
  upstream: { baseUrl: string; auth?: TokenSource | undefined; scopes?: string | undefined };
  io: CommandIO;
}

/** Follows the tracking ids, all in one view, over `upstream`. */
export async function watchTrackingIds({ customerId, trackingIds, devicesFiles, values, upstream, io }: FollowRequest): Promise<number> {
  const intervalMs = values.interval ? parseDuration(values.interval) : DEFAULT_INTERVAL_MS;
  if (intervalMs === undefined) throw new UsageError(`--interval must be a duration such as 5s, got "${values.interval}"`);
  const locale = values.locale ? matchLocale(values.locale) : (localeFromEnv(io.env) ?? DEFAULT_LOCALE);
  if (!locale) throw new UsageError(`unknown --locale "${values.locale}"`);
  const options: WatchOptions = {
    customerId,
    trackingIds,
    baseUrl: upstream.baseUrl.replace(/\/+$/, ''),
    intervalMs,
    locale,
    output: values.json ? 'json' : values.plain ? 'plain' : 'auto',
    color: wantsColor(false, io.env),
    exitOnFinish: values['exit-on-finish'] === true,
    countAlreadyRegistered: values['count-already-registered'] === true,
    connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS,
    ...(devicesFiles?.length && { devicesFiles: [...devicesFiles] }),
    ...(values.export && { exportPath: values.export }),
    ...(typeof upstream.auth === 'string'
      ? { token: upstream.auth }
      : typeof upstream.auth === 'object' && { credential: upstream.auth, ...(upstream.scopes && { scopes: upstream.scopes }) }),
  };
  return runWatch(options, { ...io, ...(io.fetch && { fetch: io.fetch }) });
}
