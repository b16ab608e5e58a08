/**
 * Writes failed devices back as an Autopilot CSV, ready to fix and upload again: the standard columns first, then
 * `Error Code`, `Error` and `Hint` (which batchwatch's reader ignores), grouped by error code.
 */
import { stringify } from 'csv-stringify/sync';
import { describeDeviceError } from '../autopilot-errors.js';
import type { DeviceDetails } from '../normalize.js';
import { AUTOPILOT_COLUMNS, EXPORT_COLUMNS, type AutopilotRow } from './read.js';

export interface ExportGroup {
  /** The error code, or the error's name when the device had no code. */
  code: string;
  name?: string;
  hint?: string;
  count: number;
}

export interface FailedDevicesExport {
  /** The file's text (CRLF line ends, as Windows tools write them). */
  csv: string;
  count: number;
  groups: ExportGroup[];
  /** Devices exported without a hardware hash: the status API returns none, only the uploaded file has it. */
  withoutHash: number;
}

export interface ExportOptions {
  /** The rows of the file that was uploaded: matched by serial number (else product key), they carry the hash. */
  originalRows?: readonly AutopilotRow[];
}

const HEADER = [...Object.values(AUTOPILOT_COLUMNS), ...EXPORT_COLUMNS];
const NO_CODE = '(none)';

/** Control characters out; a leading `= + - @` made inert, so a spreadsheet never runs text from the service. */
function inert(text: string | undefined): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  const clean = (text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  return /^[=+\-@]/.test(clean) ? `'${clean}` : clean;
}

function plain(text: string | undefined): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is removed
  return (text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
}

function groupKey(device: DeviceDetails): string {
  return device.errorCode ?? device.errorDescription ?? NO_CODE;
}

/** Numeric codes in order (801 before 808), then names, then devices without any. */
function compareCodes(a: string, b: string): number {
  const [na, nb] = [Number(a), Number(b)];
  if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  if (Number.isFinite(na) !== Number.isFinite(nb)) return Number.isFinite(na) ? -1 : 1;
  if (a === NO_CODE || b === NO_CODE) return a === NO_CODE ? 1 : -1;
  return a.localeCompare(b);
}

function indexRows(rows: readonly AutopilotRow[]) {
  const bySerial = new Map<string, AutopilotRow>();
  const byProductKey = new Map<string, AutopilotRow>();
  for (const row of rows) {
    bySerial.set(row.serialNumber.toLowerCase(), row);
    if (row.productKey) byProductKey.set(row.productKey.toLowerCase(), row);
  }
  return (device: DeviceDetails) =>
    (device.serialNumber ? bySerial.get(device.serialNumber.trim().toLowerCase()) : undefined) ??
    (device.productKey ? byProductKey.get(device.productKey.trim().toLowerCase()) : undefined);
}

/** The failed devices as an Autopilot CSV, grouped by error code with each code's hint. */
export function exportFailedDevices(failed: readonly DeviceDetails[], options: ExportOptions = {}): FailedDevicesExport {
  const original = indexRows(options.originalRows ?? []);
  const byCode = new Map<string, DeviceDetails[]>();
  for (const device of failed) byCode.set(groupKey(device), [...(byCode.get(groupKey(device)) ?? []), device]);

  const groups: ExportGroup[] = [];
  const records: string[][] = [];
  let withoutHash = 0;
  for (const code of [...byCode.keys()].sort(compareCodes)) {
    const devices = byCode.get(code)!;
    const known = describeDeviceError(devices[0]?.errorCode, devices[0]?.errorDescription);
    const name = devices[0]?.errorDescription ?? known?.name;
    groups.push({ code, count: devices.length, ...(name && { name }), ...(known && { hint: known.hint }) });
    for (const device of devices) {
      const row = original(device);
      if (!row) withoutHash += 1;
      records.push([
        row?.serialNumber ?? plain(device.serialNumber),
        row?.productKey ?? plain(device.productKey),
        row?.hardwareHash ?? '',
        row?.groupTag ?? '',
        row?.assignedUser ?? '',
        inert(device.errorCode),
        inert(name),
        inert(known?.hint),
      ]);
    }
  }
  const csv = stringify(records, { header: true, columns: HEADER, record_delimiter: 'windows' });
  return { csv, count: failed.length, groups, withoutHash };
}
