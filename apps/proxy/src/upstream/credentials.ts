/**
 * Which Partner Center credential the proxy uses, chosen from the environment the way DefaultAzureCredential
 * looks (client secret, client certificate, workload identity, then managed identity), but decided once at
 * start from the variables present, with no trial calls: a missing piece is a ConfigError naming it, and the
 * choice is logged. `BATCHWATCH_AZURE_CREDENTIAL` forces one kind (managed identity is only used when asked
 * for: it cannot be told from the environment).
 */
import { accessSync, constants } from 'node:fs';
import type { TokenSource } from '@batchwatch/client';
import { ConfigError } from '../config.js';

export type CredentialChoice =
  | { kind: 'static-token'; token: string }
  | { kind: 'client-secret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'client-certificate'; tenantId: string; clientId: string; certificatePath: string; certificatePassword?: string }
  | { kind: 'workload-identity'; tenantId: string; clientId: string; tokenFilePath: string }
  | { kind: 'managed-identity'; clientId?: string };

const CREDENTIAL_KINDS = ['auto', 'client-secret', 'client-certificate', 'workload-identity', 'managed-identity'] as const;

type Env = Readonly<Record<string, string | undefined>>;
type TokenCredential = Extract<TokenSource, { getToken: unknown }>;

export function selectCredential(env: Env): CredentialChoice {
  const get = (name: string) => env[name]?.trim() || undefined;
  const forced = get('BATCHWATCH_AZURE_CREDENTIAL') ?? 'auto';
  if (!(CREDENTIAL_KINDS as readonly string[]).includes(forced)) {
    throw new ConfigError(`BATCHWATCH_AZURE_CREDENTIAL must be one of ${CREDENTIAL_KINDS.join(', ')}`);
  }
  const token = get('BATCHWATCH_UPSTREAM_TOKEN');
  const azureSet = ['AZURE_TENANT_ID', 'AZURE_CLIENT_ID', 'AZURE_CLIENT_SECRET', 'AZURE_CLIENT_CERTIFICATE_PATH', 'AZURE_FEDERATED_TOKEN_FILE'].filter((name) =>
    get(name),
  );
  if (token) {
    if (azureSet.length > 0 || forced !== 'auto') throw new ConfigError('set either BATCHWATCH_UPSTREAM_TOKEN or an Entra credential (AZURE_*), not both');
    return { kind: 'static-token', token };
  }
  const kind =
    forced !== 'auto'
      ? forced
      : get('AZURE_CLIENT_SECRET')
        ? 'client-secret'
        : get('AZURE_CLIENT_CERTIFICATE_PATH')
          ? 'client-certificate'
          : get('AZURE_FEDERATED_TOKEN_FILE')
            ? 'workload-identity'
            : undefined;
  if (kind === undefined) {
    throw new ConfigError(
      'no Partner Center credentials: set BATCHWATCH_UPSTREAM_TOKEN, or AZURE_TENANT_ID + AZURE_CLIENT_ID with AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE, or BATCHWATCH_AZURE_CREDENTIAL=managed-identity',
    );
  }
  if (kind === 'managed-identity') {
    const clientId = get('AZURE_CLIENT_ID');
    return clientId ? { kind, clientId } : { kind };
  }
  const need = (name: string, what: string): string => {
    const value = get(name);
    if (!value) throw new ConfigError(`the ${kind} credential needs ${name} (${what})`);
    return value;
  };
  const tenantId = need('AZURE_TENANT_ID', 'the Entra tenant');
  const clientId = need('AZURE_CLIENT_ID', 'the application (client) id');
  switch (kind) {
    case 'client-secret':
      return { kind, tenantId, clientId, clientSecret: need('AZURE_CLIENT_SECRET', 'the client secret') };
    case 'client-certificate': {
      const certificatePath = readable(
        need('AZURE_CLIENT_CERTIFICATE_PATH', 'a PEM file with the private key and certificate'),
        'AZURE_CLIENT_CERTIFICATE_PATH',
      );
      const certificatePassword = get('AZURE_CLIENT_CERTIFICATE_PASSWORD');
      return certificatePassword ? { kind, tenantId, clientId, certificatePath, certificatePassword } : { kind, tenantId, clientId, certificatePath };
    }
    default:
      return {
        kind: 'workload-identity',
        tenantId,
        clientId,
        tokenFilePath: readable(need('AZURE_FEDERATED_TOKEN_FILE', 'the projected service-account token'), 'AZURE_FEDERATED_TOKEN_FILE'),
      };
  }
}

function readable(path: string, name: string): string {
  try {
    accessSync(path, constants.R_OK);
    return path;
  } catch {
    throw new ConfigError(`${name}: cannot read ${JSON.stringify(path)}`);
  }
}

/** What the start-up log says about the credential: its kind and ids, never a secret. */
export function describeCredential(choice: CredentialChoice): Record<string, string> {
  switch (choice.kind) {
    case 'static-token':
      return { kind: choice.kind };
    case 'managed-identity':
      return { kind: choice.kind, clientId: choice.clientId ?? '(system-assigned)' };
    case 'client-secret':
      return { kind: choice.kind, tenantId: choice.tenantId, clientId: choice.clientId };
    case 'client-certificate':
      return { kind: choice.kind, tenantId: choice.tenantId, clientId: choice.clientId, certificatePath: choice.certificatePath };
    case 'workload-identity':
      return { kind: choice.kind, tenantId: choice.tenantId, clientId: choice.clientId, tokenFilePath: choice.tokenFilePath };
  }
}

/** The token source for the client; @azure/identity is imported on first use (it costs ~0.4 s to load). */
export function credentialFor(choice: CredentialChoice): TokenSource {
  if (choice.kind === 'static-token') return choice.token;
  let credential: Promise<TokenCredential> | undefined;
  return {
    async getToken(scopes, options) {
      credential ??= import('@azure/identity').then((identity): TokenCredential => {
        switch (choice.kind) {
          case 'client-secret':
            return new identity.ClientSecretCredential(choice.tenantId, choice.clientId, choice.clientSecret);
          case 'client-certificate':
            return new identity.ClientCertificateCredential(choice.tenantId, choice.clientId, {
              certificatePath: choice.certificatePath,
              ...(choice.certificatePassword ? { certificatePassword: choice.certificatePassword } : {}),
            });
          case 'workload-identity':
            return new identity.WorkloadIdentityCredential({ tenantId: choice.tenantId, clientId: choice.clientId, tokenFilePath: choice.tokenFilePath });
          case 'managed-identity':
            return choice.clientId ? new identity.ManagedIdentityCredential({ clientId: choice.clientId }) : new identity.ManagedIdentityCredential();
        }
      });
      return (await credential).getToken(scopes, options);
    },
  };
}
