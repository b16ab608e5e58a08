/** Partner Center REST base URLs by cloud (US Government and the former Germany cloud use the global one). */
export const clouds = {
  global: 'https://api.partnercenter.microsoft.com',
  china: 'https://partner.partnercenterapi.microsoftonline.cn',
} as const;

export type Cloud = keyof typeof clouds;

/**
 * The app-only (client credentials) token scope of a cloud: its own Partner Center endpoint + `/.default`, as the
 * Partner Center PowerShell module builds it. A token for the global endpoint is no good in 21Vianet.
 */
export function scopeFor(cloud: Cloud): string {
  return `${clouds[cloud]}/.default`;
}
