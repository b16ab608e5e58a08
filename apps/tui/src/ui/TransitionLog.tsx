import { Static, Text } from 'ink';
import type { Locale, Translate } from '../i18n/index.js';
import { clockTime, logText, logTone } from '../output/format.js';
import type { TaggedLogEntry } from '../state/index.js';
import { toneColor } from './theme.js';

/**
 * Word-wraps `text` to `width` columns (our texts are single-width characters). Done here rather than by
 * Ink because Ink's wrap-ansi costs milliseconds per long line on every frame that prints the log.
 */
export function wrapLine(text: string, width: number): string {
  const lines: string[] = [];
  let rest = text;
  while ([...rest].length > width && width > 0) {
    const head = [...rest].slice(0, width + 1).join('');
    const space = head.lastIndexOf(' ');
    const cut = space > 0 ? space : [...rest].slice(0, width).join('').length;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines.join('\n');
}

/**
 * The transition log, written once above the live area by `<Static>` and kept in the terminal's
 * scrollback; it never counts against the live area's height.
 */
export function TransitionLog({ entries, t, locale, columns }: { entries: readonly TaggedLogEntry[]; t: Translate; locale: Locale; columns: number }) {
  return (
    <Static items={entries as TaggedLogEntry[]}>
      {(entry) => {
        const { time, text } = logLine(entry, t, locale, columns);
        return (
          <Text key={entry.id}>
            <Text dimColor>{time}</Text> <Text color={toneColor[logTone(entry)]}>{indentContinuation(text, time.length + 1)}</Text>
          </Text>
        );
      }}
    </Static>
  );
}

/** One log entry: its clock time and its text (after its batch's tag, when several) wrapped to the width beside it. */
function logLine(entry: TaggedLogEntry, t: Translate, locale: Locale, columns: number): { time: string; text: string } {
  const time = clockTime(entry.at, locale);
  const text = entry.tag === undefined ? logText(t, entry) : `[${entry.tag}] ${logText(t, entry)}`;
  return { time, text: wrapLine(text, Math.max(1, columns - time.length - 1)) };
}

/** The log as plain text (reprinted after a resize that would leave ghosts). */
export function logPlainText(entries: readonly TaggedLogEntry[], t: Translate, locale: Locale, columns: number): string {
  return entries
    .map((entry) => {
      const { time, text } = logLine(entry, t, locale, columns);
      return `${time} ${indentContinuation(text, time.length + 1)}\n`;
    })
    .join('');
}

function indentContinuation(text: string, indent: number): string {
  return text.replace(/\n/g, `\n${' '.repeat(indent)}`);
}
