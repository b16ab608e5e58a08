/**
 * Test helper: validates values and HTTP responses against the OpenAPI documents themselves (Ajv, JSON Schema
 * 2020-12, the dialect of OpenAPI 3.1), so tests across the repo check the contract, not a copy of it.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';
import { specFiles } from '../src/index.js';

const BASE = 'https://batchwatch.invalid/';
type Document = Record<string, any>;

export const partnerCenterSpec: Document = parse(readFileSync(specFiles.partnerCenter, 'utf8'));
export const proxySpec: Document = parse(readFileSync(specFiles.proxy, 'utf8'));

const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
addFormats(ajv);
ajv.addSchema(partnerCenterSpec, `${BASE}partner-center.yaml`);
ajv.addSchema(proxySpec, `${BASE}proxy.yaml`);

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Errors of `value` against a JSON pointer into one of the documents; [] when valid. */
export function validateAt(pointer: string, value: unknown, document: 'partner-center' | 'proxy' = 'partner-center'): string[] {
  const ref = `${BASE}${document}.yaml#${pointer}`;
  let validate = compiled.get(ref);
  if (!validate) compiled.set(ref, (validate = ajv.compile({ $ref: ref })));
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

export const validateSchema = (name: string, value: unknown, document: 'partner-center' | 'proxy' = 'partner-center') =>
  validateAt(`/components/schemas/${name}`, value, document);

/** Where the response of `operationPath` for `status` is declared (a JSON pointer, `$ref`s followed), if it is. */
function responsePointer(operationPath: string, method: string, status: number): string | undefined {
  const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
  const entry = partnerCenterSpec.paths[operationPath]?.[method.toLowerCase()]?.responses?.[String(status)];
  if (!entry) return undefined;
  if (typeof entry.$ref === 'string') return entry.$ref.slice(1);
  return `/paths/${escape(operationPath)}/${method.toLowerCase()}/responses/${status}`;
}

function at(pointer: string): Document {
  return pointer
    .slice(1)
    .split('/')
    .reduce((node: Document, key: string) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], partnerCenterSpec);
}

/** Errors of a whole response (status declared, required headers present, body valid); [] when it conforms. */
export function validateResponse(
  operationPath: string,
  method: string,
  response: { status: number; headers: Headers | Record<string, string>; body: unknown },
): string[] {
  const pointer = responsePointer(operationPath, method, response.status);
  if (!pointer) return [`status ${response.status} is not declared for ${method} ${operationPath}`];
  const declared = at(pointer);
  const get = (name: string) =>
    response.headers instanceof Headers ? response.headers.get(name) : response.headers[name.toLowerCase()];
  const errors: string[] = [];
  for (const [name, header] of Object.entries<Document>(declared.headers ?? {})) {
    const definition = typeof header.$ref === 'string' ? at(header.$ref.slice(1)) : header;
    if (definition.required && get(name) == null) errors.push(`missing header ${name}`);
  }
  if (!declared.content?.['application/json']) {
    return response.body === undefined || response.body === '' ? errors : [...errors, 'unexpected body'];
  }
  return [...errors, ...validateAt(`${pointer}/content/application~1json/schema`, response.body)];
}
