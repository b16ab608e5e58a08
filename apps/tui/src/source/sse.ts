/**
 * The proxy's live event stream (`GET …/batchJobStatus/{id}/events`, text/event-stream). Its wire events carry
 * raw Partner Center bodies; they are normalised with the client's `normalizeBatch`/`normalizeDevice` into
 * the same `WatchEvent`s that polling produces, against a `BatchDetails` kept up to date here.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { normalizeBatch, parsePartnerCenterTime, PartnerCenterError, type BatchDetails, type DeviceDetails } from '@batchwatch/client';
import { describeNetworkError, errorFromResponse, normalizeDevice, normalizeStatus, sleep, type TokenProvider } from '@batchwatch/client/internal';
import type { BatchEvent, BatchUploadDetails, DeviceUploadDetails } from '@batchwatch/openapi';
import { reconnectDelay, Sequencer } from './sequencer.js';
import type { SourceHandlers, WatchSource } from './types.js';

export interface SseConfig {
  baseUrl: string;
  customerId: string;
  trackingId: string;
  correlationId: string;
  locale: string;
  getToken: TokenProvider;
  fetch?: typeof fetch;
  /** Time allowed for the response headers; default 30 s. */
  connectTimeoutMs?: number;
  /** A stream silent for this long (no event, no heartbeat) is presumed dead and reopened; default 45 s. */
  idleTimeoutMs?: number;
}

export type ConnectResult = { kind: 'stream'; response: Response } | { kind: 'other'; response: Response };

function eventsUrl(config: Pick<SseConfig, 'baseUrl' | 'customerId' | 'trackingId'>): string {
  const base = config.baseUrl.replace(/\/+$/, '');
  return `${base}/v1/customers/${encodeURIComponent(config.customerId)}/batchJobStatus/${encodeURIComponent(config.trackingId)}/events`;
}

function isEventStream(response: Response): boolean {
  return response.ok && (response.headers.get('content-type') ?? '').toLowerCase().startsWith('text/event-stream');
}

/** Opens the stream. Network failures and a missing answer become a retryable `PartnerCenterError`. */
export async function connectEvents(config: SseConfig, signal: AbortSignal, lastEventId?: string): Promise<ConnectResult> {
  const headers: Record<string, string> = {
    Accept: 'text/event-stream',
    'Cache-Control': 'no-cache',
    'MS-CorrelationId': config.correlationId,
    'X-Locale': config.locale,
    'MS-PartnerCenter-Application': 'batchwatch',
  };
  const token = await config.getToken(signal);
  if (token) headers.Authorization = `Bearer ${token}`;
  if (lastEventId) headers['Last-Event-ID'] = lastEventId;
  const timeout = AbortSignal.timeout(config.connectTimeoutMs ?? 30_000);
  // The connection itself must outlive the connect timeout, so only the wait for headers races it.
  const connection = new AbortController();
  const onAbort = () => connection.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const onTimeout = () => connection.abort(timeout.reason);
  timeout.addEventListener('abort', onTimeout, { once: true });
  try {
    const response = await (config.fetch ?? fetch)(eventsUrl(config), { headers, signal: connection.signal });
    return { kind: isEventStream(response) ? 'stream' : 'other', response };
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const timedOut = timeout.aborted;
    throw new PartnerCenterError({
      kind: timedOut ? 'timeout' : 'network',
      description: timedOut ? 'the event stream did not answer in time' : describeNetworkError(error),
      correlationId: config.correlationId,
      cause: error,
    });
  } finally {
    timeout.removeEventListener('abort', onTimeout);
    signal.removeEventListener('abort', onAbort);
  }
}

/** A non-stream answer as the client would report it (ApiFault or gateway body, `Retry-After`). */
export async function responseError(response: Response, correlationId: string): Promise<PartnerCenterError> {
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain text is fine
  }
  return errorFromResponse(response, body, { correlationId });
}

/**
 * Follows the stream until `done`, reopening it (with `Last-Event-ID`) when it drops; the proxy then
 * replays what was missed or sends a fresh snapshot, which the sequencer turns into the missing changes.
 * `initial` is a response already opened by the caller (the probe that chose SSE).
 */
export function createSseSource(config: SseConfig, initial?: Response): WatchSource {
  let connection: AbortController | undefined;
  let refreshRequested = false;
  return {
    async run(handlers: SourceHandlers, signal: AbortSignal): Promise<void> {
      handlers.mode('sse');
      const stream = new StreamState(handlers, config.correlationId);
      let pending = initial;
      let failures = 0;
      for (;;) {
        let response = pending;
        pending = undefined;
        if (!response) {
          const lastEventId = refreshRequested ? undefined : stream.lastEventId;
          refreshRequested = false;
          let result: ConnectResult;
          try {
            result = await connectEvents(config, signal, lastEventId);
          } catch (error) {
            if (signal.aborted || !(error instanceof PartnerCenterError)) throw error;
            failures += 1;
            await stream.retry(error, reconnectDelay(failures), signal);
            continue;
          }
          if (result.kind === 'other') {
            const error = await responseError(result.response, config.correlationId);
            if (!error.retryable) throw error;
            failures += 1;
            await stream.retry(error, Math.max(error.retryAfterMs ?? 0, reconnectDelay(failures)), signal);
            continue;
          }
          response = result.response;
        }
        connection = new AbortController();
        const ended = await stream.consume(response, AbortSignal.any([signal, connection.signal]), config.idleTimeoutMs ?? 45_000);
        if (ended === 'done') return;
        if (signal.aborted) throw signal.reason;
        if (ended === 'refresh') continue;
        failures += 1;
        const error = new PartnerCenterError({ kind: 'network', description: 'the event stream was interrupted', correlationId: config.correlationId });
        await stream.retry(error, reconnectDelay(failures), signal);
      }
    },
    refresh() {
      // A fresh connection without Last-Event-ID gets the proxy's current snapshot.
      refreshRequested = true;
      connection?.abort(new Error('refresh'));
    },
  };
}

type Ended = 'done' | 'closed' | 'refresh';

/** The batch as known from the stream, and the conversion of wire events into `WatchEvent`s. */
class StreamState {
  lastEventId: string | undefined;
  private readonly sequencer: Sequencer;
  private batch: BatchDetails | undefined;
  private index = new Map<string, number>();

  constructor(
    private readonly handlers: SourceHandlers,
    private readonly correlationId: string,
  ) {
    this.sequencer = new Sequencer(handlers.event);
  }

  async retry(error: PartnerCenterError, retryInMs: number, signal: AbortSignal): Promise<void> {
    this.sequencer.retrying(error, retryInMs);
    await sleep(retryInMs, signal);
  }

  async consume(response: Response, signal: AbortSignal, idleTimeoutMs: number): Promise<Ended> {
    this.handlers.alive(new Date());
    let done = false;
    const parser = createParser({
      onEvent: (message) => {
        if (this.onMessage(message)) done = true;
      },
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let idle: NodeJS.Timeout | undefined;
    const idleAbort = new AbortController();
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => idleAbort.abort(new Error('idle')), idleTimeoutMs);
    };
    const stop = () => void reader.cancel().catch(() => {});
    const abortAll = AbortSignal.any([signal, idleAbort.signal]);
    abortAll.addEventListener('abort', stop, { once: true });
    try {
      armIdle();
      while (!done) {
        const { value, done: eof } = await reader.read();
        if (eof) break;
        armIdle();
        parser.feed(value);
      }
    } catch {
      // a reset connection reads as a closed stream; the caller decides whether to reopen
    } finally {
      clearTimeout(idle);
      abortAll.removeEventListener('abort', stop);
      if (done) stop();
    }
    if (done) return 'done';
    if (!signal.aborted) return 'closed';
    return (signal.reason as Error)?.message === 'refresh' ? 'refresh' : 'closed';
  }

  /** Handles one wire event; true when it was `done`. */
  private onMessage(message: EventSourceMessage): boolean {
    let data: BatchEvent;
    try {
      data = JSON.parse(message.data) as BatchEvent;
    } catch {
      return false; // not ours to interpret; the next snapshot or poll restores consistency
    }
    const type = message.event ?? data.type;
    if (message.id) this.lastEventId = message.id;
    const at = 'at' in data && typeof data.at === 'string' ? new Date(data.at) : new Date();
    this.handlers.alive(new Date());
    switch (type) {
      case 'snapshot':
        this.full((data as Extract<BatchEvent, { type: 'snapshot' }>).snapshot, at);
        return false;
      case 'done':
        this.full((data as Extract<BatchEvent, { type: 'done' }>).snapshot, at);
        return true;
      case 'batch-status':
        this.batchStatus(data as Extract<BatchEvent, { type: 'batch-status' }>, at);
        return false;
      case 'device-added':
      case 'device-status':
        this.device(data as Extract<BatchEvent, { type: 'device-added' | 'device-status' }>, at);
        return false;
      case 'retrying':
        this.retrying(data as Extract<BatchEvent, { type: 'retrying' }>, at);
        return false;
      default:
        return false;
    }
  }

  private full(raw: BatchUploadDetails, at: Date): void {
    const batch = normalizeBatch(raw);
    // The tracked batch owns a private device array: later events update it in place.
    batch.raw = { ...raw, devicesStatus: [...(raw.devicesStatus ?? [])] };
    this.batch = batch;
    this.index = new Map(batch.devices.map((device, position) => [device.key, position]));
    this.sequencer.full(batch, at);
  }

  private batchStatus(event: Extract<BatchEvent, { type: 'batch-status' }>, at: Date): void {
    const batch = this.ensureBatch();
    batch.status = normalizeStatus(event.to);
    batch.rawStatus = String(event.to);
    batch.raw.status = event.to as BatchUploadDetails['status'];
    if (event.startedTime !== undefined) setTime(batch, 'startedTime', event.startedTime);
    if (event.completedTime !== undefined) setTime(batch, 'completedTime', event.completedTime);
    this.sequencer.change({ type: 'batch-status', from: normalizeStatus(event.from), to: batch.status, seq: 0, at, snapshot: batch }, batch);
  }

  private device(event: Extract<BatchEvent, { type: 'device-added' | 'device-status' }>, at: Date): void {
    const batch = this.ensureBatch();
    const position = this.index.get(normalizeDevice(event.device, batch.devices.length).key);
    const device = normalizeDevice(event.device, position ?? batch.devices.length);
    const previous = position === undefined ? undefined : batch.devices[position];
    this.store(batch, device, event.device, position);
    if (event.type === 'device-status' || previous) {
      const from = event.type === 'device-status' ? normalizeStatus(event.from) : previous!.status;
      this.sequencer.change({ type: 'device-status', from, device, seq: 0, at, snapshot: batch }, batch);
    } else {
      this.sequencer.change({ type: 'device-added', device, seq: 0, at, snapshot: batch }, batch);
    }
  }

  private store(batch: BatchDetails, device: DeviceDetails, raw: DeviceUploadDetails, position: number | undefined): void {
    const rawDevices = (batch.raw.devicesStatus ??= []);
    if (position === undefined) {
      this.index.set(device.key, batch.devices.length);
      batch.devices.push(device);
      rawDevices.push(raw);
    } else {
      batch.devices[position] = device;
      rawDevices[position] = raw;
    }
  }

  private retrying(event: Extract<BatchEvent, { type: 'retrying' }>, at: Date): void {
    const error = new PartnerCenterError({
      kind: event.status ? 'http' : 'network',
      status: event.status,
      code: event.code,
      description: event.description ?? (event.status ? `HTTP ${event.status}` : 'the upstream cannot be reached'),
      correlationId: this.correlationId,
    });
    this.sequencer.retrying(error, event.retryInMs, at);
  }

  /** Events before any snapshot (a proxy that skipped it) start from an empty batch. */
  private ensureBatch(): BatchDetails {
    if (!this.batch) this.full({ batchTrackingId: '', status: 'unknown', devicesStatus: [] } as BatchUploadDetails, new Date());
    return this.batch!;
  }
}

function setTime(batch: BatchDetails, field: 'startedTime' | 'completedTime', value: string | null): void {
  const time = parsePartnerCenterTime(value);
  if (time) batch[field] = time;
  else delete batch[field];
  (batch.raw as Record<string, unknown>)[field] = value;
}
