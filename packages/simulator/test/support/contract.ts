/**
 * Validation against openapi/partner-center.yaml: the whole document is added to Ajv (2020-12) under an $id,
 * and each response is checked against the schema and headers the contract declares for its status.
 */
import { readFileSync } from 'node:fs';
import { specFiles } from '@batchwatch/openapi';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { Reply } from './http.js';

type Json = Record<string, any>;

export const spec = parse(readFileSync(specFiles.partnerCenter, 'utf8')) as Json;
const ID = 'https://batchwatch.test/partner-center.yaml';

// ajv and ajv-formats are CommonJS with `exports.default`; take whichever the loader hands us.
const AjvClass = ((Ajv2020 as any).default ?? Ajv2020) as typeof Ajv2020.default;
const applyFormats = ((addFormats as any).default ?? addFormats) as typeof addFormats.default;
export const ajv = new AjvClass({ strict: false, allErrors: true });
applyFormats(ajv);
ajv.addSchema({ ...spec, $id: ID });

export const operations = {
  getStatus: { path: '/v1/customers/{customer-id}/batchJobStatus/{batchtracking-id}', method: 'get' },
  createBatch: { path: '/v1/customers/{customer-id}/deviceBatches', method: 'post' },
  addDevices: { path: '/v1/customers/{customer-id}/deviceBatches/{devicebatch-id}/devices', method: 'post' },
} as const;
export type Operation = (typeof operations)[keyof typeof operations];

function escapePointer(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, '~0').replace(/\//g, '~1'));
}

function resolveRef(ref: string): Json {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<Json>((node, key) => node[key], spec);
}

const compiled = new Map<string, ValidateFunction>();
export function validatorAt(pointer: string): ValidateFunction {
  let validate = compiled.get(pointer);
  if (validate === undefined) {
    validate = ajv.compile({ $ref: `${ID}${pointer}` });
    compiled.set(pointer, validate);
  }
  return validate;
}

/** The response object the contract declares for `status`, with the JSON pointer to it; undefined when undeclared. */
export function declaredResponse(op: Operation, status: number): { pointer: string; response: Json } | undefined {
  const response = spec['paths'][op.path][op.method]['responses'][String(status)] as Json | undefined;
  if (response === undefined) return undefined;
  if (typeof response['$ref'] === 'string') return { pointer: response['$ref'], response: resolveRef(response['$ref']) };
  return { pointer: `#/paths/${escapePointer(op.path)}/${op.method}/responses/${status}`, response };
}

const ALWAYS = ['ms-requestid', 'ms-correlationid', 'ms-cv', 'ms-serverid', 'date'];

function headerProblems(reply: Reply, declared: Json | undefined): string[] {
  const problems: string[] = [];
  const names = new Set([...ALWAYS, ...Object.keys(declared?.['headers'] ?? {}).map((h) => h.toLowerCase())]);
  for (const name of names) if (!(name in reply.headers)) problems.push(`missing header ${name}`);
  for (const [name, header] of Object.entries<Json>(declared?.['headers'] ?? {})) {
    const schema = header['$ref'] ? resolveRef(header['$ref'])['schema'] : header['schema'];
    const value = reply.headers[name.toLowerCase()];
    if (value === undefined || schema === undefined) continue;
    const typed = schema.type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
    if (!ajv.validate(schema, typed)) problems.push(`header ${name}: ${ajv.errorsText()}`);
  }
  return problems;
}

/**
 * Problems with a reply against the contract ([] = valid). Statuses the operation does not declare
 * (405, 408, 502, 504, 404 on unknown paths) must still be ApiFaults with the common headers.
 */
export function contractProblems(op: Operation, reply: Reply): string[] {
  const declared = declaredResponse(op, reply.status);
  const problems = headerProblems(reply, declared?.response);
  const content = declared?.response['content']?.['application/json'];
  if (declared !== undefined && content === undefined) {
    if (reply.text !== '') problems.push(`status ${reply.status} must have an empty body`);
    return problems;
  }
  if (reply.headers['content-type'] !== 'application/json; charset=utf-8') problems.push(`content-type is ${reply.headers['content-type']}`);
  let body: unknown;
  try {
    body = JSON.parse(reply.text);
  } catch {
    return [...problems, 'body is not JSON'];
  }
  const pointer = content ? `${declared!.pointer}/content/application~1json/schema` : '#/components/schemas/ApiFault';
  const validate = validatorAt(pointer);
  if (!validate(body)) problems.push(`body: ${ajv.errorsText(validate.errors)}`);
  return problems;
}
