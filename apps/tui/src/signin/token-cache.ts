/**
 * MSAL's token cache (access, refresh and ID tokens) on disk, in a 0600 file. With a keychain, the file is
 * encrypted (AES-256-GCM) with a random key that only the keychain holds; without one, it is the owner-only file.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { writePrivateFile } from '../config/dir.js';
import type { Keychain } from './keychain.js';

/** The part of MSAL's `ICachePlugin` contract used here (kept structural: @azure/msal-node is not a direct dependency). */
export interface CachePlugin {
  beforeCacheAccess(context: { tokenCache: { deserialize(cache: string): void } }): Promise<void>;
  afterCacheAccess(context: { cacheHasChanged: boolean; tokenCache: { serialize(): string } }): Promise<void>;
}

interface Sealed {
  alg: 'A256GCM';
  iv: string;
  tag: string;
  data: string;
}

export class TokenCacheFile {
  constructor(
    readonly path: string,
    readonly keychain?: Keychain,
  ) {}

  /** Where the tokens are protected, for `whoami`. */
  get protection(): string {
    return this.keychain ? `encrypted, key in the ${this.keychain.name}` : 'file readable by you only (mode 0600)';
  }

  async read(): Promise<string | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return undefined;
    }
    const parsed = JSON.parse(text) as Partial<Sealed>;
    if (parsed.alg !== 'A256GCM') return text;
    const key = await this.keychain?.get();
    if (!key) return undefined; // sealed with a key this machine no longer has: signed out
    try {
      const decipher = createDecipheriv('aes-256-gcm', Buffer.from(key, 'base64'), Buffer.from(parsed.iv!, 'base64'));
      decipher.setAuthTag(Buffer.from(parsed.tag!, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(parsed.data!, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  async write(cache: string): Promise<void> {
    if (!this.keychain) return writePrivateFile(this.path, cache);
    const key = await this.#key();
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(cache, 'utf8'), cipher.final()]);
    const sealed: Sealed = { alg: 'A256GCM', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
    await writePrivateFile(this.path, JSON.stringify(sealed));
  }

  async remove(): Promise<void> {
    await rm(this.path, { force: true });
    await this.keychain?.delete().catch(() => false);
  }

  async #key(): Promise<Buffer> {
    const existing = await this.keychain!.get();
    if (existing) return Buffer.from(existing, 'base64');
    const key = randomBytes(32);
    await this.keychain!.set(key.toString('base64'));
    return key;
  }

  /** The MSAL cache plugin: load before each access, save after a change. */
  plugin(): CachePlugin {
    return {
      beforeCacheAccess: async (context) => {
        const cache = await this.read();
        if (cache) context.tokenCache.deserialize(cache);
      },
      afterCacheAccess: async (context) => {
        if (context.cacheHasChanged) await this.write(context.tokenCache.serialize());
      },
    };
  }
}
