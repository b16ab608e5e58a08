/**
 * One watch from start to end, independent of how it is shown: runs the source, collects its events,
 * folds each flush into the state with one `reduce`, applies the deadline and the operator's interrupt,
 * and ends with an `Outcome`. The interactive UI subscribes to it (useSyncExternalStore); plain and
 * JSON outputs hook into `onEvent`/`onAction`.
 */
import type { WatchEvent } from '@batchwatch/client';
import { NoAnswerError, type Outcome } from './exit-codes.js';
import type { WatchSource } from './source/types.js';
import { initialState, isClean, reduce, type Progress, type StateInit, type WatchAction, type WatchState } from './state/index.js';

export interface SessionOptions extends StateInit {
  /** Give up after this long (outcome `timeout`); undefined = never. */
  timeoutMs?: number;
  /** Gather events for this long before one reduce/render; 0 = end of the current I/O turn (one poll). */
  flushMs?: number;
  /** Each event as it arrives (NDJSON must serialise SSE snapshots before later events update them). */
  onEvent?: (event: WatchEvent) => void;
  /** Each action once it is applied, with the progress right after it (plain lines). */
  onAction?: (action: WatchAction, progress: Progress) => void;
  /**
   * A watch that has had no answer at all (not even an HTTP error) after this long ends with a
   * `NoAnswerError` naming `host`; after a first answer, outages are waited out. Undefined = never.
   */
  firstAnswerMs?: number;
  /** `host:port` of the base URL, for the no-answer message. */
  host?: string;
}

const INTERRUPT = Symbol('interrupt');
const TIMEOUT = Symbol('timeout');
const NO_ANSWER = Symbol('no answer');

export class WatchSession {
  private state: WatchState;
  private pending: WatchAction[] = [];
  private flushTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly controller = new AbortController();

  constructor(
    private readonly source: WatchSource,
    private readonly options: SessionOptions,
  ) {
    this.state = initialState(options);
  }

  /** For useSyncExternalStore: the state object changes only on a flush. */
  readonly getState = (): WatchState => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private markLeft!: () => void;
  /** Settles when the operator leaves (q, Ctrl-C, a signal), also after the batch has ended. */
  readonly left = new Promise<void>((resolve) => (this.markLeft = resolve));

  /**
   * The operator quit (q, Ctrl-C, SIGINT…): a running watch ends with outcome `interrupted`; after the
   * end (the live view kept for browsing) it means "leave", and the state says so (`left`).
   */
  interrupt(): void {
    this.controller.abort(INTERRUPT);
    this.markLeft();
    if (this.state.outcome && !this.state.left) {
      this.state = { ...this.state, left: true };
      for (const listener of this.listeners) listener();
    }
  }

  refresh(): void {
    this.source.refresh();
  }

  async run(): Promise<Outcome> {
    const { signal } = this.controller;
    const deadline = this.options.timeoutMs ? setTimeout(() => this.controller.abort(TIMEOUT), this.options.timeoutMs) : undefined;
    const { firstAnswerMs } = this.options;
    const noAnswer = firstAnswerMs ? setTimeout(() => this.controller.abort(NO_ANSWER), firstAnswerMs) : undefined;
    // Any answer counts, an HTTP error too: the host is there and the problem is of another kind.
    let lastCause = 'ETIMEDOUT';
    const answered = () => clearTimeout(noAnswer);
    let outcome: Outcome;
    try {
      await this.source.run(
        {
          event: (event) => {
            if (event.type !== 'retrying' || event.error.status > 0) answered();
            else lastCause = event.error.description;
            this.options.onEvent?.(event);
            this.push(event);
          },
          alive: (at) => {
            answered();
            this.push({ type: 'alive', at });
          },
          mode: (mode) => this.push({ type: 'source', mode, at: new Date() }),
        },
        signal,
      );
      this.flush();
      outcome = { kind: 'finished', clean: isClean(this.state) };
    } catch (error) {
      if (signal.reason === INTERRUPT) outcome = { kind: 'interrupted' };
      else if (signal.reason === TIMEOUT) outcome = { kind: 'timeout', afterMs: this.options.timeoutMs! };
      else if (signal.reason === NO_ANSWER) outcome = { kind: 'error', error: new NoAnswerError(this.options.host ?? '?', lastCause, firstAnswerMs!) };
      else outcome = { kind: 'error', error };
    } finally {
      clearTimeout(deadline);
      clearTimeout(noAnswer);
      if (!signal.aborted) this.controller.abort(new Error('the watch ended'));
    }
    this.push({ type: 'end', outcome, at: new Date() });
    this.flush();
    return outcome;
  }

  private push(action: WatchAction): void {
    this.pending.push(action);
    if (this.flushTimer) return;
    const flushMs = this.options.flushMs ?? 0;
    this.flushTimer = flushMs > 0 ? setTimeout(() => this.flush(), flushMs) : setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      clearImmediate(this.flushTimer as NodeJS.Immediate);
      this.flushTimer = undefined;
    }
    if (this.pending.length === 0) return;
    const actions = this.pending;
    this.pending = [];
    this.state = reduce(this.state, actions, this.options.onAction);
    for (const listener of this.listeners) listener();
  }
}
