/** The fake identity provider on its own: discovery, device codes approved over HTTP, refresh rotation, errors. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { request } from 'node:https';
import { startIdentityProvider } from '../src/index.js';

async function provider(options: Parameters<typeof startIdentityProvider>[0] = {}) {
  const idp = await startIdentityProvider(options);
  onTestFinished(() => idp.close());
  // node:https, trusting only the provider's own certificate.
  const call = (path: string, form?: Record<string, string>) =>
    new Promise<{ status: number; body: Record<string, any> }>((resolve, reject) => {
      const body = form ? new URLSearchParams(form).toString() : undefined;
      const req = request(
        `${idp.url}${path}`,
        { method: form ? 'POST' : 'GET', ca: idp.certificate, headers: form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {} },
        (res) => {
          let text = '';
          res
            .setEncoding('utf8')
            .on('data', (chunk: string) => (text += chunk))
            .on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject).end(body);
    });
  return { idp, call };
}

describe('startIdentityProvider', () => {
  it('publishes OpenID configuration whose endpoints are its own, over HTTPS', async () => {
    const { idp, call } = await provider();
    const { status, body } = await call(`/${idp.user.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(status).toBe(200);
    expect(idp.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(body).toMatchObject({
      issuer: `${idp.url}/${idp.user.tenantId}/v2.0`,
      token_endpoint: `${idp.url}/${idp.user.tenantId}/oauth2/v2.0/token`,
      device_authorization_endpoint: `${idp.url}/${idp.user.tenantId}/oauth2/v2.0/devicecode`,
    });
  });

  it('keeps a device code pending until a person approves it at /devicelogin, then hands out tokens once', async () => {
    const { idp, call } = await provider({ accessTokenLifetimeSeconds: 120 });
    const tenant = idp.user.tenantId;
    const code = await call(`/${tenant}/oauth2/v2.0/devicecode`, {
      client_id: 'app',
      scope: 'https://api.partnercenter.microsoft.com/user_impersonation offline_access',
    });
    expect(code.body).toMatchObject({ user_code: expect.stringMatching(/^[0-9A-F]{9}$/), interval: 1, verification_uri: `${idp.url}/devicelogin` });
    expect(idp.pendingCodes()).toEqual([code.body.user_code]);
    const grant = { grant_type: 'device_code', device_code: code.body.device_code, client_id: 'app' };
    expect(await call(`/${tenant}/oauth2/v2.0/token`, grant)).toMatchObject({ status: 400, body: { error: 'authorization_pending' } });

    expect(await call('/devicelogin', { code: code.body.user_code.toLowerCase() })).toMatchObject({ status: 200 });
    const tokens = await call(`/${tenant}/oauth2/v2.0/token`, grant);
    expect(tokens.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 120,
      access_token: 'simulator-token',
      scope: 'https://api.partnercenter.microsoft.com/user_impersonation',
    });
    const claims = JSON.parse(Buffer.from(tokens.body.id_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ preferred_username: 'operator@contoso.example', tid: tenant, aud: 'app' });
    expect(await call(`/${tenant}/oauth2/v2.0/token`, grant)).toMatchObject({ status: 400, body: { error: 'expired_token' } });

    // Refresh tokens rotate: the old one stops working, the new one works until revoked.
    const refreshed = await call(`/${tenant}/oauth2/v2.0/token`, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(await call(`/${tenant}/oauth2/v2.0/token`, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token })).toMatchObject({
      body: { error: 'invalid_grant' },
    });
    idp.revokeRefreshTokens();
    expect(await call(`/${tenant}/oauth2/v2.0/token`, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token })).toMatchObject({
      body: { error: 'invalid_grant' },
    });
    expect(idp.requests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(3);
  });

  it('refuses what it does not know', async () => {
    const { idp, call } = await provider();
    expect(await call(`/${idp.user.tenantId}/oauth2/v2.0/token`, { grant_type: 'password' })).toMatchObject({
      status: 400,
      body: { error: 'unsupported_grant_type' },
    });
    expect(await call(`/${idp.user.tenantId}/oauth2/v2.0/devicecode`, { scope: 'x' })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(await call('/devicelogin', { code: 'NOPE' })).toMatchObject({ status: 404 });
    expect((await call('/nowhere')).status).toBe(404);
  });
});
