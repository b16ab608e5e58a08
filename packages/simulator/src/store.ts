/** The simulator's state: batches by tracking id, and the named device batches that POSTs create. */
import type { Device } from '@batchwatch/openapi';
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

/** A device as the device list shows it: what was uploaded, plus the id and time Partner Center gives it. */
export interface ListedDevice extends Device {
  id: string;
  uploadedDate: string;
}

export interface NamedBatch {
  readonly customerId: string;
  /** As first submitted; names are compared case-insensitively (reference §3, batch name reuse). */
  readonly batchId: string;
  readonly createdAt: number;
  /** Every device uploaded to the batch, by its creation and by later additions, in upload order. */
  readonly devices: ListedDevice[];
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

  /** The new batch, or undefined when the name is taken for this customer. */
  addNamed(customerId: string, batchId: string, createdAt = 0): NamedBatch | undefined {
    const key = namedKey(customerId, batchId);
    if (this.#named.has(key)) return undefined;
    const named: NamedBatch = { customerId, batchId, createdAt, devices: [] };
    this.#named.set(key, named);
    return named;
  }

  /** The customer's named batches, in creation order. */
  namedOf(customerId: string): NamedBatch[] {
    return [...this.#named.values()].filter((named) => idKey(named.customerId) === idKey(customerId));
  }
}

function namedKey(customerId: string, batchId: string): string {
  return `${idKey(customerId)}/${batchId.toLowerCase()}`;
}
