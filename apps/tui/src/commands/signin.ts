/** `batchwatch login`, `logout`, `whoami`: the operator's own App+User sign-in. */
import { ExitCode } from '../exit-codes.js';
import { currentSignIn, defaultSignInStore, login, logout, operatorCredential, resolveSignInSettings, type SignInStore } from '../signin/signin.js';
import { TokenCacheFile } from '../signin/token-cache.js';
import { parse, UsageError, type CommandIO } from './index.js';

export async function signInStoreFor(io: CommandIO): Promise<SignInStore> {
  return io.signInStore ?? defaultSignInStore(io.env);
}

export async function loginCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    tenant: { type: 'string' },
    'client-id': { type: 'string' },
    cloud: { type: 'string' },
    'authority-host': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const settings = resolveSignInSettings(
    { tenant: values.tenant, clientId: values['client-id'], cloud: values.cloud, authorityHost: values['authority-host'] },
    io.env,
  );
  if (typeof settings === 'string') throw new UsageError(settings);
  const store = await signInStoreFor(io);
  // The device code goes to stderr: stdout stays clean for scripts.
  const signedIn = await login(settings, store, (message) => io.stderr.write(`${message}\n`));
  io.stdout.write(`signed in as ${signedIn.account.username} (tenant ${signedIn.account.tenantId}, cloud ${settings.cloud})\n`);
  if (settings.cloud !== 'global') io.stderr.write('note: Partner Center documents device deployment for the global cloud only\n');
  return ExitCode.Clean;
}

export async function logoutCommand(args: string[], io: CommandIO): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
  const was = await logout(await signInStoreFor(io));
  io.stdout.write(was ? 'signed out; the saved tokens are deleted\n' : 'not signed in\n');
  return ExitCode.Clean;
}

export async function whoamiCommand(args: string[], io: CommandIO): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  const store = await signInStoreFor(io);
  const signedIn = await currentSignIn(store);
  if (!signedIn) {
    io.stderr.write('not signed in: run `batchwatch login`\n');
    return ExitCode.NotFoundOrAuth;
  }
  // A silent token proves the sign-in still works (it refreshes if it must).
  const { credential } = await operatorCredential(store);
  const token = await credential.getToken(signedIn.settings.scope);
  if (!token) throw new Error('the sign-in gave no token');
  const { account, settings } = signedIn;
  const protection = new TokenCacheFile('', store.keychain).protection;
  if (values.json) {
    io.stdout.write(
      `${JSON.stringify({ username: account.username, tenantId: account.tenantId, clientId: account.clientId, cloud: settings.cloud, authority: settings.authorityHost, scope: settings.scope, tokenExpiresOn: new Date(token.expiresOnTimestamp).toISOString(), storage: protection })}\n`,
    );
  } else {
    io.stdout.write(
      [
        `signed in as ${account.username}`,
        `  tenant     ${account.tenantId}`,
        `  app        ${account.clientId}`,
        `  cloud      ${settings.cloud} (${settings.authorityHost})`,
        `  scope      ${settings.scope}`,
        `  token      valid until ${new Date(token.expiresOnTimestamp).toISOString()}, renewed silently`,
        `  stored     ${store.dir} (${protection})`,
        '',
      ].join('\n'),
    );
  }
  return ExitCode.Clean;
}
