/**
 * A cap on what the proxy reads from Partner Center, applied while the body streams: bytes are counted as
 * they arrive and the read is abandoned (the connection cancelled) as soon as the cap is passed, so a
 * hostile or broken upstream cannot make the proxy hold a body of any size. A declared Content-Length over
 * the cap fails before a byte is read.
 */
import { PartnerCenterError } from '@batchwatch/client';

/** Not retried (the same request would bring the same body) and answered 502 `UpstreamTooLarge`. */
export class BodyTooLargeError extends PartnerCenterError {
  constructor(status: number, maxBytes: number) {
    super({ kind: 'malformed', status, description: `Partner Center answered with a body larger than ${maxBytes} bytes` });
  }
}

export function limitBody(response: Response, maxBytes: number): Response {
  const body = response.body;
  if (!body) return response;
  const init = { status: response.status, statusText: response.statusText, headers: response.headers };
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) {
    void body.cancel().catch(() => {});
    return new Response(new ReadableStream({ start: (controller) => controller.error(new BodyTooLargeError(response.status, maxBytes)) }), init);
  }
  let seen = 0;
  const counter = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > maxBytes) controller.error(new BodyTooLargeError(response.status, maxBytes));
      else controller.enqueue(chunk);
    },
  });
  return new Response(body.pipeThrough(counter), init);
}
