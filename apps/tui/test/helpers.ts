/** Small, disposable test helpers: fake streams, a scriptable source, raw Partner Center bodies, polling waits. */
import { PassThrough } from 'node:stream';
import { normalizeBatch, type BatchDetails, type WatchEvent } from '@batchwatch/client';
import type { BatchUploadDetails, DeviceUploadDetails } from '@batchwatch/openapi';
import type { SourceHandlers, WatchSource } from '../src/source/types.js';
import type { WatchIO } from '../src/run.js';

export const CUSTOMER = '47021739-3426-40bf-9601-61b4b6d7c793';
export const TRACKING = '0127ed8e-1f4d-4cde-9b5a-6e8a9b3c2d10';

/** A write stream that records what was written (not a TTY unless asked). */
export function capture(isTTY = false): PassThrough & NodeJS.WriteStream & { text(): string } {
  const stream = new PassThrough() as PassThrough & NodeJS.WriteStream & { text(): string };
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  stream.text = () => text;
  (stream as { isTTY?: boolean }).isTTY = isTTY;
  return stream;
}

export function testIO(overrides: Partial<WatchIO> = {}) {
  const stdout = capture();
  const stderr = capture();
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  const io = { stdin, env: {}, handleSignals: false, ...overrides, stdout, stderr };
  return io satisfies WatchIO;
}

export function device(serial: string, status: string, extra: Partial<DeviceUploadDetails> = {}): DeviceUploadDetails {
  return { serialNumber: serial, productKey: `PK-${serial}`, status, ...extra } as DeviceUploadDetails;
}

export function batch(status: string, devices: DeviceUploadDetails[] = [], extra: Partial<BatchUploadDetails> = {}): BatchDetails {
  return normalizeBatch({ batchTrackingId: TRACKING, status, devicesStatus: devices, ...extra } as BatchUploadDetails);
}

/** Many devices, the first `failed` of them failing with 808. */
export function manyDevices(count: number, status = 'processing', failed = 0): DeviceUploadDetails[] {
  return Array.from({ length: count }, (_, i) =>
    i < failed
      ? device(`SN${String(i).padStart(6, '0')}`, 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' })
      : device(`SN${String(i).padStart(6, '0')}`, status),
  );
}

/** A source driven by the test: `emit` events, then `finish()` or `fail(error)`. */
export class ScriptedSource implements WatchSource {
  handlers: SourceHandlers | undefined;
  refreshes = 0;
  private settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private readonly started: Promise<void>;
  private markStarted!: () => void;

  constructor(private readonly mode: 'sse' | 'polling' = 'polling') {
    this.started = new Promise((resolve) => (this.markStarted = resolve));
  }

  run(handlers: SourceHandlers, signal: AbortSignal): Promise<void> {
    this.handlers = handlers;
    handlers.mode(this.mode);
    return new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      this.markStarted();
    });
  }

  refresh(): void {
    this.refreshes += 1;
  }

  async ready(): Promise<void> {
    await this.started;
  }

  emit(event: WatchEvent): void {
    this.handlers!.event(event);
  }

  alive(): void {
    this.handlers!.alive(new Date());
  }

  finish(): void {
    this.settle!.resolve();
  }

  fail(error: unknown): void {
    this.settle!.reject(error);
  }
}

/** Polls `check` until it returns something truthy (no fixed sleeps, a generous deadline). */
export async function waitFor<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Lets React 19 flush passive effects (useInput re-subscribes there) before the next keystroke. */
export async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

export const ESC = '\u001b';
export const KEYS = {
  up: `${ESC}[A`,
  down: `${ESC}[B`,
  pageUp: `${ESC}[5~`,
  pageDown: `${ESC}[6~`,
  home: `${ESC}[H`,
  end: `${ESC}[F`,
  enter: '\r',
  escape: ESC,
  ctrlC: '\u0003',
  backspace: '\u007f',
  tab: '\t',
  shiftTab: `${ESC}[Z`,
};

/** Removes ANSI escape sequences. */
export function plain(text: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (text ?? '').replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '');
}
