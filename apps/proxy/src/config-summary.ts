/**
 * The configuration as the start-up log shows it: every setting, no secret. Keys by name and id, the
 * credential by kind and ids, the ACL by its shape, proxies without their user:password.
 */
import type { ProxyConfig } from './config.js';
import { describeCredential } from './upstream/credentials.js';

export function configSummary(config: ProxyConfig, egressProxies: string[]): Record<string, unknown> {
  const { upstream, auth, metrics, egress: _egress, fleet, ...rest } = config;
  return {
    ...rest,
    // Redis by host and port only: its URL may carry a password.
    ...(fleet ? { fleet: { ...fleet, redisUrl: undefined, redis: new URL(fleet.redisUrl).host } } : {}),
    upstream: { ...upstream, credential: describeCredential(upstream.credential) },
    auth: {
      mode: auth.mode,
      apiKeys: auth.apiKeys.map(({ name, id }) => ({ name, id })),
      ...(auth.apiKeysFile ? { apiKeysFile: auth.apiKeysFile } : {}),
      customerAcl: Object.fromEntries([...auth.keyAcl].map(([name, access]) => [name, access === '*' ? '*' : `${access.size} customer(s)`])),
      ...(auth.jwt ? { jwt: { ...auth.jwt, jwksUrl: auth.jwt.jwksUrl.href } } : {}),
    },
    metrics: { port: metrics.port, key: metrics.key ? 'set' : 'none' },
    egressProxies,
  };
}
