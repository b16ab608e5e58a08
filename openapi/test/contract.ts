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

// ajv and ajv-formats are CommonJS with `exports.default`; take whichever the loader hands us.
const AjvClass = ((Ajv2020 as any).default ?? Ajv2020) as typeof Ajv2020.default;
const applyFormats = ((addFormats as any).default ?? addFormats) as typeof addFormats.default;
const ajv = new AjvClass({ strict: false, allErrors: true, validateSchema: false });
applyFormats(ajv);
ajv.addSchema(partnerCenterSpec, `${BASE}partner-center.yaml`);
ajv.addSchema(proxySpec, `${BASE}proxy.yaml`);

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();

/** Errors of `value` against a JSON pointer into one of the documents; [] when valid. */
export function validateAt(pointer: string, value: unknown, document: 'partner-center' | 'proxy' = 'partner-center'): string[] {
  const ref = `${BASE}${document}.yaml#${pointer}`;
  let validate = compiled.get(ref);
  if (!validate) compiled.set(ref, (validate = ajv.compile({ $ref: ref })));
  return validate(value) ? [] : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath || '/'} ${e.message}`);
}

export const validateSchema = (name: string, value: unknown, document: 'partner-center' | 'proxy' = 'partner-center') =>
  validateAt(`/components/schemas/${name}`, value, document);

export interface ResponseUnderTest {
  status: number;
  headers: Headers | Record<string, string>;
  body: unknown;
}

/** The response the contract declares for `status` (a JSON pointer and the object, `$ref` followed), if any. */
export function declaredResponse(operationPath: string, method: string, status: number): { pointer: string; response: Document } | undefined {
  const entry = partnerCenterSpec.paths[operationPath]?.[method.toLowerCase()]?.responses?.[String(status)];
  if (!entry) return undefined;
  const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
  const pointer = typeof entry.$ref === 'string' ? entry.$ref.slice(1) : `/paths/${escape(operationPath)}/${method.toLowerCase()}/responses/${status}`;
  return { pointer, response: at(pointer) };
}

function at(pointer: string): Document {
  return pointer
    .slice(1)
    .split('/')
    .reduce((node: Document, key: string) => node[key.replace(/~1/g, '/').replace(/~0/g, '~')], partnerCenterSpec);
}

function headerProblems(declared: Document, get: (name: string) => string | null | undefined): string[] {
  const problems: string[] = [];
  for (const [name, header] of Object.entries<Document>(declared.headers ?? {})) {
    const definition = typeof header.$ref === 'string' ? at(header.$ref.slice(1)) : header;
    const value = get(name);
    if (value == null) {
      if (definition.required) problems.push(`missing header ${name}`);
      continue;
    }
    // Header values are text; an integer header (Retry-After) is checked as the number it spells.
    const typed = definition.schema?.type === 'integer' && /^\d+$/.test(value) ? Number(value) : value;
    const validate = ajv.compile(definition.schema ?? {});
    if (!validate(typed)) problems.push(`header ${name}: ${ajv.errorsText(validate.errors)}`);
  }
  return problems;
}

/**
 * Problems of a whole response against the contract ([] when it conforms): the status is declared (or, with
 * `undeclared: 'api-fault'`, an undeclared status carries an ApiFault), the declared headers are present and
 * valid, and the body matches its schema (or is empty when none is declared).
 */
export function validateResponse(
  operationPath: string,
  method: string,
  response: ResponseUnderTest,
  options: { undeclared?: 'error' | 'api-fault' } = {},
): string[] {
  const declared = declaredResponse(operationPath, method, response.status);
  if (!declared) {
    if (options.undeclared !== 'api-fault') return [`status ${response.status} is not declared for ${method} ${operationPath}`];
    return validateSchema('ApiFault', response.body).map((problem) => `body: ${problem}`);
  }
  const get = (name: string) => (response.headers instanceof Headers ? response.headers.get(name) : response.headers[name.toLowerCase()]);
  const problems = headerProblems(declared.response, get);
  if (!declared.response.content?.['application/json']) {
    return response.body === undefined || response.body === '' ? problems : [...problems, 'unexpected body'];
  }
  const bodyProblems = validateAt(`${declared.pointer}/content/application~1json/schema`, response.body);
  return [...problems, ...bodyProblems.map((problem) => `body: ${problem}`)];
}
