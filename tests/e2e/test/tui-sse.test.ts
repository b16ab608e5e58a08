/** The terminal UI following a batch over SSE through the real proxy in front of the simulator (moved from apps/tui). */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startSimulator } from '@batchwatch/simulator';
import { main } from '@batchwatch/tui';
import { testIO } from '@batchwatch/tui/testing';
import { PROXY_KEY, startTestProxy } from './proxy.js';

vi.setConfig({ testTimeout: 30_000 });

describe('through the real proxy', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of cleanup.reverse()) await close();
  });

  it('follows a batch over SSE from start to finish', async () => {
    const sim = await startSimulator({ speed: 10 });
    cleanup.push(() => sim.close());
    const batch = sim.addBatch('device-errors');
    const proxy = await startTestProxy(sim.url, 100);
    cleanup.push(() => proxy.close());
    const io = testIO({ env: { BATCHWATCH_TOKEN: PROXY_KEY } });
    const code = await main(['watch', batch.customerId, batch.trackingId, '--base-url', proxy.url, '--json', '--timeout', '20s'], io);
    const lines = io.stdout
      .text()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(code).toBe(1);
    expect(lines.at(-1)).toMatchObject({ type: 'summary', source: 'sse', status: 'finished_with_errors', total: 20, done: 20 });
    expect((lines.at(-1)!.failed as unknown[]).length).toBe(4);
    expect((lines.at(-1)!.alreadyRegistered as unknown[]).length).toBe(2);
    expect(lines[0]).toMatchObject({ type: 'snapshot' });
  });
});
