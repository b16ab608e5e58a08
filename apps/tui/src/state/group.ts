/**
 * Several batches in one watch: pure questions about the group (which tag names a batch, one line of progress
 * per batch, which batch the selection moves to, the group's exit code). One `WatchState` per batch stays the
 * unit of everything else.
 */
import { doneCount, verdictStatus } from './selectors.js';
import type { BatchView, LogEntry, WatchState } from './types.js';

/** Characters of a tracking id shown as its tag, at least; more when two ids begin alike. */
const TAG_LENGTH = 8;

/** The shortest prefixes (≥ `TAG_LENGTH`) that tell the ids apart: `0127ed8e`, or longer for look-alikes. */
export function batchTags(ids: readonly string[]): string[] {
  let length = TAG_LENGTH;
  const longest = Math.max(0, ...ids.map((id) => id.length));
  const distinct = new Set(ids.map((id) => id.toLowerCase())).size;
  while (length < longest && new Set(ids.map((id) => id.slice(0, length).toLowerCase())).size < distinct) length += 1;
  return ids.map((id) => id.slice(0, length));
}

/** One batch's line in the group: its verdict, devices done of total, the share done and the failed count. */
export interface BatchProgress {
  status?: BatchView['status'];
  /** The watch of this batch ended without a verdict (not found, no answer, timed out). */
  problem: boolean;
  done: number;
  total: number;
  /** 0–1; 0 while the batch has no devices yet. */
  share: number;
  failed: number;
}

export function batchProgress(state: Pick<WatchState, 'batch' | 'counts' | 'order' | 'failed' | 'alreadyRegistered' | 'outcome'>): BatchProgress {
  const done = doneCount(state.counts);
  const total = state.order.length;
  const status = verdictStatus(state);
  return {
    ...(status && { status }),
    problem: state.outcome !== undefined && state.outcome.kind !== 'finished' && state.outcome.kind !== 'interrupted',
    done,
    total,
    share: total === 0 ? 0 : done / total,
    failed: state.failed.length,
  };
}

/** The selected batch after `delta` steps (Tab +1, Shift-Tab −1), wrapping around. */
export function moveSelection(selected: number, delta: number, count: number): number {
  if (count <= 0) return 0;
  return (((selected + delta) % count) + count) % count;
}

/** The group's exit code: the worst of its batches', which is the highest (130 when interrupted). */
export function worstExitCode(codes: readonly number[]): number {
  return Math.max(0, ...codes);
}

/** A log entry of one batch of several: the batch's tag goes in front of its text. */
export type TaggedLogEntry = LogEntry & { tag?: string };

/**
 * The batches' logs as one append-only log, in the order entries arrived: `consumed` counts what was taken of
 * each batch's log already. Returns the same array when nothing is new (for `<Static>` and memoised views).
 */
export function mergeLogs(
  merged: readonly TaggedLogEntry[],
  consumed: number[],
  logs: readonly (readonly LogEntry[])[],
  tags: readonly (string | undefined)[],
): readonly TaggedLogEntry[] {
  let next: TaggedLogEntry[] | undefined;
  logs.forEach((log, i) => {
    const from = consumed[i] ?? 0;
    if (log.length <= from) return;
    next ??= [...merged];
    for (const entry of log.slice(from)) {
      const tag = tags[i];
      next.push({ ...entry, id: next.length, ...(tag !== undefined && { tag }) });
    }
    consumed[i] = log.length;
  });
  return next ?? merged;
}
