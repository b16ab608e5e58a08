/**
 * Event-stream watchers for the benchmarks: bare TCP sockets, a minimal subscriber, so what is measured is the
 * proxy's fan-out rather than this process parsing HTTP a thousand times. Each socket reads into one shared
 * buffer (`onread`: no Buffer, no stream event per read), so thousands of watchers in one process take their
 * bytes as soon as they can; a receive time is taken when this process reads the socket.
 */
import { connect, type Socket } from 'node:net';

export interface Watchers {
  /** Resolves with each watcher's receive time of the first chunk containing `marker` after `arm()`. */
  arm(marker: string): Promise<number[]>;
  close(): void;
}

/** How much of a read is kept for the next one: a marker split between two reads is still found. */
const TAIL = 64;

export async function openWatchers(url: string, count: number, apiKey: string): Promise<Watchers> {
  const target = new URL(url);
  const request = `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${apiKey}\r\nAccept: text/event-stream\r\n\r\n`;
  const sockets: Socket[] = [];
  const shared = Buffer.alloc(64 * 1024); // every read lands here and is looked at before the next one
  let marker: Buffer | undefined;
  let onHit: ((index: number, at: number) => void) | undefined;
  await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<void>((resolve, reject) => {
          let head = '';
          let ready = false;
          const tail = Buffer.alloc(2 * TAIL); // the end of the previous read, then the start of this one
          let kept = 0;
          /** Returns whether to read on. */
          const onRead = (size: number, buffer: Uint8Array): boolean => {
            const at = Date.now();
            const chunk = Buffer.from(buffer.buffer, buffer.byteOffset, size); // a view, not a copy
            if (!ready) {
              head += chunk.toString('latin1');
              if (!head.startsWith('HTTP/1.1 200')) {
                reject(new Error(`watcher ${index}: ${head.split('\r\n', 1)[0]}`));
                return false;
              }
              ready = head.includes('event: snapshot');
              if (ready) resolve();
            }
            if (marker && (chunk.indexOf(marker) >= 0 || splitAcross(tail, kept, chunk, marker))) onHit?.(index, at);
            kept = Math.min(size, TAIL);
            chunk.copy(tail, 0, size - kept);
            return true;
          };
          const socket = connect({ port: Number(target.port), host: target.hostname, onread: { buffer: shared, callback: onRead } }, () =>
            socket.write(request),
          );
          sockets.push(socket);
          socket.on('error', reject);
        }),
    ),
  );
  return {
    arm(text) {
      marker = Buffer.from(text);
      const times = new Array<number>(count).fill(0);
      let left = count;
      return new Promise((resolve) => {
        onHit = (index, at) => {
          if (times[index]) return;
          times[index] = at;
          if (--left === 0) resolve(times);
        };
      });
    },
    close: () => sockets.forEach((socket) => socket.destroy()),
  };
}

/** The marker starts in the previous read's last `kept` bytes (in `tail`) and ends in this one. */
function splitAcross(tail: Buffer, kept: number, chunk: Buffer, marker: Buffer): boolean {
  if (kept === 0) return false;
  const joined = Math.min(chunk.length, marker.length - 1);
  chunk.copy(tail, kept, 0, joined);
  // From where a marker would still reach into this read: one wholly in the previous read is old news.
  return tail.subarray(Math.max(0, kept - marker.length + 1), kept + joined).indexOf(marker) >= 0;
}
