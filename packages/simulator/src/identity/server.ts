/**
 * A fake Microsoft Entra ID for the device-code sign-in: just enough OpenID Connect for MSAL (and so
 * @azure/identity's `DeviceCodeCredential` with `authorityHost` and `disableInstanceDiscovery`):
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration
 *   POST /{tenant}/oauth2/v2.0/devicecode     → user_code, device_code, interval
 *   POST /{tenant}/oauth2/v2.0/token          → device_code grant (authorization_pending until approved), refresh_token grant
 *   POST /devicelogin  (form or JSON `code`)  → what a person does in the browser: approve a user code
 *
 * HTTPS only, because MSAL refuses any other authority (see `IDENTITY_TLS`). Tokens are opaque strings, ID tokens
 * unsigned JWTs; MSAL reads their claims and never checks a signature.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_TOKEN } from '../server.js';
import { IDENTITY_TLS } from './tls.js';

export interface IdentityUser {
  username: string;
  name: string;
  objectId: string;
  tenantId: string;
}

export interface IdentityProviderOptions {
  host?: string;
  port?: number;
  /** Who signs in; default `operator@contoso.example` in tenant 11111111-… */
  user?: Partial<IdentityUser>;
  /** Lifetime of each access token; default 3600. MSAL renews tokens within 5 minutes of expiry. */
  accessTokenLifetimeSeconds?: number;
  /** The access token handed out: the simulator's accepted token by default, so uploads work against it. */
  accessToken?: string;
  /** Approve every device code at once, as if a person had signed in (demos). Default false. */
  autoApprove?: boolean;
  /** Seconds between the client's polls of the token endpoint; default 1. */
  pollIntervalSeconds?: number;
}

export interface IdentityRequest {
  method: string;
  path: string;
  /** `grant_type` of token requests. */
  grantType?: string;
  clientId?: string;
  scope?: string;
}

export interface RunningIdentityProvider {
  /** `https://127.0.0.1:PORT`: the `authorityHost`. */
  url: string;
  /** The PEM certificate to trust. */
  certificate: string;
  user: IdentityUser;
  /** Approves a pending device code (by user code; default the newest). Returns false when there is none. */
  approve(userCode?: string): boolean;
  /** User codes issued and not yet approved, newest last. */
  pendingCodes(): string[];
  /** Refresh tokens stop working: the next silent refresh fails and a new sign-in is needed. */
  revokeRefreshTokens(): void;
  requests: IdentityRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const DEFAULT_USER: IdentityUser = {
  username: 'operator@contoso.example',
  name: 'Contoso Operator',
  objectId: '6b2f0d1e-3c4a-4f5b-8e7d-9a0b1c2d3e4f',
  tenantId: '11111111-2222-4333-8444-555555555555',
};

interface DeviceCode {
  userCode: string;
  clientId: string;
  scope: string;
  approved: boolean;
}

function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  if ((req.headers['content-type'] ?? '').includes('json')) {
    try {
      return new URLSearchParams(JSON.parse(text) as Record<string, string>);
    } catch {
      return new URLSearchParams();
    }
  }
  return new URLSearchParams(text);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function oauthError(res: ServerResponse, error: string, description: string): void {
  send(res, 400, { error, error_description: description, error_codes: [], timestamp: new Date().toISOString() });
}

/** Scopes as MSAL sends them, less the OpenID ones it adds itself. */
function resourceScopes(scope: string): string {
  return scope
    .split(/\s+/)
    .filter((s) => s && !['openid', 'profile', 'offline_access'].includes(s))
    .join(' ');
}

export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<RunningIdentityProvider> {
  const user: IdentityUser = { ...DEFAULT_USER, ...options.user };
  const lifetime = options.accessTokenLifetimeSeconds ?? 3600;
  const interval = options.pollIntervalSeconds ?? 1;
  const codes = new Map<string, DeviceCode>(); // by device code
  const refreshTokens = new Map<string, { clientId: string; scope: string }>();
  const requests: IdentityRequest[] = [];
  let url = '';

  const tokens = (clientId: string, scope: string) => {
    const now = Math.floor(Date.now() / 1000);
    const refreshToken = `rt-${randomBytes(16).toString('hex')}`;
    refreshTokens.set(refreshToken, { clientId, scope });
    const claims = {
      aud: clientId,
      iss: `${url}/${user.tenantId}/v2.0`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      name: user.name,
      preferred_username: user.username,
      oid: user.objectId,
      sub: user.objectId,
      tid: user.tenantId,
      ver: '2.0',
    };
    return {
      token_type: 'Bearer',
      scope: resourceScopes(scope),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: options.accessToken ?? DEFAULT_TOKEN,
      refresh_token: refreshToken,
      id_token: `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`,
      client_info: base64url({ uid: user.objectId, utid: user.tenantId }),
    };
  };

  const token = (res: ServerResponse, form: URLSearchParams) => {
    const grant = form.get('grant_type') ?? '';
    // MSAL sends the short form; RFC 8628 names the long one.
    if (grant === 'device_code' || grant === 'urn:ietf:params:oauth:grant-type:device_code') {
      const code = codes.get(form.get('device_code') ?? '');
      if (!code) return oauthError(res, 'expired_token', 'AADSTS70020: The provided value for the input parameter device_code is not valid.');
      if (!code.approved) return oauthError(res, 'authorization_pending', 'AADSTS70016: OAuth 2.0 device flow error. Authorization is pending.');
      codes.delete(form.get('device_code') ?? '');
      return send(res, 200, tokens(code.clientId, code.scope));
    }
    if (grant === 'refresh_token') {
      const known = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!known) return oauthError(res, 'invalid_grant', 'AADSTS700082: The refresh token has expired or was revoked. Sign in again.');
      refreshTokens.delete(form.get('refresh_token') ?? '');
      return send(res, 200, tokens(known.clientId, form.get('scope') ?? known.scope));
    }
    return oauthError(res, 'unsupported_grant_type', `AADSTS70003: grant_type "${grant}" is not supported here.`);
  };

  const deviceCode = (res: ServerResponse, form: URLSearchParams) => {
    const clientId = form.get('client_id') ?? '';
    if (!clientId) return oauthError(res, 'invalid_request', "AADSTS900144: The request body must contain the parameter: 'client_id'.");
    const userCode = randomBytes(5).toString('hex').toUpperCase().slice(0, 9);
    const device = randomUUID();
    codes.set(device, { userCode, clientId, scope: form.get('scope') ?? '', approved: options.autoApprove ?? false });
    send(res, 200, {
      user_code: userCode,
      device_code: device,
      verification_uri: `${url}/devicelogin`,
      expires_in: 900,
      interval,
      message: `To sign in, use a web browser to open the page ${url}/devicelogin and enter the code ${userCode} to authenticate.`,
    });
  };

  const approve = (userCode?: string) => {
    const pending = [...codes.values()].filter((code) => !code.approved);
    const code = userCode === undefined ? pending.at(-1) : pending.find((c) => c.userCode === userCode.trim().toUpperCase());
    if (code) code.approved = true;
    return code !== undefined;
  };

  const metadata = (tenant: string) => ({
    issuer: `${url}/${tenant}/v2.0`,
    authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/authorize`,
    token_endpoint: `${url}/${tenant}/oauth2/v2.0/token`,
    device_authorization_endpoint: `${url}/${tenant}/oauth2/v2.0/devicecode`,
    end_session_endpoint: `${url}/${tenant}/oauth2/v2.0/logout`,
    jwks_uri: `${url}/${tenant}/discovery/v2.0/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    tenant_region_scope: 'WW',
  });

  const server: Server = createServer({ cert: IDENTITY_TLS.cert, key: IDENTITY_TLS.key }, (req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
      const segments = path.split('/').filter(Boolean);
      const form = req.method === 'POST' ? await readForm(req) : new URLSearchParams();
      const record: IdentityRequest = { method: req.method ?? 'GET', path };
      for (const [key, name] of [
        ['grantType', 'grant_type'],
        ['clientId', 'client_id'],
        ['scope', 'scope'],
      ] as const) {
        const value = form.get(name);
        if (value) record[key] = value;
      }
      requests.push(record);
      const [tenant = '', ...rest] = segments;
      const tail = rest.join('/');
      if (req.method === 'GET' && (tail === 'v2.0/.well-known/openid-configuration' || tail === '.well-known/openid-configuration')) {
        return send(res, 200, metadata(tenant));
      }
      if (req.method === 'POST' && tail === 'oauth2/v2.0/devicecode') return deviceCode(res, form);
      if (req.method === 'POST' && tail === 'oauth2/v2.0/token') return token(res, form);
      if (req.method === 'POST' && path === '/devicelogin') {
        return approve(form.get('code') ?? undefined) ? send(res, 200, { approved: true }) : send(res, 404, { approved: false });
      }
      send(res, 404, { error: 'not_found', error_description: `no such endpoint: ${req.method} ${path}` });
    })().catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: 'server_error', error_description: String(error) });
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  url = `https://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url,
    certificate: IDENTITY_TLS.cert,
    user,
    approve,
    pendingCodes: () => [...codes.values()].filter((code) => !code.approved).map((code) => code.userCode),
    revokeRefreshTokens: () => refreshTokens.clear(),
    requests,
    close,
    [Symbol.asyncDispose]: close,
  };
}
