/**
 * The simulator's contract checks: the repo's one contract validator (openapi/test/contract.ts), plus what the
 * simulator promises on every reply — the Partner Center headers and an exact JSON content type.
 */
import { validateResponse } from '@batchwatch/openapi/testing';
import type { Reply } from './http.js';

export { declaredResponse, partnerCenterSpec as spec, validateAt, validateSchema } from '@batchwatch/openapi/testing';

export const operations = {
  getStatus: { path: '/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', method: 'get' },
  createBatch: { path: '/v1/customers/{customer-id}/deviceBatches', method: 'post' },
  addDevices: { path: '/v1/customers/{customer-id}/deviceBatches/{devicebatch-id}/devices', method: 'post' },
} as const;
export type Operation = (typeof operations)[keyof typeof operations];

const ALWAYS = ['ms-requestid', 'ms-correlationid', 'ms-cv', 'ms-serverid', 'date'];

/**
 * Problems with a reply against the contract ([] = valid). Statuses the operation does not declare
 * (405, 408, 502, 504, 404 on unknown paths) must still be ApiFaults with the common headers.
 */
export function contractProblems(op: Operation, reply: Reply): string[] {
  const problems = ALWAYS.filter((name) => !(name in reply.headers)).map((name) => `missing header ${name}`);
  let body: unknown = reply.text;
  if (reply.text !== '') {
    if (reply.headers['content-type'] !== 'application/json; charset=utf-8') problems.push(`content-type is ${reply.headers['content-type']}`);
    try {
      body = JSON.parse(reply.text);
    } catch {
      return [...problems, 'body is not JSON'];
    }
  }
  return [...problems, ...validateResponse(op.path, op.method, { status: reply.status, headers: reply.headers, body }, { undeclared: 'api-fault' })];
}
