/**
 * Event-stream watchers for the benchmarks: bare TCP sockets, a minimal subscriber, so what is measured is the
 * proxy's fan-out rather than this process parsing HTTP a thousand times.
 */
import { connect, type Socket } from 'node:net';

export interface Watchers {
  /** Resolves with each watcher's receive time of the first chunk containing `marker` after `arm()`. */
  arm(marker: string): Promise<number[]>;
  close(): void;
}

export async function openWatchers(url: string, count: number, apiKey: string): Promise<Watchers> {
  const target = new URL(url);
  const request = `GET ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nAuthorization: Bearer ${apiKey}\r\nAccept: text/event-stream\r\n\r\n`;
  const sockets: Socket[] = [];
  let marker: Buffer | undefined;
  let onHit: ((index: number, at: number) => void) | undefined;
  await Promise.all(
    Array.from(
      { length: count },
      (_, index) =>
        new Promise<void>((resolve, reject) => {
          const socket = connect(Number(target.port), target.hostname, () => socket.write(request));
          sockets.push(socket);
          let head = '';
          let ready = false;
          let tail: Buffer = Buffer.alloc(0); // the end of the previous chunk: a marker may be split between two
          socket.on('data', (chunk: Buffer) => {
            const at = Date.now();
            const seen = tail.length ? Buffer.concat([tail, chunk]) : chunk;
            tail = chunk.subarray(Math.max(0, chunk.length - 64));
            if (!ready) {
              head += chunk.toString('latin1');
              if (!head.startsWith('HTTP/1.1 200')) return reject(new Error(`watcher ${index}: ${head.split('\r\n', 1)[0]}`));
              ready = head.includes('event: snapshot');
              if (ready) resolve();
            }
            if (marker && seen.indexOf(marker) >= 0) onHit?.(index, at);
          });
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
