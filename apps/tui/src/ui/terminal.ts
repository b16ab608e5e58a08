/** Terminal controls of our own (never built from untrusted text without encoding it). */

const OSC = '\u001b]';
const BEL = '\u0007';

/** OSC 52: the terminal puts `text` on the clipboard; works over SSH and in tmux (set-clipboard). */
export function copyToClipboard(stdout: NodeJS.WriteStream, text: string): void {
  stdout.write(`${OSC}52;c;${Buffer.from(text, 'utf8').toString('base64')}${BEL}`);
}

/** The bell and the window title (OSC 2) announce the end of a batch; the title holds our words only. */
export function announce(stdout: NodeJS.WriteStream, title: string): void {
  // eslint-disable-next-line no-control-regex
  stdout.write(`${BEL}${OSC}2;${title.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')}${BEL}`);
}
