import type { BatchStatus } from '@batchwatch/client';
import type { Tone } from '../output/format.js';

/** Every status has a glyph and a word as well as a colour: colour is never the only signal. */
export const statusGlyph: Readonly<Record<BatchStatus, string>> = {
  unknown: '?',
  queued: '◌',
  processing: '◐',
  finished: '✔',
  finished_with_errors: '✖',
};

export const statusColor: Readonly<Record<BatchStatus, string>> = {
  unknown: 'gray',
  queued: 'yellow',
  processing: 'cyan',
  finished: 'green',
  finished_with_errors: 'red',
};

export const toneColor: Readonly<Record<Tone, string | undefined>> = {
  info: 'cyan',
  good: 'green',
  bad: 'red',
  warn: 'yellow',
  muted: 'gray',
};

/** Pads or cuts to exactly `width` cells (our texts are single-width characters). */
export function fit(text: string, width: number, ellipsis = '…'): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length <= width) return text + ' '.repeat(width - chars.length);
  const room = Math.max(0, width - ellipsis.length);
  return `${chars.slice(0, room).join('')}${ellipsis}`.slice(0, width);
}
