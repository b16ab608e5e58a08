/** Request bodies of the upload endpoints: size-limited, BOM-tolerant JSON. */
import type { IncomingMessage } from 'node:http';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

export type BodyResult = { ok: true; value: unknown } | { ok: false; status: 400 | 413; problem: string };

async function readText(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  // An oversized body is still drained (not stored), so the 413 reaches the client.
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  if (size > MAX_BODY_BYTES) return undefined;
  // Windows tools often write a UTF-8 byte order mark; JSON.parse would reject it.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}

export async function readJsonBody(req: IncomingMessage): Promise<BodyResult> {
  const text = await readText(req);
  if (text === undefined) return { ok: false, status: 413, problem: 'the body is too large' };
  if (text.trim() === '') return { ok: false, status: 400, problem: 'the body is empty' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, status: 400, problem: 'the body is not valid JSON' };
  }
}
