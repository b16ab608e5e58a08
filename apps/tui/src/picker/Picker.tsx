/**
 * The batch picker of `batchwatch list` and `batchwatch watch <customer>`: ↑/↓ (or j/k) to move, Space to mark
 * batches, Enter to follow the marked ones together (or the chosen one when none is marked), q or Esc to leave.
 * Batches this machine did not upload have no known tracking id (Partner Center's list carries none) and say so
 * instead of opening.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { useRef, useState } from 'react';
import type { ListedBatch } from '../commands/list.js';
import { safeText } from '../output/safe.js';

export interface PickerProps {
  customerId: string;
  batches: readonly ListedBatch[];
  /** Rows shown at once. */
  height: number;
  /** The batches to follow (one or several), or undefined when the operator left. */
  onPick: (batches: ListedBatch[] | undefined) => void;
}

const clean = safeText; // untrusted names: control characters never reach the terminal
const NOT_HERE = 'no tracking id known for this batch: it was not uploaded from this machine';

interface PickerView {
  index: number;
  marked: ReadonlySet<number>;
  note: string;
}

export function Picker({ customerId, batches, height, onPick }: PickerProps) {
  const { exit } = useApp();
  const [view, setView] = useState<PickerView>({ index: 0, marked: new Set(), note: '' });
  // The latest view between renders: keys that arrive together each build on the one before.
  const latest = useRef(view);
  latest.current = view;
  const choose = (picked: ListedBatch[] | undefined) => {
    onPick(picked);
    exit();
  };
  useInput((input, key) => {
    if (key.escape || input === 'q' || (key.ctrl && input === 'c')) return choose(undefined);
    const { index, marked } = latest.current;
    const move = (to: number) => ({ ...latest.current, index: Math.min(Math.max(0, to), batches.length - 1) });
    let next = latest.current;
    if (key.upArrow || input === 'k') next = move(index - 1);
    if (key.downArrow || input === 'j') next = move(index + 1);
    if (key.pageUp) next = move(index - height);
    if (key.pageDown) next = move(index + height);
    if (input === ' ') next = batches[index]?.trackingIds.length ? { index, marked: toggle(marked, index), note: '' } : { ...next, note: NOT_HERE };
    if (key.return) {
      const picked = marked.size > 0 ? [...marked].sort((x, y) => x - y).map((i) => batches[i]!) : [batches[index]].filter((b) => b !== undefined);
      if (picked.length > 0 && picked.every((batch) => batch.trackingIds.length > 0)) return choose(picked);
      next = { ...next, note: NOT_HERE };
    }
    latest.current = next;
    setView(next);
  });
  const { index, marked, note } = view;
  const first = Math.min(Math.max(0, index - Math.floor(height / 2)), Math.max(0, batches.length - height));
  const visible = batches.slice(first, first + height);
  return (
    <Box flexDirection="column">
      <Text bold>
        Device batches of {customerId} ({batches.length}, newest first)
      </Text>
      {batches.length === 0 ? <Text>no device batches for this customer</Text> : null}
      {visible.map((batch, i) => {
        const selected = first + i === index;
        const when = batch.creationDate?.slice(0, 16).replace('T', ' ') ?? '-';
        const uploads = batch.trackingIds.length ? `${batch.trackingIds.length} upload${batch.trackingIds.length === 1 ? '' : 's'} here` : 'not uploaded here';
        return (
          <Text key={`${batch.id}#${first + i}`} inverse={selected} dimColor={!selected && batch.trackingIds.length === 0}>
            {selected ? '▸' : ' '}
            {marked.has(first + i) ? '✓ ' : '  '}
            {`${when}  ${String(batch.devicesCount).padStart(5)} devices  ${clean(batch.id)}  (${uploads})`}
          </Text>
        );
      })}
      <Text dimColor>
        {note ||
          (marked.size > 0
            ? `${marked.size} marked · Space mark · Enter follow the marked · q leave`
            : '↑↓ move · Space mark several · Enter follow · q leave')}
      </Text>
    </Box>
  );
}

function toggle(set: ReadonlySet<number>, index: number): ReadonlySet<number> {
  const next = new Set(set);
  if (!next.delete(index)) next.add(index);
  return next;
}
