/** Partner Center REST base URLs by cloud (US Government and the former Germany cloud use the global one). */
export const clouds = {
  global: 'https://api.partnercenter.microsoft.com',
  china: 'https://partner.partnercenterapi.microsoftonline.cn',
} as const;

export type Cloud = keyof typeof clouds;

/** The app-only (client credentials) scope for Partner Center tokens. */
export const PARTNER_CENTER_SCOPE = 'https://api.partnercenter.microsoft.com/.default';
