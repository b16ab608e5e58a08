/**
 * Where an operator signs in, per cloud: the Entra authority and the App+User (delegated) Partner Center scope.
 * The scope follows the cloud's Partner Center endpoint (the PowerShell module does the same), so 21Vianet does
 * not ask for the global audience. Device deployment is documented for the global cloud only.
 */
import { clouds } from '@batchwatch/client';

export interface SignInCloud {
  authorityHost: string;
  /** Partner Center's REST base URL in this cloud. */
  baseUrl: string;
  /** The delegated scope: `{Partner Center endpoint}/user_impersonation`. */
  scope: string;
}

const delegated = (endpoint: string) => `${endpoint}/user_impersonation`;

export const signInClouds = {
  global: { authorityHost: 'https://login.microsoftonline.com', baseUrl: clouds.global, scope: delegated(clouds.global) },
  usgov: { authorityHost: 'https://login.microsoftonline.us', baseUrl: clouds.global, scope: delegated(clouds.global) },
  china: { authorityHost: 'https://login.chinacloudapi.cn', baseUrl: clouds.china, scope: delegated(clouds.china) },
} as const satisfies Record<string, SignInCloud>;

export type SignInCloudName = keyof typeof signInClouds;

export function isSignInCloud(name: string): name is SignInCloudName {
  return Object.hasOwn(signInClouds, name);
}

/** Why a cloud name is refused: Germany is closed, anything else is unknown. */
export function unknownCloudMessage(name: string): string {
  if (/^(germany|de)$/i.test(name)) return 'Microsoft Cloud Germany has been closed; its customers moved to the global cloud (--cloud global)';
  return `--cloud must be one of ${Object.keys(signInClouds).join(', ')}, got "${name}"`;
}
