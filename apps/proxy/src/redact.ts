/**
 * Text from outside (upstream descriptions, error messages) is scrubbed before it reaches a caller or a log:
 * the proxy's own Partner Center tokens by value, and anything shaped like a bearer credential or a JWT,
 * whatever the upstream chose to echo. Bounded and free of control characters, so one line stays one line.
 */
const secrets = new Set<string>();
/** Tokens shorter than this are not searched for: they would match ordinary words. */
const MIN_SECRET = 8;
const MAX_SECRETS = 64;

/** A credential the proxy sends upstream (the static token, each Entra token obtained). */
export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < MIN_SECRET || secrets.has(secret)) return;
  if (secrets.size >= MAX_SECRETS) secrets.delete(secrets.values().next().value!); // old Entra tokens expire
  secrets.add(secret);
}

const BEARER = /\b(bearer|basic|token|access_token|api[_-]?key|key)(\s*[:= ]\s*)("?)[^\s"',;&]{6,}/gi;
const JWT = /\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g;

export function redact(text: string, maxLength = 1_024): string {
  let out = text.length > maxLength * 4 ? text.slice(0, maxLength * 4) : text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  out = out.replace(JWT, '[redacted]').replace(BEARER, (_m, word: string, sep: string, quote: string) => `${word}${sep}${quote}[redacted]`);
  // eslint-disable-next-line no-control-regex
  out = out.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
  return out.length > maxLength ? `${out.slice(0, maxLength - 1)}…` : out;
}

/** Deeply redacts the strings of a JSON value (ApiFault `data`), bounded in size. */
export function redactJson(value: unknown, budget = { left: 8_192 }): unknown {
  if (budget.left <= 0) return null;
  if (typeof value === 'string') {
    const text = redact(value);
    budget.left -= text.length;
    return text;
  }
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactJson(item, budget));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value).slice(0, 100)) out[redact(key, 128)] = redactJson(item, budget);
    return out;
  }
  budget.left -= 8;
  return value;
}
