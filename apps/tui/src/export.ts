/**
 * `--export failed.csv` and the key `e`: the failed devices as an Autopilot CSV grouped by error code, with the
 * original rows (hardware hash included) when the uploaded file is known (`--devices`, or the upload history).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DeviceDetails } from '@batchwatch/client';
import { exportFailedDevices, parseAutopilotCsv, type AutopilotRow, type FailedDevicesExport } from '@batchwatch/client/autopilot-csv';

/** The failed devices of a watch, in the order they failed. */
export function failedDevicesOf(state: { devices: ReadonlyMap<string, DeviceDetails>; failed: readonly string[] }): DeviceDetails[] {
  return state.failed.map((key) => state.devices.get(key)).filter((device) => device !== undefined);
}

export interface WrittenExport extends Omit<FailedDevicesExport, 'csv'> {
  path: string;
  /** Why the original rows could not be used, when a devices file was given. */
  devicesProblem?: string;
}

async function originalRows(devicesFile: string): Promise<{ rows?: AutopilotRow[]; problem?: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(devicesFile);
  } catch (error) {
    return { problem: `cannot read ${devicesFile}: ${(error as Error).message}` };
  }
  const parsed = parseAutopilotCsv(bytes);
  return parsed.ok ? { rows: parsed.rows } : { problem: `${devicesFile} has ${parsed.problems.length} problem(s); exported without hashes` };
}

export async function writeFailedExport(path: string, failed: readonly DeviceDetails[], devicesFile?: string): Promise<WrittenExport> {
  const { rows, problem } = devicesFile ? await originalRows(devicesFile) : {};
  const { csv, ...summary } = exportFailedDevices(failed, rows ? { originalRows: rows } : {});
  const absolute = resolve(path);
  await writeFile(absolute, csv);
  return { ...summary, path: absolute, ...(problem && { devicesProblem: problem }) };
}

/** One line for the operator: how many, where, and whether the hashes are in. */
export function describeExport(written: WrittenExport): string {
  const hashes = written.withoutHash === 0 ? '' : ` (${written.withoutHash} without hardware hash: pass --devices <the uploaded csv>)`;
  const groups = written.groups.map((g) => `${g.code}×${g.count}`).join(', ');
  return `exported ${written.count} failed device${written.count === 1 ? '' : 's'}${groups ? ` [${groups}]` : ''} to ${written.path}${hashes}`;
}
