import { readFileSync } from 'node:fs';

/** Splits an HTTP message as printed in the docs into its first line, headers and (JSON-parsed when possible) body. */
export function parseHttpMessage(text: string): { startLine: string; headers: Record<string, string>; body: unknown } {
  const [head = '', ...rest] = text.replace(/\r\n/g, '\n').split('\n\n');
  const [startLine = '', ...headerLines] = head.split('\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  const raw = rest.join('\n\n').trim();
  let body: unknown = raw;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { startLine, headers, body };
}

/** The documented request and response examples of "Get the status of a device batch upload", verbatim. */
export const seedExample = {
  request: parseHttpMessage(readFileSync(new URL('./fixtures/seed-request.http', import.meta.url), 'utf8')),
  response: parseHttpMessage(readFileSync(new URL('./fixtures/seed-response.http', import.meta.url), 'utf8')),
};
