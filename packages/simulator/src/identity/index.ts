export { startIdentityProvider } from './server.js';
export type { IdentityProviderOptions, IdentityRequest, IdentityUser, RunningIdentityProvider } from './server.js';
export { IDENTITY_TLS } from './tls.js';
