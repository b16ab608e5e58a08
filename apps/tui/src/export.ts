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

async function originalRowsOf(devicesFile: string): Promise<{ rows?: AutopilotRow[]; problem?: string }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(devicesFile);
  } catch (error) {
    return { problem: `cannot read ${devicesFile}: ${(error as Error).message}` };
  }
  const parsed = parseAutopilotCsv(bytes);
  return parsed.ok ? { rows: parsed.rows } : { problem: `${devicesFile} has ${parsed.problems.length} problem(s); exported without hashes` };
}

/** The rows of every uploaded file (several batches may come from several files), and what went wrong reading them. */
async function originalRows(devicesFiles: readonly string[]): Promise<{ rows?: AutopilotRow[]; problem?: string }> {
  if (devicesFiles.length === 0) return {};
  const read = await Promise.all(devicesFiles.map(originalRowsOf));
  const problem = read.flatMap((file) => (file.problem ? [file.problem] : [])).join('; ');
  return { rows: read.flatMap((file) => file.rows ?? []), ...(problem && { problem }) };
}

export async function writeFailedExport(path: string, failed: readonly DeviceDetails[], devicesFiles: readonly string[] = []): Promise<WrittenExport> {
  const { rows, problem } = await originalRows(devicesFiles);
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
