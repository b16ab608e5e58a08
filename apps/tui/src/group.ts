/**
 * The watches of several batches shown together: one `WatchSession` per batch, run side by side, read as one
 * store (each batch's state, and their logs merged) by the interactive view. One batch is a group of one.
 */
import type { Outcome } from './exit-codes.js';
import type { WatchSession } from './session.js';
import { batchTags, mergeLogs, type TaggedLogEntry, type WatchState } from './state/index.js';

export type GroupMember = Pick<WatchSession, 'getState' | 'subscribe' | 'interrupt' | 'refresh' | 'run' | 'left'>;

export class WatchGroup {
  /** The batches' tags (`0127ed8e`), or none for a single batch: its view needs no names. */
  readonly tags: readonly (string | undefined)[];
  private states: readonly WatchState[];
  private log: readonly TaggedLogEntry[] = [];
  private readonly consumed: number[] = [];

  constructor(readonly sessions: readonly GroupMember[]) {
    this.states = sessions.map((session) => session.getState());
    const ids = this.states.map((state) => state.trackingId);
    this.tags = sessions.length > 1 ? batchTags(ids) : ids.map(() => undefined);
  }

  /** For useSyncExternalStore: a new array only when some batch's state changed. */
  readonly getStates = (): readonly WatchState[] => {
    const current = this.sessions.map((session) => session.getState());
    if (current.some((state, i) => state !== this.states[i])) this.states = current;
    return this.states;
  };

  /** Every batch's transitions, tagged, in the order they arrived; append-only. */
  readonly getLog = (): readonly TaggedLogEntry[] => {
    // One batch: its own log as it is (no copy per update of a long log).
    if (this.sessions.length === 1) return this.getStates()[0]!.log;
    this.log = mergeLogs(
      this.log,
      this.consumed,
      this.getStates().map((state) => state.log),
      this.tags,
    );
    return this.log;
  };

  readonly subscribe = (listener: () => void): (() => void) => {
    const stops = this.sessions.map((session) => session.subscribe(listener));
    return () => stops.forEach((stop) => stop());
  };

  /** Settles when the operator leaves (q interrupts every batch). */
  get left(): Promise<void> {
    return Promise.all(this.sessions.map((session) => session.left)).then(() => {});
  }

  interrupt(): void {
    for (const session of this.sessions) session.interrupt();
  }

  refresh(): void {
    for (const session of this.sessions) session.refresh();
  }

  run(): Promise<Outcome[]> {
    return Promise.all(this.sessions.map((session) => session.run()));
  }
}
