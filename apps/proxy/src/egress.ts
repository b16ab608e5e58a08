/**
 * Egress through a corporate proxy: when HTTPS_PROXY / HTTP_PROXY (or their lower-case forms) are set, Partner
 * Center calls go through undici's EnvHttpProxyAgent, which reads those and NO_PROXY the way curl does. Node's
 * own `fetch` ignores them. Entra token requests (@azure/identity) read the same variables themselves.
 */
import { EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

export interface Egress {
  /** The proxy URLs in use (credentials removed), for the start-up log; empty when going direct. */
  proxies: string[];
  fetch: typeof fetch;
}

export function egressFromEnv(env: NodeJS.ProcessEnv = process.env): Egress {
  const proxies = [...new Set(PROXY_VARIABLES.flatMap((name) => (env[name]?.trim() ? [withoutCredentials(env[name]!.trim())] : [])))];
  if (proxies.length === 0) return { proxies, fetch: globalThis.fetch };
  const dispatcher = new EnvHttpProxyAgent({
    ...pick(env, 'HTTPS_PROXY', 'httpsProxy'),
    ...pick(env, 'HTTP_PROXY', 'httpProxy'),
    ...pick(env, 'NO_PROXY', 'noProxy'),
  });
  const proxied = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(input as Parameters<typeof undiciFetch>[0], { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher });
  return { proxies, fetch: proxied as unknown as typeof fetch };
}

/** `NAME` or `name`, as curl reads them (upper case first). */
function pick(env: NodeJS.ProcessEnv, name: string, option: string): Record<string, string> {
  const value = env[name] ?? env[name.toLowerCase()];
  return value === undefined ? {} : { [option]: value };
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username || parsed.password) {
      parsed.username = '';
      parsed.password = '';
    }
    return parsed.href;
  } catch {
    return '(not a URL)';
  }
}
