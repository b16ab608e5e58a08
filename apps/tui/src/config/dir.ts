/** Where batchwatch keeps what survives a run: the sign-in, its token cache, customer aliases. */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * `BATCHWATCH_CONFIG_DIR`, else the platform's user configuration directory: `%APPDATA%\batchwatch` on Windows,
 * `~/Library/Application Support/batchwatch` on macOS, `$XDG_CONFIG_HOME/batchwatch` (default `~/.config`) elsewhere.
 */
export function configDir(env: Env = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.BATCHWATCH_CONFIG_DIR) return env.BATCHWATCH_CONFIG_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'batchwatch');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'batchwatch');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'batchwatch');
}

/**
 * Writes a file only its owner may read (0600, in a 0700 directory), atomically: a reader sees the old file or
 * the new one, never half of one.
 */
export async function writePrivateFile(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
