/**
 * One batch's upstream poller in this process: the shared poll loop (live/polls.ts) feeding the batch's
 * subscribers (live/fanout.ts). It stops when its last subscriber leaves or the batch is terminal.
 */
import type { PollerHub } from './hub.js';
import { EventFanout } from './fanout.js';
import { pollBatch } from './polls.js';
import type { SseStream } from './stream.js';

export class BatchPoller {
  readonly #fanout: EventFanout;
  readonly #controller = new AbortController();
  #stopped = false;

  constructor(
    private readonly hub: PollerHub,
    readonly key: string,
    readonly customerId: string,
    readonly trackingId: string,
    /** Seq before this poller's first event (ids continue from earlier pollers of the batch). */
    base: number,
    private readonly correlationId: string | undefined,
  ) {
    this.#fanout = new EventFanout(key, hub, { idle: () => this.#stop('no subscribers') }, base);
  }

  get subscriberCount(): number {
    return this.#fanout.subscriberCount;
  }

  get lastSeq(): number {
    return this.#fanout.lastSeq;
  }

  start(): void {
    this.#fanout.start();
    void this.#run();
  }

  add(stream: SseStream, lastEventId: number | undefined): Promise<void> {
    return this.#fanout.add(stream, lastEventId);
  }

  shutdown(): void {
    this.#fanout.shutdown();
    this.#stop('shutdown');
  }

  async #run(): Promise<void> {
    const target = { customerId: this.customerId, trackingId: this.trackingId, correlationId: this.correlationId };
    try {
      await pollBatch(this.hub.store, this.hub.config.poll, target, this.#controller.signal, {
        poll: (snapshot, at, final) => {
          if (!this.#stopped && this.#fanout.deliverPoll(snapshot, at, final)) this.#stop('terminal');
        },
        retrying: (frame) => this.#fanout.notice(Buffer.from(frame)),
      });
    } catch (error) {
      if (this.#stopped) return;
      this.#fanout.fail(error);
      this.#stop('upstream error');
    }
  }

  #stop(why: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#fanout.stop();
    this.#controller.abort(new Error(`poller stopped: ${why}`));
    this.hub.removed(this);
    this.hub.log.debug({ batch: this.key, why, lastSeq: this.lastSeq }, 'poller stopped');
  }
}
