/** The simulator's state: batches by tracking id, and the named device batches that POSTs create. */
import { idKey } from './ids.js';
import { planBatch, type BatchPlan } from './lifecycle.js';
import type { ScenarioDefinition } from './types.js';

export class StoredBatch {
  /** Status GETs that reached this batch, numbering requests for the scenario's fault patterns. */
  statusRequests = 0;
  /** Planned up front (cached per scenario), so even the first poll of a 10,000-device batch is fast. */
  readonly plan: BatchPlan;

  constructor(
    readonly customerId: string,
    readonly trackingId: string,
    readonly scenario: ScenarioDefinition,
    readonly createdAt: number,
  ) {
    this.plan = planBatch(scenario, trackingId, createdAt);
  }
}

export interface NamedBatch {
  readonly customerId: string;
  /** As first submitted; names are compared case-insensitively (reference §3, batch name reuse). */
  readonly batchId: string;
}

export class BatchStore {
  readonly #byTracking = new Map<string, StoredBatch>();
  readonly #named = new Map<string, NamedBatch>();

  add(customerId: string, trackingId: string, scenario: ScenarioDefinition, createdAt: number): StoredBatch {
    const key = idKey(trackingId);
    if (this.#byTracking.has(key)) throw new Error(`a batch with tracking id ${trackingId} already exists`);
    const batch = new StoredBatch(customerId, trackingId, scenario, createdAt);
    this.#byTracking.set(key, batch);
    return batch;
  }

  has(trackingId: string): boolean {
    return this.#byTracking.has(idKey(trackingId));
  }

  /** The batch, if it exists AND belongs to the customer (a mismatch is indistinguishable from unknown). */
  find(customerId: string, trackingId: string): StoredBatch | undefined {
    const batch = this.#byTracking.get(idKey(trackingId));
    return batch && idKey(batch.customerId) === idKey(customerId) ? batch : undefined;
  }

  findNamed(customerId: string, batchId: string): NamedBatch | undefined {
    return this.#named.get(namedKey(customerId, batchId));
  }

  /** Returns false when the name is taken for this customer. */
  addNamed(customerId: string, batchId: string): boolean {
    const key = namedKey(customerId, batchId);
    if (this.#named.has(key)) return false;
    this.#named.set(key, { customerId, batchId });
    return true;
  }
}

function namedKey(customerId: string, batchId: string): string {
  return `${idKey(customerId)}/${batchId.toLowerCase()}`;
}
