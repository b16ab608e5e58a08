/**
 * `--json` output against its documented JSON Schema (apps/tui/schema/ndjson.schema.json): every line of
 * real runs against the simulator (errors, throttling, 806, a 404, a URL that never answers) validates,
 * carries the schema version and both ids, and writes every time as ISO 8601 UTC with `Z`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createPerPollClock, startSimulator, type RunningSimulator, type ScenarioName } from '@batchwatch/simulator';
import { main } from '../src/run.js';
import { testIO } from './helpers.js';

vi.setConfig({ testTimeout: 60_000 });

const schema = JSON.parse(readFileSync(new URL('../schema/ndjson.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
const TIME_KEYS = /(^at$|Time$)/;

let sim: RunningSimulator;
beforeAll(async () => {
  // Each poll moves the batch 5 s on: every run sees its transitions, however slowly a loaded machine polls.
  sim = await startSimulator({ clock: createPerPollClock(5_000) });
});
afterAll(() => sim.close());

async function jsonRun(ids: { customerId: string; trackingId: string }, baseUrl: string, extra: string[] = []) {
  const io = testIO({ env: { BATCHWATCH_TOKEN: 'simulator-token' } });
  const code = await main(['watch', ids.customerId, ids.trackingId, '--base-url', baseUrl, '--interval', '100ms', '--json', ...extra], io);
  const lines = io.stdout
    .text()
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines };
}

/** Every string value under a time-like key, at any depth. */
function times(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) times(item, found);
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (TIME_KEYS.test(key) && typeof inner === 'string') found.push(inner);
      else times(inner, found);
    }
  }
  return found;
}

function expectValid(lines: Array<Record<string, unknown>>, ids: { customerId: string; trackingId: string }) {
  for (const line of lines) {
    expect(validate(line), `${JSON.stringify(validate.errors)}\n${JSON.stringify(line).slice(0, 400)}`).toBe(true);
    expect(line).toMatchObject({ schemaVersion: 1, customerId: ids.customerId, batchTrackingId: ids.trackingId });
  }
  for (const time of times(lines)) expect(time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(lines.at(-1)!.type).toBe('summary');
}

describe('--json output validates against schema/ndjson.schema.json', () => {
  it.each<ScenarioName>(['device-errors', 'throttled', 'clean'])('%s', async (scenario) => {
    const ids = sim.addBatch(scenario);
    const { lines } = await jsonRun(ids, sim.url);
    expectValid(lines, ids);
    expect(lines.length).toBeGreaterThan(2);
    if (scenario === 'throttled') expect(lines.some((line) => line.type === 'retrying')).toBe(true);
    if (scenario === 'device-errors') expect(lines.at(-1)!.alreadyRegistered).toHaveLength(2);
  });

  it('a 404 summary', async () => {
    const ids = { customerId: '47021739-3426-40bf-9601-61b4b6d7c793', trackingId: '00000000-0000-4000-8000-000000000404' };
    const { code, lines } = await jsonRun(ids, sim.url);
    expect(code).toBe(3);
    expectValid(lines, ids);
  });

  it('a URL that never answers', async () => {
    // A port that was just free: connection refused.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const ids = { customerId: '47021739-3426-40bf-9601-61b4b6d7c793', trackingId: '0127ed8e-1f4d-4cde-9b5a-6e8a9b3c2d10' };
    const { code, lines } = await jsonRun(ids, `http://127.0.0.1:${port}`, ['--connect-timeout', '1s']);
    expect(code).toBe(4);
    expectValid(lines, ids);
    expect(lines.at(-1)).toMatchObject({ outcome: 'error', error: { kind: 'no-answer', host: `127.0.0.1:${port}` } });
  });

  it('the schema rejects a line without the ids (the check above can fail)', () => {
    expect(validate({ schemaVersion: 1, type: 'retrying', at: '2026-01-01T00:00:00.000Z', status: 0, code: null, description: 'x', retryInMs: 1 })).toBe(false);
    expect(
      validate({
        schemaVersion: 1,
        type: 'batch-status',
        customerId: '47021739-3426-40bf-9601-61b4b6d7c793',
        batchTrackingId: '0127ed8e-1f4d-4cde-9b5a-6e8a9b3c2d10',
        seq: 1,
        at: '2026-01-01T00:00:00',
        from: 'queued',
        to: 'processing',
        startedTime: null,
        completedTime: null,
      }),
    ).toBe(false);
  });
});
