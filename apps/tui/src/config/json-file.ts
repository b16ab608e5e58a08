import { readFile } from 'node:fs/promises';
import { writePrivateFile } from './dir.js';

/** A small JSON document in the config directory; a missing file reads as `fallback`. */
export async function readJson<T>(path: string, fallback: T): Promise<T> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${path} is not valid JSON; fix or delete it`);
  }
}

export function writeJson(path: string, value: unknown): Promise<void> {
  return writePrivateFile(path, `${JSON.stringify(value, null, 2)}\n`);
}
