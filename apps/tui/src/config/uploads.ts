/**
 * What this machine uploaded: Partner Center lists batches by name but never says which tracking ids (one per
 * upload) belong to a batch, so batchwatch remembers them here (`uploads.json`), with the CSV each came from.
 */
import { join } from 'node:path';
import { readJson, writeJson } from './json-file.js';

export interface UploadRecord {
  customerId: string;
  batchId: string;
  trackingId: string;
  uploadedAt: string;
  devices: number;
  /** Absolute path of the CSV uploaded, for exports that carry the hardware hashes. */
  file?: string;
}

/** At most this many records are kept (oldest dropped). */
const KEEP = 1_000;

export class UploadHistory {
  readonly path: string;
  constructor(dir: string) {
    this.path = join(dir, 'uploads.json');
  }

  async all(): Promise<UploadRecord[]> {
    return (await readJson<{ uploads?: UploadRecord[] }>(this.path, {})).uploads ?? [];
  }

  async add(record: UploadRecord): Promise<void> {
    const uploads = [...(await this.all()), record].slice(-KEEP);
    await writeJson(this.path, { uploads });
  }

  /** The uploads of one batch (names compared without case), oldest first. */
  async ofBatch(customerId: string, batchId: string): Promise<UploadRecord[]> {
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    return (await this.all()).filter((u) => same(u.customerId, customerId) && same(u.batchId, batchId));
  }

  async byTrackingId(trackingId: string): Promise<UploadRecord | undefined> {
    return (await this.all()).find((u) => u.trackingId.toLowerCase() === trackingId.toLowerCase());
  }
}
