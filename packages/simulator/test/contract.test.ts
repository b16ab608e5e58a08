/**
 * The contract test: every built-in scenario, sampled across its lifecycle, and every error path, answers
 * exactly what openapi/partner-center.yaml declares for that status (body schema and headers).
 * `malformed` is the one scenario that must NOT validate.
 */
import { describe, expect, it } from 'vitest';
import { scenarioNames, scenarios, type Fault, type ScenarioName } from '../src/index.js';
import { contractProblems, declaredResponse, operations, spec, validateAt, validateSchema } from './support/contract.js';
import { AUTH, DOC_CUSTOMER, OTHER_CUSTOMER, get, json, post, startTestSimulator, type Reply, type TestSimulator } from './support/http.js';

const T0 = Date.UTC(2026, 0, 1, 12);

/** Offsets (ms after submission) spanning queued, processing and terminal. */
function sampleOffsets(name: ScenarioName): number[] {
  const { queuedMs: q, processingMs: p } = scenarios[name];
  return [0, q / 2, q + 0.05 * p, q + 0.25 * p, q + 0.5 * p, q + 0.75 * p, q + 0.95 * p, q + p, q + p + 3_600_000];
}

/** Enough consecutive polls per batch to walk through the scenario's fault cycle. */
function pollsPerBatch(name: ScenarioName): number {
  return (scenarios[name].faults ?? []).some((f) => f.fault.kind !== 'delay') ? 10 : 1;
}

/** One batch per offset, all observed at T0, so the (real-time) delays of `slow` run in parallel. */
async function sampleScenario(name: ScenarioName): Promise<Array<Reply | 'reset'>> {
  const sim = await startTestSimulator();
  const paths = sampleOffsets(name).map((offset) => {
    sim.clock.set(T0 - offset);
    return sim.addBatch(name).statusPath;
  });
  sim.clock.set(T0);
  const perBatch = await Promise.all(
    paths.map(async (path) => {
      const replies: Array<Reply | 'reset'> = [];
      for (let i = 0; i < pollsPerBatch(name); i++) replies.push(await get(sim, path).catch(() => 'reset' as const));
      return replies;
    }),
  );
  return perBatch.flat();
}

const isReply = (r: Reply | 'reset'): r is Reply => r !== 'reset';

// The large scenario validates 10,000-device bodies: a budget for a loaded machine, not an assertion.
describe('built-in scenarios against the contract', { timeout: 60_000 }, () => {
  for (const name of scenarioNames.filter((n) => n !== 'malformed')) {
    it(`${name}: every response validates, and the samples span the lifecycle`, async () => {
      const replies = await sampleScenario(name);
      for (const reply of replies.filter(isReply)) {
        expect(contractProblems(operations.getStatus, reply), `${reply.status} ${reply.text.slice(0, 200)}`).toEqual([]);
      }
      const statuses = new Set(
        replies
          .filter(isReply)
          .filter((r) => r.status === 200)
          .map((r) => json(r).status),
      );
      expect(statuses).toContain('queued');
      expect(statuses).toContain('processing');
      expect(statuses.has('finished') || statuses.has('finished_with_errors')).toBe(true);
      const resets = replies.filter((r) => r === 'reset').length;
      const patterns = (scenarios[name].faults ?? []).map((f) => f.fault.kind);
      expect(resets > 0).toBe(patterns.includes('reset'));
    });
  }

  it('throttled and flaky produce their fault statuses', async () => {
    const throttled = (await sampleScenario('throttled')).filter(isReply).map((r) => r.status);
    expect(new Set(throttled)).toEqual(new Set([200, 429]));
    const flaky = (await sampleScenario('flaky')).filter(isReply).map((r) => r.status);
    expect(new Set(flaky)).toEqual(new Set([200, 500, 502, 503]));
  });

  it('malformed: the one scenario whose responses do NOT validate', async () => {
    const replies = (await sampleScenario('malformed')).filter(isReply);
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) {
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(contractProblems(operations.getStatus, reply)).toContain('body is not JSON');
    }
  });
});

describe('the contract document itself', () => {
  it('the documented 200 example validates against the 200 schema', () => {
    const declared = declaredResponse(operations.getStatus.path, operations.getStatus.method, 200);
    const example = declared!.response['content']['application/json']['examples']['documented']['value'];
    expect(validateAt(`${declared!.pointer}/content/application~1json/schema`, example)).toEqual([]);
    expect(example.devicesStatus[0].errorDescription).toBe('ZtdDeviceAssignedToOtherTenant');
  });

  it('the validator rejects what the contract forbids (so the tests can fail)', () => {
    expect(validateSchema('BatchUploadDetails', { batchTrackingId: 'not-a-guid', status: 'finished' })).not.toEqual([]);
    expect(validateSchema('BatchUploadDetails', { batchTrackingId: '0127ed8e-ff72-4983-a3d8-e8d8bd378932', status: 'done' })).not.toEqual([]);
    const fault = { status: 500, headers: {}, text: '{"message":"oops"}' };
    expect(contractProblems(operations.getStatus, fault).length).toBeGreaterThan(1);
    expect(spec['openapi']).toBe('3.1.0');
  });
});

async function errorSimulator(): Promise<{ sim: TestSimulator; path: string }> {
  const sim = await startTestSimulator();
  return { sim, path: sim.addBatch('clean').statusPath };
}

describe('error paths against the contract', () => {
  const statusErrors: Array<[string, (sim: TestSimulator, path: string) => Promise<Reply>, number]> = [
    ['non-GUID customer', (sim, path) => get(sim, path.replace(DOC_CUSTOMER, 'contoso')), 400],
    ['non-GUID tracking id', (sim) => get(sim, `/v1/customers/${DOC_CUSTOMER}/batchJobStatus/42`), 400],
    ['missing token', (sim, path) => get(sim, path, { Authorization: '' }), 401],
    ['wrong token', (sim, path) => get(sim, path, { Authorization: 'Bearer nope' }), 401],
    ['unknown batch', (sim) => get(sim, `/v1/customers/${DOC_CUSTOMER}/batchJobStatus/${crypto.randomUUID()}`), 404],
    ['other customer', (sim, path) => get(sim, path.replace(DOC_CUSTOMER, OTHER_CUSTOMER)), 404],
    ['unknown path', (sim) => get(sim, '/v1/customers'), 404],
    ['wrong method', (sim, path) => post(sim, path, {}), 405],
  ];
  for (const [label, send, status] of statusErrors) {
    it(`GET status, ${label} → ${status}`, async () => {
      const { sim, path } = await errorSimulator();
      const reply = await send(sim, path);
      expect(reply.status).toBe(status);
      expect(contractProblems(operations.getStatus, reply)).toEqual([]);
    });
  }

  const injected: Array<[Fault, number]> = [
    [{ kind: 'throttle', retryAfterSeconds: 57 }, 429],
    [{ kind: 'throttle', retryAfterSeconds: 3, body: 'api-fault' }, 429],
    [{ kind: 'status', status: 500 }, 500],
    [{ kind: 'status', status: 502 }, 502],
    [{ kind: 'status', status: 503, retryAfterSeconds: 5 }, 503],
    [{ kind: 'status', status: 504 }, 504],
    [{ kind: 'status', status: 408 }, 408],
  ];
  for (const [fault, status] of injected) {
    it(`GET status, injected ${JSON.stringify(fault)} → ${status}`, async () => {
      const { sim, path } = await errorSimulator();
      sim.injectFault(fault);
      const reply = await get(sim, path);
      expect(reply.status).toBe(status);
      expect(contractProblems(operations.getStatus, reply)).toEqual([]);
    });
  }

  it('POST deviceBatches: 202, 400, 401 and 409 follow the contract', async () => {
    const { sim } = await errorSimulator();
    const path = `/v1/customers/${DOC_CUSTOMER}/deviceBatches`;
    const body = { batchId: 'Contract batch', devices: [{ serialNumber: 'SN-1', productKey: '12345-67890-09876-54321-13579' }] };
    const replies: Array<[Reply, number]> = [
      [await post(sim, path, body), 202],
      [await post(sim, path, { ...body, batchId: 'contract BATCH' }), 409],
      [await post(sim, path, '{"batchId":'), 400],
      [await post(sim, path, { batchId: 'x', devices: [] }), 400],
      [await post(sim, path.replace(DOC_CUSTOMER, 'contoso'), body), 400],
      [await post(sim, path, body, { Authorization: 'Bearer wrong' }), 401],
    ];
    for (const [reply, status] of replies) {
      expect(reply.status).toBe(status);
      expect(contractProblems(operations.createBatch, reply), `${status}`).toEqual([]);
    }
  });

  it('POST devices of an existing batch: 202, 400, 401 and 404 follow the contract', async () => {
    const { sim } = await errorSimulator();
    await post(sim, `/v1/customers/${DOC_CUSTOMER}/deviceBatches`, { batchId: 'Test batch', devices: [{ serialNumber: 'A' }] });
    const path = `/v1/customers/${DOC_CUSTOMER}/deviceBatches/Test%20batch/devices`;
    const replies: Array<[Reply, number]> = [
      [await post(sim, path, [{ serialNumber: 'B' }]), 202],
      [await post(sim, path, { devices: [{ serialNumber: 'C' }] }), 202],
      [await post(sim, path, { devices: 'none' }), 400],
      [await post(sim, path.replace('Test%20batch', 'Unknown'), [{ serialNumber: 'D' }]), 404],
      [await post(sim, path, [{ serialNumber: 'E' }], { ...AUTH, Authorization: 'Basic abc' }), 401],
    ];
    for (const [reply, status] of replies) {
      expect(reply.status).toBe(status);
      expect(contractProblems(operations.addDevices, reply), `${status}`).toEqual([]);
    }
  });
});
