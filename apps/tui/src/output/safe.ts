/**
 * Text from outside (serial numbers, product keys, error codes and descriptions, upstream messages) is
 * untrusted: a CSV author or an upstream can put escape sequences in it (`ESC ]0;title BEL` sets the
 * window title, `ESC [2J` clears the screen, OSC 52 writes the clipboard, OSC 8 makes links). Every such
 * string is passed through these functions before it reaches a terminal or a JSON line. (CSV cells for the export
 * are the client's writer's job: `@batchwatch/client/autopilot-csv`.)
 */

/**
 * C0 controls, DEL, C1 controls (U+0080–U+009F: 8-bit CSI/OSC on some terminals), and the invisible
 * bidirectional controls that reorder what is displayed ("Trojan Source").
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The text with every control character shown as a visible escape (`\x1b]0;PWNED\x07`): readable, inert. */
export function safeText(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Our own multi-line output (plain mode): line breaks stay, every other control character is neutralised. */
export function safeLines(text: string): string {
  return text.split('\n').map(safeText).join('\n');
}

/**
 * One JSON line. JSON.stringify already escapes C0 controls; C1 and bidi controls it leaves raw, so they
 * are escaped too (`\u009b`): the value a parser reads back is unchanged, the bytes on a terminal are inert.
 */
export function safeJsonLine(value: unknown): string {
  return `${JSON.stringify(value).replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}
