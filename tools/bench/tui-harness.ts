/**
 * What the terminal UI benchmarks share: the built packages they load, a fake terminal and keyboard, ids, and
 * the percentile they report.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
export const TRACKING = '0127ed8e-1f4d-4cde-9b5a-6e8a9b3c2d10';
export const ROWS = 40;
export const COLUMNS = 120;

/** A module of the built terminal UI (`apps/tui/dist`). */
export const dist = (path: string) => import(pathToFileURL(join(ROOT, 'apps/tui/dist', path)).href);

/** Fails with a clear message when a built file is missing (`npm run bench` builds first). */
export function requireBuild(files: string[]): void {
  for (const file of files) {
    if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing: run \`npm run build\` first (npm run bench does)`);
  }
}

/** A write stream that looks like a 120×40 terminal; `onWrite` sees what is written. */
export function fakeTty(onWrite: (text: string) => void = () => undefined): NodeJS.WriteStream {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      onWrite(chunk.toString());
      done();
    },
  }) as unknown as NodeJS.WriteStream;
  Object.assign(stream, { isTTY: true, rows: ROWS, columns: COLUMNS });
  return stream;
}

/** A keyboard in raw mode: what is written to it is read as key presses. */
export function fakeStdin(): NodeJS.ReadStream {
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  Object.assign(stdin, { isTTY: true, setRawMode: () => stdin, ref: () => stdin, unref: () => stdin });
  return stdin;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
