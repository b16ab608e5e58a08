/**
 * The proxy's own OpenAPI document, served as one JSON file: `proxy.yaml` with its references into
 * `partner-center.yaml` inlined — Partner Center's components are merged into the document's components and
 * the shared path item is copied in — so a reader needs no second file. And a small HTML page generated from it.
 */
import { readFileSync } from 'node:fs';
import { specFiles } from '@batchwatch/openapi';
import { parse } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const EXTERNAL = './partner-center.yaml#';

export function loadBundledSpec(files: { proxy: string; partnerCenter: string } = specFiles): JsonObject {
  const proxy = parse(readFileSync(files.proxy, 'utf8')) as JsonObject;
  const partnerCenter = parse(readFileSync(files.partnerCenter, 'utf8')) as JsonObject;
  return bundle(proxy, partnerCenter);
}

export function bundle(proxy: JsonObject, partnerCenter: JsonObject): JsonObject {
  const doc = inline(structuredClone(proxy), partnerCenter) as JsonObject;
  const components = (doc.components ??= {}) as JsonObject;
  const theirs = (partnerCenter.components ?? {}) as JsonObject;
  for (const [section, entries] of Object.entries(theirs)) {
    // Partner Center's credential scheme is the proxy's business, not its callers'.
    if (section === 'securitySchemes') continue;
    const ours = (components[section] ??= {}) as JsonObject;
    for (const [name, value] of Object.entries(entries as JsonObject)) {
      if (name in ours && JSON.stringify(ours[name]) !== JSON.stringify(value)) {
        throw new Error(`cannot bundle the OpenAPI documents: components.${section}.${name} differs between them`);
      }
      ours[name] = value;
    }
  }
  const tags = (partnerCenter.tags ?? []) as Json[];
  if (tags.length) doc.tags = [...((doc.tags ?? []) as Json[]), ...tags];
  pruneUnused(doc);
  return doc;
}

/** Drops the merged-in components nothing refers to (Partner Center's upload operations are not served here). */
function pruneUnused(doc: JsonObject): void {
  const components = doc.components as JsonObject;
  const used = new Set<string>();
  const visit = (node: Json): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node === null || typeof node !== 'object') return;
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/') && !used.has(ref)) {
      used.add(ref);
      visit(resolvePointer(doc, ref.slice(1)));
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(doc.paths ?? {});
  for (const [section, entries] of Object.entries(components)) {
    if (section === 'securitySchemes') continue;
    for (const name of Object.keys(entries as JsonObject)) {
      if (!used.has(`#/components/${section}/${name}`)) delete (entries as JsonObject)[name];
    }
  }
}

/** Rewrites `./partner-center.yaml#/components/…` to local refs and copies anything else referenced (path items). */
function inline(node: Json, partnerCenter: JsonObject): Json {
  if (Array.isArray(node)) return node.map((item) => inline(item, partnerCenter));
  if (node === null || typeof node !== 'object') return node;
  const ref = node.$ref;
  if (typeof ref === 'string' && ref.startsWith(EXTERNAL)) {
    const pointer = ref.slice(EXTERNAL.length);
    if (pointer.startsWith('/components/')) return { ...node, $ref: `#${pointer}` };
    return inline(structuredClone(resolvePointer(partnerCenter, pointer)), partnerCenter);
  }
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) out[key] = inline(value, partnerCenter);
  return out;
}

export function resolvePointer(doc: Json, pointer: string): Json {
  let node: Json = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !(key in node)) throw new Error(`unresolvable JSON pointer ${pointer}`);
    node = (node as JsonObject)[key] as Json;
  }
  return node;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

/** A self-contained page (no scripts, no external assets) listing every operation of the document. */
export function renderDocs(doc: JsonObject): string {
  const info = (doc.info ?? {}) as JsonObject;
  const sections: string[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as JsonObject)) {
    for (const method of METHODS) {
      const op = (item as JsonObject)[method] as JsonObject | undefined;
      if (op) sections.push(renderOperation(doc, method, path, op, (item as JsonObject).parameters));
    }
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(String(info.title ?? 'API'))}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
code,pre{font-family:ui-monospace,monospace;font-size:90%}
section{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
h2{font-size:1.05rem;margin:.4rem 0}.m{display:inline-block;min-width:3.5rem;font-weight:700;color:#0a5}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #eee;padding:.25rem .5rem;text-align:left;vertical-align:top}
.d{white-space:pre-wrap}
</style></head><body>
<h1>${esc(String(info.title ?? 'API'))} <small>${esc(String(info.version ?? ''))}</small></h1>
<p class="d">${esc(String(info.description ?? info.summary ?? ''))}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
${sections.join('\n')}
</body></html>`;
}

function renderOperation(doc: JsonObject, method: string, path: string, op: JsonObject, shared: Json | undefined): string {
  const params = [...asArray(shared), ...asArray(op.parameters)].map((p) => deref(doc, p) as JsonObject);
  const rows = params
    .map((p) => `<tr><td><code>${esc(String(p.name))}</code></td><td>${esc(String(p.in))}</td><td>${p.required ? 'yes' : ''}</td><td class="d">${esc(String(p.description ?? ''))}</td></tr>`)
    .join('');
  const responses = Object.entries((op.responses ?? {}) as JsonObject)
    .map(([status, r]) => `<tr><td><code>${esc(status)}</code></td><td class="d">${esc(String((deref(doc, r) as JsonObject).description ?? ''))}</td></tr>`)
    .join('');
  return `<section id="${esc(String(op.operationId ?? path))}">
<h2><span class="m">${method.toUpperCase()}</span> <code>${esc(path)}</code></h2>
<p><strong>${esc(String(op.summary ?? ''))}</strong></p><p class="d">${esc(String(op.description ?? ''))}</p>
${rows ? `<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th></tr>${rows}</table>` : ''}
<table><tr><th>Status</th><th>Response</th></tr>${responses}</table>
</section>`;
}

function deref(doc: JsonObject, node: Json): Json {
  const ref = node && typeof node === 'object' && !Array.isArray(node) ? node.$ref : undefined;
  return typeof ref === 'string' && ref.startsWith('#') ? deref(doc, resolvePointer(doc, ref.slice(1))) : node;
}

const asArray = (node: Json | undefined): Json[] => (Array.isArray(node) ? node : []);

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
