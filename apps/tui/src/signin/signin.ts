/**
 * The operator's own sign-in (App+User), which Partner Center's batch creation requires: the device-code flow of
 * @azure/identity's `DeviceCodeCredential`, remembered across runs and refreshed silently.
 *
 * What survives a run, in the config directory: `signin.json` (the settings and the `AuthenticationRecord`: who,
 * which tenant, app and authority; no secret) and `token-cache.json` (MSAL's tokens, see `TokenCacheFile`).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AuthenticationRequiredError,
  DeviceCodeCredential,
  deserializeAuthenticationRecord,
  serializeAuthenticationRecord,
  useIdentityPlugin,
  type AccessToken,
  type AuthenticationRecord,
  type DeviceCodeCredentialOptions,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import { configDir, writePrivateFile, type Env } from '../config/dir.js';
import { isSignInCloud, signInClouds, unknownCloudMessage, type SignInCloudName } from './clouds.js';
import { systemKeychain, type Keychain } from './keychain.js';
import { SignInRequiredError } from './errors.js';
import { TokenCacheFile, type CachePlugin } from './token-cache.js';

/** Everything a sign-in is made of, from flags and environment. */
export interface SignInSettings {
  cloud: SignInCloudName;
  /** The partner's tenant (a GUID or domain); `organizations` lets the account decide. */
  tenantId: string;
  /** The Entra app registration (public client, device code flow allowed) with Partner Center's delegated permission. */
  clientId: string;
  authorityHost: string;
  /** True for an authority host other than the cloud's own (a test identity provider, a sovereign proxy). */
  disableInstanceDiscovery: boolean;
  scope: string;
  /** Partner Center's REST base URL for this cloud. */
  baseUrl: string;
}

export interface SignInFlags {
  tenant?: string | undefined;
  clientId?: string | undefined;
  cloud?: string | undefined;
  authorityHost?: string | undefined;
}

/** Flags win over `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `BATCHWATCH_CLOUD`, `BATCHWATCH_AUTHORITY_HOST`. Returns a message when unusable. */
export function resolveSignInSettings(flags: SignInFlags, env: Env): SignInSettings | string {
  const cloudName = flags.cloud ?? env.BATCHWATCH_CLOUD ?? 'global';
  if (!isSignInCloud(cloudName)) return unknownCloudMessage(cloudName);
  const cloud = signInClouds[cloudName];
  const clientId = flags.clientId ?? env.AZURE_CLIENT_ID;
  if (!clientId) return 'sign-in needs the app (client) id of your Entra app registration: --client-id or AZURE_CLIENT_ID';
  const custom = flags.authorityHost ?? env.BATCHWATCH_AUTHORITY_HOST;
  if (custom !== undefined && !/^https:\/\/[^/]+/.test(custom)) return `--authority-host must be an https URL, got "${custom}"`;
  return {
    cloud: cloudName,
    tenantId: flags.tenant ?? env.AZURE_TENANT_ID ?? 'organizations',
    clientId,
    authorityHost: (custom ?? cloud.authorityHost).replace(/\/+$/, ''),
    disableInstanceDiscovery: custom !== undefined,
    scope: cloud.scope,
    baseUrl: cloud.baseUrl,
  };
}

/** Where the sign-in lives and how it is protected; tests point it at a temporary directory. */
export interface SignInStore {
  dir: string;
  keychain?: Keychain | undefined;
  /** Extra @azure/identity options (tests: `tlsOptions` to trust a fake identity provider). */
  credentialOptions?: Partial<DeviceCodeCredentialOptions>;
}

export async function defaultSignInStore(env: Env = process.env): Promise<SignInStore> {
  return { dir: configDir(env), keychain: await systemKeychain(env) };
}

/** A sign-in that is remembered. */
export interface SignedIn {
  settings: SignInSettings;
  account: AuthenticationRecord;
  signedInAt: string;
}

export { SignInRequiredError } from './errors.js';

const SIGNIN_FILE = 'signin.json';

function cacheFile(store: SignInStore, variant: 'nocae' | 'cae'): TokenCacheFile {
  return new TokenCacheFile(join(store.dir, variant === 'cae' ? 'token-cache.cae.json' : 'token-cache.json'), store.keychain);
}

/**
 * @azure/identity persists its cache through a plugin registered once per process; the cache's `name` tells which
 * store a credential belongs to. (The context's `cachePluginControl` is how @azure/identity-cache-persistence
 * plugs in too; ours keeps a 0600 file and the keychain instead of that package's native dependencies.)
 */
const stores = new Map<string, SignInStore>();
let pluginInstalled = false;

function persistenceName(store: SignInStore): string {
  if (!pluginInstalled) {
    useIdentityPlugin((context) => {
      const control = (context as { cachePluginControl: { setPersistence(factory: (options?: { name?: string }) => Promise<CachePlugin>): void } })
        .cachePluginControl;
      control.setPersistence(async (options) => {
        const [name = '', variant] = (options?.name ?? '').split(/\.(?=(?:nocae|cae)$)/);
        const owner = stores.get(name);
        if (!owner) throw new Error(`batchwatch: no token store registered as "${name}"`);
        return cacheFile(owner, variant === 'cae' ? 'cae' : 'nocae').plugin();
      });
    });
    pluginInstalled = true;
  }
  const name = `batchwatch-${stores.size + 1}`;
  stores.set(name, store);
  return name;
}

function credentialFor(settings: SignInSettings, store: SignInStore, extra: DeviceCodeCredentialOptions): DeviceCodeCredential {
  return new DeviceCodeCredential({
    ...store.credentialOptions,
    tenantId: settings.tenantId,
    clientId: settings.clientId,
    authorityHost: settings.authorityHost,
    disableInstanceDiscovery: settings.disableInstanceDiscovery,
    tokenCachePersistenceOptions: { enabled: true, name: persistenceName(store) },
    ...extra,
  });
}

/**
 * Signs in with a device code: `prompt` gets Microsoft's message (open this page, enter this code), the promise
 * resolves once the person has signed in. The sign-in is saved for the next runs.
 */
export async function login(settings: SignInSettings, store: SignInStore, prompt: (message: string) => void, signal?: AbortSignal): Promise<SignedIn> {
  const credential = credentialFor(settings, store, { userPromptCallback: (info) => prompt(info.message) });
  const account = await credential.authenticate(settings.scope, signal ? { abortSignal: signal } : {});
  if (!account) throw new Error('the sign-in returned no account');
  const signedIn: SignedIn = { settings, account, signedInAt: new Date().toISOString() };
  await writePrivateFile(
    join(store.dir, SIGNIN_FILE),
    JSON.stringify({ ...signedIn, account: JSON.parse(serializeAuthenticationRecord(account)) as unknown }, null, 2),
  );
  return signedIn;
}

/** The saved sign-in, if any. Reads the file only: nothing is asked of the identity provider. */
export async function currentSignIn(store: SignInStore): Promise<SignedIn | undefined> {
  let text: string;
  try {
    text = await readFile(join(store.dir, SIGNIN_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const saved = JSON.parse(text) as Omit<SignedIn, 'account'> & { account: unknown };
  return { ...saved, account: deserializeAuthenticationRecord(JSON.stringify(saved.account)) };
}

/** Forgets the sign-in: the record, the token caches, the keychain's key. True when there was one. */
export async function logout(store: SignInStore): Promise<boolean> {
  const had = (await currentSignIn(store)) !== undefined;
  await rm(join(store.dir, SIGNIN_FILE), { force: true });
  await cacheFile(store, 'cae').remove();
  await cacheFile(store, 'nocae').remove();
  return had;
}

/**
 * A `TokenCredential` for the saved sign-in: tokens come from the cache, refreshed silently with the refresh
 * token; when that is no longer possible it throws `SignInRequiredError` instead of starting a new device flow.
 */
export async function operatorCredential(store: SignInStore): Promise<{ credential: TokenCredential; signedIn: SignedIn }> {
  const signedIn = await currentSignIn(store);
  if (!signedIn) throw new SignInRequiredError('not signed in: run `batchwatch login` first');
  const inner = credentialFor(signedIn.settings, store, {
    authenticationRecord: signedIn.account,
    disableAutomaticAuthentication: true,
  });
  const credential: TokenCredential = {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      try {
        return await inner.getToken(scopes, options);
      } catch (error) {
        if (error instanceof AuthenticationRequiredError || /invalid_grant|AADSTS700082/.test(String((error as Error)?.message))) {
          throw new SignInRequiredError(`the sign-in of ${signedIn.account.username} has expired: run \`batchwatch login\` again`, { cause: error });
        }
        throw error;
      }
    },
  };
  return { credential, signedIn };
}
