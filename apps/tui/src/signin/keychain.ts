/**
 * The operating system's keychain (macOS Keychain, Windows Credential Manager, Secret Service on Linux) through
 * `@napi-rs/keyring`. It holds one small secret: the key that encrypts the token cache file. Anything that goes wrong
 * (no binary for this platform, no Secret Service on a server, a locked keychain) means "no keychain".
 */
import type { Env } from '../config/dir.js';

export interface Keychain {
  readonly name: string;
  get(): Promise<string | null>;
  set(secret: string): Promise<void>;
  delete(): Promise<boolean>;
}

const SERVICE = 'batchwatch';
const ACCOUNT = 'token-cache-key';

/** The system keychain, or undefined when there is none usable (or `BATCHWATCH_KEYCHAIN=off`). */
export async function systemKeychain(env: Env = process.env): Promise<Keychain | undefined> {
  if (/^(off|0|false|no)$/i.test(env.BATCHWATCH_KEYCHAIN ?? '')) return undefined;
  try {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    // Linux: the Secret Service only; the kernel keyring forgets everything at reboot.
    const entry = new AsyncEntry(SERVICE, ACCOUNT, { linux: { store: 'secret-service' } });
    await entry.getPassword(); // probe: throws when the store cannot be reached
    return {
      name: process.platform === 'darwin' ? 'macOS Keychain' : process.platform === 'win32' ? 'Windows Credential Manager' : 'Secret Service',
      get: () => entry.getPassword(),
      set: (secret) => entry.setPassword(secret),
      delete: () => entry.deletePassword(),
    };
  } catch {
    return undefined;
  }
}

/** A keychain in memory, for tests. */
export function memoryKeychain(): Keychain & { secret: string | null } {
  const keychain = {
    name: 'memory',
    secret: null as string | null,
    get: async () => keychain.secret,
    set: async (secret: string) => {
      keychain.secret = secret;
    },
    delete: async () => {
      const had = keychain.secret !== null;
      keychain.secret = null;
      return had;
    },
  };
  return keychain;
}
