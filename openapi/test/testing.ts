/**
 * `@batchwatch/openapi/testing`: the contract's test helpers, for the tests of every workspace (not published).
 * Validation against the OpenAPI documents themselves, and Microsoft's documented example exchange.
 */
export * from './contract.js';
export * from './http-message.js';
