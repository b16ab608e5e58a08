/**
 * The operator's sign-in, end to end against the simulator's fake identity provider (real HTTPS, real MSAL through
 * @azure/identity): device code, persistence across "runs" (new credentials reading the saved cache), silent use,
 * silent refresh after expiry, a revoked refresh token, logout.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished, describe, expect, it } from 'vitest';
import { startIdentityProvider, type IdentityProviderOptions, type RunningIdentityProvider } from '@batchwatch/simulator';
import { memoryKeychain, type Keychain } from '../src/signin/keychain.js';
import {
  currentSignIn,
  login,
  logout,
  operatorCredential,
  resolveSignInSettings,
  SignInRequiredError,
  type SignInSettings,
  type SignInStore,
} from '../src/signin/signin.js';

const CLIENT_ID = '9c1e4f3a-5b6d-4e7f-8a9b-0c1d2e3f4a5b';

async function setup(options: IdentityProviderOptions = {}, keychain?: Keychain) {
  const idp = await startIdentityProvider(options);
  const dir = await mkdtemp(join(tmpdir(), 'batchwatch-signin-'));
  onTestFinished(async () => {
    await idp.close();
    await rm(dir, { recursive: true, force: true });
  });
  const settings = resolveSignInSettings({ clientId: CLIENT_ID, tenant: idp.user.tenantId, authorityHost: idp.url }, {}) as SignInSettings;
  const store: SignInStore = { dir, keychain, credentialOptions: { tlsOptions: { ca: [idp.certificate] } } };
  return { idp, dir, settings, store };
}

/** Signs in as a person would: read the code from the prompt, enter it on the page. */
async function signIn(idp: RunningIdentityProvider, settings: SignInSettings, store: SignInStore) {
  const prompts: string[] = [];
  const signedIn = await login(settings, store, (message) => {
    prompts.push(message);
    const code = /enter the code (\S+)/.exec(message)?.[1];
    expect(idp.approve(code)).toBe(true);
  });
  return { signedIn, prompts };
}

const grants = (idp: RunningIdentityProvider, grant: string) => idp.requests.filter((r) => r.grantType === grant).length;
const DEVICE_CODE = 'device_code';

describe('batchwatch login (device code through @azure/identity)', () => {
  it('signs in with a device code against the configured authority, with instance discovery off', async () => {
    const { idp, settings, store } = await setup({}, memoryKeychain());
    const { signedIn, prompts } = await signIn(idp, settings, store);
    expect(prompts).toEqual([expect.stringContaining(`${idp.url}/devicelogin`)]);
    expect(signedIn.account).toMatchObject({ username: 'operator@contoso.example', tenantId: idp.user.tenantId, clientId: CLIENT_ID });
    expect(settings.disableInstanceDiscovery).toBe(true);
    // Every request went to the fake authority (nothing to login.microsoftonline.com: it would have failed).
    expect(idp.requests.map((r) => r.path)).toEqual(
      expect.arrayContaining([
        `/${idp.user.tenantId}/v2.0/.well-known/openid-configuration`,
        `/${idp.user.tenantId}/oauth2/v2.0/devicecode`,
        `/${idp.user.tenantId}/oauth2/v2.0/token`,
      ]),
    );
    const asked = idp.requests.find((r) => r.path.endsWith('/devicecode'));
    expect(asked?.scope?.split(' ')).toContain('https://api.partnercenter.microsoft.com/user_impersonation');
    expect(asked?.clientId).toBe(CLIENT_ID);
  });

  it('is remembered across runs and used silently, without asking the identity provider again', async () => {
    const { idp, settings, store } = await setup({ accessTokenLifetimeSeconds: 3600 }, memoryKeychain());
    await signIn(idp, settings, store);
    const tokenCalls = idp.requests.filter((r) => r.path.endsWith('/token')).length;

    // A later run: a new credential from what is on disk.
    const { credential, signedIn } = await operatorCredential(store);
    expect(signedIn.account.username).toBe('operator@contoso.example');
    const token = await credential.getToken(settings.scope);
    expect(token?.token).toBe('simulator-token');
    expect(idp.requests.filter((r) => r.path.endsWith('/token')).length).toBe(tokenCalls);
  });

  it('refreshes silently when the access token has expired, and asks for a new sign-in once refresh is refused', async () => {
    // 60 s tokens are "expired" for MSAL at once (it renews within 5 minutes of expiry), so every run refreshes.
    const { idp, settings, store } = await setup({ accessTokenLifetimeSeconds: 60 }, memoryKeychain());
    await signIn(idp, settings, store);
    expect(grants(idp, DEVICE_CODE)).toBe(1);

    for (const run of [1, 2]) {
      const { credential } = await operatorCredential(store);
      await expect(credential.getToken(settings.scope)).resolves.toMatchObject({ token: 'simulator-token' });
      expect(grants(idp, 'refresh_token')).toBe(run);
    }
    expect(grants(idp, DEVICE_CODE)).toBe(1); // never a new device code on its own

    idp.revokeRefreshTokens();
    const { credential } = await operatorCredential(store);
    await expect(credential.getToken(settings.scope)).rejects.toThrow(SignInRequiredError);
    await expect(credential.getToken(settings.scope)).rejects.toThrow(/operator@contoso\.example has expired: run `batchwatch login`/);
  });

  it('keeps the tokens encrypted with a key held by the keychain, in a file only the owner can read', async () => {
    const keychain = memoryKeychain();
    const { idp, dir, settings, store } = await setup({}, keychain);
    await signIn(idp, settings, store);
    const cache = await readFile(join(dir, 'token-cache.json'), 'utf8');
    expect(JSON.parse(cache)).toMatchObject({ alg: 'A256GCM' });
    expect(cache).not.toMatch(/rt-[0-9a-f]{32}/);
    expect(keychain.secret).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect((await stat(join(dir, 'token-cache.json'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'signin.json'))).mode & 0o777).toBe(0o600);

    // Without the keychain's key the file is useless: the sign-in is gone, not leaked.
    keychain.secret = null;
    const { credential } = await operatorCredential(store);
    await expect(credential.getToken(settings.scope)).rejects.toThrow(SignInRequiredError);
  });

  it('falls back to a 0600 file without a keychain', async () => {
    const { idp, dir, settings, store } = await setup({ accessTokenLifetimeSeconds: 60 });
    await signIn(idp, settings, store);
    const cache = await readFile(join(dir, 'token-cache.json'), 'utf8');
    expect(cache).toMatch(/rt-[0-9a-f]{32}/); // MSAL's own cache format, readable by the owner only
    expect((await stat(join(dir, 'token-cache.json'))).mode & 0o777).toBe(0o600);
    const { credential } = await operatorCredential(store);
    await expect(credential.getToken(settings.scope)).resolves.toMatchObject({ token: 'simulator-token' });
    expect(grants(idp, 'refresh_token')).toBe(1);
  });

  it('logout forgets the account, the tokens and the key', async () => {
    const keychain = memoryKeychain();
    const { idp, dir, settings, store } = await setup({}, keychain);
    await signIn(idp, settings, store);
    expect(await logout(store)).toBe(true);
    expect(await currentSignIn(store)).toBeUndefined();
    await expect(stat(join(dir, 'token-cache.json'))).rejects.toThrow(/ENOENT/);
    expect(keychain.secret).toBeNull();
    await expect(operatorCredential(store)).rejects.toThrow(/not signed in: run `batchwatch login`/);
    expect(await logout(store)).toBe(false);
  });
});

describe('sign-in settings', () => {
  it('takes flags over AZURE_TENANT_ID / AZURE_CLIENT_ID and knows each cloud', () => {
    const env = { AZURE_TENANT_ID: 'contoso.onmicrosoft.com', AZURE_CLIENT_ID: CLIENT_ID };
    expect(resolveSignInSettings({}, env)).toEqual({
      cloud: 'global',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: CLIENT_ID,
      authorityHost: 'https://login.microsoftonline.com',
      disableInstanceDiscovery: false,
      scope: 'https://api.partnercenter.microsoft.com/user_impersonation',
      baseUrl: 'https://api.partnercenter.microsoft.com',
    });
    expect(resolveSignInSettings({ tenant: 'fabrikam.com', cloud: 'usgov' }, env)).toMatchObject({
      tenantId: 'fabrikam.com',
      authorityHost: 'https://login.microsoftonline.us',
      scope: 'https://api.partnercenter.microsoft.com/user_impersonation',
    });
    expect(resolveSignInSettings({ cloud: 'china' }, env)).toMatchObject({
      authorityHost: 'https://login.chinacloudapi.cn',
      scope: 'https://partner.partnercenterapi.microsoftonline.cn/user_impersonation',
      baseUrl: 'https://partner.partnercenterapi.microsoftonline.cn',
    });
    expect(resolveSignInSettings({}, { AZURE_CLIENT_ID: CLIENT_ID })).toMatchObject({ tenantId: 'organizations' });
  });

  it('explains what is missing or wrong', () => {
    expect(resolveSignInSettings({}, {})).toMatch(/--client-id or AZURE_CLIENT_ID/);
    expect(resolveSignInSettings({ clientId: CLIENT_ID, cloud: 'germany' }, {})).toMatch(/Germany has been closed/);
    expect(resolveSignInSettings({ clientId: CLIENT_ID, cloud: 'mars' }, {})).toMatch(/--cloud must be one of global, usgov, china/);
    expect(resolveSignInSettings({ clientId: CLIENT_ID, authorityHost: 'http://127.0.0.1:1' }, {})).toMatch(/must be an https URL/);
  });
});
