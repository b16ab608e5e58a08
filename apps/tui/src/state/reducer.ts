/**
 * The view model: a pure reducer over watch events. Devices live in a Map by device key; each `reduce`
 * call takes every event of one flush (usually one poll) and copies the containers at most once, so a
 * 10,000-device batch costs one O(n) copy per flush, never per event, and the old state stays intact.
 */
import { type BatchStatus, type DeviceDetails, type DeviceStatus, type WatchEvent } from '@batchwatch/client';
import { deviceError, deviceVerdict, doneCount, label } from './selectors.js';
import type { BatchView, LogEntry, Progress, RetryInfo, StateInit, WatchAction, WatchState } from './types.js';

/** Per flush: up to this many device changes are logged one by one, more are grouped by status. */
export const SINGLE_LINES_PER_FLUSH = 10;
/** Per flush: failed devices logged one by one before a "… and N more" line. */
export const FAILED_LINES_PER_FLUSH = 20;

const ZERO_COUNTS: Readonly<Record<DeviceStatus, number>> = { unknown: 0, queued: 0, processing: 0, finished: 0, finished_with_errors: 0 };

export function initialState(init: StateInit): WatchState {
  return {
    customerId: init.customerId,
    trackingId: init.trackingId,
    correlationId: init.correlationId,
    intervalMs: init.intervalMs,
    watchStarted: init.now ?? new Date(),
    mode: 'connecting',
    devices: new Map(),
    order: [],
    failed: [],
    alreadyRegistered: [],
    countAlreadyRegistered: init.countAlreadyRegistered ?? false,
    viaProxy: init.viaProxy ?? false,
    sourceLogged: false,
    counts: ZERO_COUNTS,
    seq: 0,
    log: [],
  };
}

export function retryInfo(event: Extract<WatchEvent, { type: 'retrying' }>, viaProxy = false): RetryInfo {
  const { error } = event;
  const kind = error.status === 429 ? 'throttled' : error.kind === 'timeout' ? 'timeout' : error.status ? 'http' : 'network';
  const info: RetryInfo = { at: event.at, retryInMs: event.retryInMs, status: error.status, kind, description: error.description };
  if (error.code) info.code = error.code;
  if (viaProxy && (kind === 'network' || kind === 'timeout')) info.proxy = true;
  return info;
}

/**
 * Applies every action of one flush. Returns the same object when nothing changed. `observe` sees each
 * action with the progress right after it, without extra copies.
 */
export function reduce(state: WatchState, actions: readonly WatchAction[], observe?: (action: WatchAction, progress: Progress) => void): WatchState {
  if (actions.length === 0) return state;
  const draft = new Draft(state);
  for (const action of actions) {
    draft.apply(action);
    observe?.(action, draft.progress());
  }
  return draft.finish();
}

/** A copy-on-first-write working copy of one state, used only inside `reduce`. */
class Draft {
  private devices: Map<string, DeviceDetails> | undefined;
  private order: string[] | undefined;
  private readonly failed: TrackedKeys;
  private readonly already: TrackedKeys;
  private counts: Record<DeviceStatus, number> | undefined;
  private log: LogEntry[] | undefined;
  private next: WatchState;
  /** Device changes waiting to be logged (flushed before batch-level lines, and at the end). */
  private pending: Array<{ device: DeviceDetails; from?: DeviceStatus; newly?: 'failed' | 'already-registered' }> = [];
  private pendingAt = new Date(0);

  constructor(private readonly base: WatchState) {
    this.next = { ...base };
    this.failed = new TrackedKeys(base.failed);
    this.already = new TrackedKeys(base.alreadyRegistered);
  }

  apply(action: WatchAction): void {
    switch (action.type) {
      case 'snapshot':
        this.changed(action.seq, action.at);
        this.flushPending();
        this.snapshot(action.snapshot.devices, action.at);
        this.setBatch(action.snapshot);
        this.addLog(action.at, { kind: 'snapshot', status: action.snapshot.status, done: doneCount(this.counts!), total: this.keys().length });
        this.flushPending();
        return;
      case 'batch-status':
        this.changed(action.seq, action.at);
        this.flushPending();
        this.setBatch(action.snapshot, action.to);
        this.addLog(action.at, { kind: 'batch', from: action.from, to: action.to });
        return;
      case 'device-added':
        this.changed(action.seq, action.at);
        this.upsert(action.device, undefined, action.at);
        return;
      case 'device-status':
        this.changed(action.seq, action.at);
        this.upsert(action.device, action.from, action.at);
        return;
      case 'retrying': {
        const retry = retryInfo(action, this.base.viaProxy);
        if (!this.next.retry) this.addLog(action.at, { kind: 'retrying', retry });
        this.next.retry = retry;
        return;
      }
      case 'alive':
        this.recovered(action.at);
        this.answered(action.at);
        this.next.lastUpdate = action.at;
        return;
      case 'source':
        this.next.mode = action.mode;
        // "Polling every 5 s" is news only once something answers (not before a 401).
        this.next.sourceLogged = false;
        if (this.next.lastUpdate) this.answered(action.at);
        return;
      case 'end':
        this.flushPending();
        this.next.outcome = action.outcome;
        return;
    }
  }

  progress(): Progress {
    return { done: doneCount(this.counts ?? this.base.counts), total: this.keys().length, failed: this.failed.current().length };
  }

  finish(): WatchState {
    this.flushPending();
    if (this.devices) this.next.devices = this.devices;
    if (this.order) this.next.order = this.order;
    this.next.failed = this.failed.current();
    this.next.alreadyRegistered = this.already.current();
    if (this.counts) this.next.counts = this.counts;
    if (this.log) this.next.log = this.log;
    return this.next;
  }

  /** The first answer after the source was chosen: now say how the batch is followed. */
  private answered(at: Date): void {
    if (this.next.sourceLogged || this.next.mode === 'connecting') return;
    this.next.sourceLogged = true;
    this.addLog(at, { kind: 'source', mode: this.next.mode, intervalMs: this.base.intervalMs });
  }

  private changed(seq: number, at: Date): void {
    this.recovered(at);
    this.answered(at);
    this.next.seq = Math.max(this.next.seq, seq);
    this.next.lastUpdate = at;
  }

  private recovered(at: Date): void {
    if (!this.next.retry) return;
    this.next.retry = undefined;
    this.addLog(at, { kind: 'recovered' });
  }

  private setBatch(snapshot: { status: BatchStatus; startedTime?: Date; completedTime?: Date }, status = snapshot.status): void {
    const batch: BatchView = { status };
    if (snapshot.startedTime) batch.startedTime = snapshot.startedTime;
    if (snapshot.completedTime) batch.completedTime = snapshot.completedTime;
    this.next.batch = batch;
  }

  /** A full snapshot replaces the device set (first answer, or a source that started over). */
  private snapshot(devices: readonly DeviceDetails[], at: Date): void {
    this.devices = new Map();
    this.order = [];
    this.failed.reset();
    this.already.reset();
    this.counts = { ...ZERO_COUNTS };
    this.pending = [];
    for (const device of devices) {
      if (!this.devices.has(device.key)) this.order.push(device.key);
      this.devices.set(device.key, device);
    }
    for (const device of this.devices.values()) {
      this.counts[device.status] += 1;
      const verdict = deviceVerdict(device, this.base.countAlreadyRegistered);
      if (verdict) {
        (verdict === 'failed' ? this.failed : this.already).add(device.key);
        this.pending.push({ device, newly: verdict });
      }
    }
    this.pendingAt = at;
  }

  private upsert(device: DeviceDetails, from: DeviceStatus | undefined, at: Date): void {
    const devices = (this.devices ??= new Map(this.base.devices));
    const counts = (this.counts ??= { ...this.base.counts });
    const before = devices.get(device.key);
    if (before) counts[before.status] -= 1;
    else this.keysForWrite().push(device.key);
    devices.set(device.key, device);
    counts[device.status] += 1;

    const verdict = deviceVerdict(device, this.base.countAlreadyRegistered);
    const newlyFailed = verdict === 'failed' ? this.failed.add(device.key) : (this.failed.remove(device.key), false);
    const newlyAlready = verdict === 'already-registered' ? this.already.add(device.key) : (this.already.remove(device.key), false);
    const newly = newlyFailed ? 'failed' : newlyAlready ? 'already-registered' : undefined;
    this.pending.push({ device, ...(before || from ? { from: from ?? before!.status } : {}), ...(newly ? { newly } : {}) });
    this.pendingAt = at;
  }

  private keys(): readonly string[] {
    return this.order ?? this.base.order;
  }

  private keysForWrite(): string[] {
    return (this.order ??= [...this.base.order]);
  }

  /** Logs buffered device changes: failures one by one (capped), the rest one by one or grouped by status. */
  private flushPending(): void {
    if (this.pending.length === 0) return;
    const at = this.pendingAt;
    const failures = this.pending.filter((change) => change.newly === 'failed');
    const already = this.pending.filter((change) => change.newly === 'already-registered');
    const others = this.pending.filter((change) => !change.newly);
    this.pending = [];
    const counts = this.counts ?? this.base.counts;
    const total = this.keys().length;
    if (others.length <= SINGLE_LINES_PER_FLUSH) {
      for (const { device, from } of others) {
        if (from === undefined) this.addLog(at, { kind: 'device-added', device: label(device), status: device.status });
        else this.addLog(at, { kind: 'device', device: label(device), from, to: device.status });
      }
    } else {
      const byStatus = new Map<DeviceStatus, number>();
      for (const { device } of others) byStatus.set(device.status, (byStatus.get(device.status) ?? 0) + 1);
      for (const [status, count] of byStatus) this.addLog(at, { kind: 'devices', count, status, done: doneCount(counts), total });
    }
    for (const { device } of failures.slice(0, FAILED_LINES_PER_FLUSH)) {
      this.addLog(at, { kind: 'device-failed', device: label(device), error: deviceError(device) });
    }
    if (failures.length > FAILED_LINES_PER_FLUSH) this.addLog(at, { kind: 'more-failed', count: failures.length - FAILED_LINES_PER_FLUSH });
    if (already.length === 1) this.addLog(at, { kind: 'device-already', device: label(already[0]!.device) });
    else if (already.length > 1) this.addLog(at, { kind: 'devices-already', count: already.length });
  }

  private addLog(at: Date, entry: DistributiveOmit<LogEntry, 'id' | 'at'>): void {
    const log = (this.log ??= [...this.base.log]);
    log.push({ ...entry, id: log.length, at } as LogEntry);
  }
}

/** A copy-on-first-write key list with a set beside it: appends are cheap, removals rare. */
class TrackedKeys {
  private list: string[] | undefined;
  private set: Set<string> | undefined;

  constructor(private readonly base: readonly string[]) {}

  /** Adds the key; true when it was not there yet. */
  add(key: string): boolean {
    const set = (this.set ??= new Set(this.base));
    if (set.has(key)) return false;
    set.add(key);
    (this.list ??= [...this.base]).push(key);
    return true;
  }

  remove(key: string): void {
    const set = (this.set ??= new Set(this.base));
    if (!set.delete(key)) return;
    this.list = this.current().filter((other) => other !== key);
  }

  reset(): void {
    this.list = [];
    this.set = new Set();
  }

  current(): readonly string[] {
    return this.list ?? this.base;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
