/**
 * The batch picker of `batchwatch list` and `batchwatch watch <customer>`: ↑/↓ (or j/k) to move, Space to mark
 * batches, Enter to follow the marked ones together (or the chosen one when none is marked), q or Esc to leave.
 * Batches this machine did not upload have no known tracking id (Partner Center's list carries none) and say so
 * instead of opening.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { useState } from 'react';
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

export function Picker({ customerId, batches, height, onPick }: PickerProps) {
  const { exit } = useApp();
  const [index, setIndex] = useState(0);
  const [note, setNote] = useState('');
  const [marked, setMarked] = useState<ReadonlySet<number>>(new Set());
  const choose = (picked: ListedBatch[] | undefined) => {
    onPick(picked);
    exit();
  };
  const NOT_HERE = 'no tracking id known for this batch: it was not uploaded from this machine';
  useInput((input, key) => {
    if (key.escape || input === 'q' || (key.ctrl && input === 'c')) return choose(undefined);
    if (key.upArrow || input === 'k') setIndex((i) => Math.max(0, i - 1));
    if (key.downArrow || input === 'j') setIndex((i) => Math.min(batches.length - 1, i + 1));
    if (key.pageUp) setIndex((i) => Math.max(0, i - height));
    if (key.pageDown) setIndex((i) => Math.min(batches.length - 1, i + height));
    if (input === ' ') {
      if (!batches[index]?.trackingIds.length) return setNote(NOT_HERE);
      setMarked((before) => toggle(before, index));
      setNote('');
    }
    if (key.return) {
      const picked = marked.size > 0 ? [...marked].sort((a, b) => a - b).map((i) => batches[i]!) : [batches[index]].filter((b) => b !== undefined);
      if (picked.length > 0 && picked.every((batch) => batch.trackingIds.length > 0)) return choose(picked);
      setNote(NOT_HERE);
    }
  });
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
