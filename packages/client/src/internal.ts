/**
 * `@batchwatch/client/internal`: building blocks batchwatch's own apps share with the client (the terminal UI's
 * event stream speaks to the proxy itself). Not part of the public API: no compatibility promise.
 */
export { createTokenProvider } from './auth.js';
export type { TokenProvider } from './auth.js';
export { describeNetworkError, errorFromResponse, parseRetryAfter } from './errors.js';
export { normalizeDevice, normalizeStatus } from './normalize.js';
export { sleep } from './timers.js';
export { backoffDelay } from './transport.js';
