/**
 * Caller API keys that can rotate without a restart (format: config.ts `parseKeyFile`; a name may have several
 * keys, each with its id). From a file (BATCHWATCH_API_KEYS_FILE), the ring re-reads it whenever its directory changes: Kubernetes
 * updates a mounted Secret by swapping a symlink in that directory, editors by renaming. A file that no longer
 * parses keeps the previous keys and logs why.
 */
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { EventEmitter } from 'node:events';
import { basename, dirname } from 'node:path';
import { ConfigError, parseKeyFile } from '../config.js';
import type { ApiKey } from './types.js';

export type RingKey = ApiKey;

export interface KeyRingEvents {
  reload: [{ added: string[]; removed: string[] }];
  error: [Error];
}

/** The current keys; `close()` stops watching. Emits `reload` after a change was applied, `error` when refused. */
export class KeyRing extends EventEmitter<KeyRingEvents> {
  #keys: readonly RingKey[];
  #watcher: FSWatcher | undefined;
  #text: string | undefined;

  constructor(keys: readonly RingKey[]) {
    super();
    this.#keys = keys;
  }

  get keys(): readonly RingKey[] {
    return this.#keys;
  }

  /** Reads the file now (a problem is a ConfigError: start-up fails) and re-reads it on every change. */
  static fromFile(path: string, variable = 'BATCHWATCH_API_KEYS_FILE'): KeyRing {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`${variable}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const ring = new KeyRing(parseKeyFile(text, variable));
    ring.#text = text;
    const name = basename(path);
    ring.#watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      // Kubernetes swaps `..data`; other tools replace the file itself. Anything else in the folder is ignored.
      if (changed === null || changed === name || changed.startsWith('..')) ring.#reload(path, variable);
    });
    ring.#watcher.on('error', (error) => ring.emit('error', error));
    return ring;
  }

  #reload(path: string, variable: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      // Mid-swap the file can be missing for an instant; the next event brings it back.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.emit('error', error as Error);
      return;
    }
    if (text === this.#text) return;
    try {
      const keys = parseKeyFile(text, variable);
      const before = new Set(this.#keys.map((key) => `${key.name}/${key.id}`));
      const after = new Set(keys.map((key) => `${key.name}/${key.id}`));
      this.#keys = keys;
      this.#text = text;
      this.emit('reload', { added: [...after].filter((k) => !before.has(k)), removed: [...before].filter((k) => !after.has(k)) });
    } catch (error) {
      this.#text = text; // the same broken text is reported once
      this.emit('error', error as Error);
    }
  }

  close(): void {
    this.#watcher?.close();
  }
}
