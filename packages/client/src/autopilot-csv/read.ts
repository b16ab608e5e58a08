/**
 * Reads the standard Windows Autopilot device CSV (the file `Get-WindowsAutopilotInfo` writes and Intune and Partner
 * Center import) and validates every row before anything is sent: a file with one bad row is refused whole.
 */
import { parse } from 'csv-parse/sync';
import type { Device } from '@batchwatch/openapi';

/** The columns, as Microsoft spells them. The first three are required in the header. */
export const AUTOPILOT_COLUMNS = {
  serialNumber: 'Device Serial Number',
  productKey: 'Windows Product ID',
  hardwareHash: 'Hardware Hash',
  groupTag: 'Group Tag',
  assignedUser: 'Assigned User',
} as const;

type Field = keyof typeof AUTOPILOT_COLUMNS;
const REQUIRED: readonly Field[] = ['serialNumber', 'productKey', 'hardwareHash'];

/** Columns batchwatch's own export adds after the standard ones; read back without a warning and ignored. */
export const EXPORT_COLUMNS = ['Error Code', 'Error', 'Hint'] as const;

/**
 * How many devices batchwatch sends in one upload. Partner Center publishes no number for its device upload API,
 * so this is a cautious cap of our own; larger files are refused, or split into several uploads to one batch.
 */
export const DEFAULT_MAX_DEVICES_PER_UPLOAD = 500;

/** One device of the file, with the line it came from. */
export interface AutopilotRow {
  /** 1-based line number in the file (the header is line 1). */
  line: number;
  serialNumber: string;
  productKey?: string;
  hardwareHash: string;
  groupTag?: string;
  assignedUser?: string;
}

export interface CsvProblem {
  /** 1-based line number; 0 when the problem is the file as a whole (its encoding). */
  line: number;
  message: string;
}

export type AutopilotCsv = { ok: true; rows: AutopilotRow[]; encoding: CsvEncoding; warnings: string[] } | { ok: false; problems: CsvProblem[] };

export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Thrown by `readAutopilotCsvOrThrow`: every problem of the file, each with its line. */
export class AutopilotCsvError extends Error {
  override readonly name = 'AutopilotCsvError';
  constructor(readonly problems: readonly CsvProblem[]) {
    super(`the device file has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map(formatProblem).join('\n')}`);
  }
}

export function formatProblem(problem: CsvProblem): string {
  return problem.line > 0 ? `  line ${problem.line}: ${problem.message}` : `  ${problem.message}`;
}

/**
 * Decodes the file's bytes: a BOM decides (UTF-8, UTF-16 LE as Windows PowerShell's `Out-File` writes it,
 * UTF-16 BE); without one, NUL bytes in the first characters betray UTF-16, anything else must be valid UTF-8.
 */
export function decodeCsvBytes(bytes: Uint8Array): { text: string; encoding: CsvEncoding } {
  const [b0, b1, b2] = bytes;
  let encoding: CsvEncoding = 'utf-8';
  let skip = 0;
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) skip = 3;
  else if (b0 === 0xff && b1 === 0xfe) [encoding, skip] = ['utf-16le', 2];
  else if (b0 === 0xfe && b1 === 0xff) [encoding, skip] = ['utf-16be', 2];
  else if (bytes.length >= 2 && b0 !== 0 && b1 === 0) encoding = 'utf-16le';
  else if (bytes.length >= 2 && b0 === 0 && b1 !== 0) encoding = 'utf-16be';
  const text = new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(skip));
  return { text, encoding };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A hardware hash is standard base64 (the 4K hash is a few thousand characters of it). */
export function isValidHardwareHash(hash: string): boolean {
  return hash.length >= 8 && BASE64.test(hash);
}

function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 21)}...` : text;
}

/** Maps header names (trimmed, any case) to fields; reports missing required columns and duplicates. */
function readHeader(header: readonly string[], problems: CsvProblem[], warnings: string[]): Map<Field, number> {
  const byName = new Map(Object.entries(AUTOPILOT_COLUMNS).map(([field, name]) => [name.toLowerCase(), field as Field]));
  const known = new Set(EXPORT_COLUMNS.map((name) => name.toLowerCase()));
  const columns = new Map<Field, number>();
  header.forEach((raw, index) => {
    const name = raw.trim().toLowerCase();
    const field = byName.get(name);
    if (field === undefined) {
      if (!known.has(name)) warnings.push(`column "${raw.trim()}" is not an Autopilot column and is ignored`);
    } else if (columns.has(field)) problems.push({ line: 1, message: `the column "${AUTOPILOT_COLUMNS[field]}" appears twice` });
    else columns.set(field, index);
  });
  const missing = REQUIRED.filter((field) => !columns.has(field)).map((field) => `"${AUTOPILOT_COLUMNS[field]}"`);
  if (missing.length > 0) {
    problems.push({
      line: 1,
      message: `missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; the header must name ${REQUIRED.map((f) => AUTOPILOT_COLUMNS[f]).join(', ')} (Group Tag and Assigned User are optional)`,
    });
  }
  return columns;
}

interface Record {
  fields: string[];
  line: number;
}

/** csv-parse does the quoting rules; every record keeps the line it started on. */
function records(text: string): Record[] {
  const parsed = parse(text, {
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  }) as unknown as { record: string[]; info: { lines: number } }[];
  // csv-parse counts the line a record ends on; a quoted field may span lines.
  const breaks = (fields: string[]) => fields.reduce((n, field) => n + (field.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
  return parsed.map(({ record, info }) => ({ fields: record, line: info.lines - breaks(record) }));
}

/** Parses and validates the file. Returns every problem at once, or the rows when there are none. */
export function parseAutopilotCsv(input: Uint8Array | string): AutopilotCsv {
  let text: string;
  let encoding: CsvEncoding = 'utf-8';
  try {
    ({ text, encoding } = typeof input === 'string' ? { text: input.replace(/^\uFEFF/, ''), encoding } : decodeCsvBytes(input));
  } catch {
    return { ok: false, problems: [{ line: 0, message: 'the file is neither UTF-8 nor UTF-16 text' }] };
  }
  let all: Record[];
  try {
    all = records(text);
  } catch (error) {
    const { lines } = error as { lines?: number };
    return { ok: false, problems: [{ line: lines ?? 0, message: `not a valid CSV file: ${(error as Error).message}` }] };
  }
  const [header, ...body] = all;
  if (header === undefined) return { ok: false, problems: [{ line: 1, message: 'the file is empty; expected a header line and one device per line' }] };

  const problems: CsvProblem[] = [];
  const warnings: string[] = [];
  const columns = readHeader(header.fields, problems, warnings);
  if (problems.length > 0) return { ok: false, problems };
  if (body.length === 0) return { ok: false, problems: [{ line: 2, message: 'no devices: the file has a header and nothing else' }] };

  const rows = body.map((record) => readRow(record, header.fields.length, columns, problems)).filter((row) => row !== undefined);
  findDuplicates(rows, problems);
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  if (rows.some((row) => row.groupTag || row.assignedUser)) {
    warnings.push("Group Tag and Assigned User are kept in batchwatch's exports, but Partner Center's device upload API has no field for them");
  }
  return { ok: true, rows, encoding, warnings };
}

function readRow(record: Record, width: number, columns: Map<Field, number>, problems: CsvProblem[]): AutopilotRow | undefined {
  const { fields, line } = record;
  const before = problems.length;
  const problem = (message: string) => problems.push({ line, message });
  if (fields.length !== width) problem(`expected ${width} fields like the header, found ${fields.length}`);
  const value = (field: Field) => {
    const index = columns.get(field);
    return index === undefined ? '' : (fields[index] ?? '').trim();
  };
  const serialNumber = value('serialNumber');
  const hardwareHash = value('hardwareHash').replace(/\s+/g, '');
  if (!serialNumber) problem('the Device Serial Number is empty');
  if (!hardwareHash) problem('the Hardware Hash is empty');
  else if (!isValidHardwareHash(hardwareHash)) problem(`the Hardware Hash is not valid base64 (starts "${clip(hardwareHash)}")`);
  if (problems.length > before) return undefined;
  const row: AutopilotRow = { line, serialNumber, hardwareHash };
  const optional: readonly Field[] = ['productKey', 'groupTag', 'assignedUser'];
  for (const field of optional) {
    const text = value(field);
    if (text) row[field as 'productKey'] = text;
  }
  return row;
}

/** The same serial number or the same hash twice: Partner Center would process one and fail the other. */
function findDuplicates(rows: readonly AutopilotRow[], problems: CsvProblem[]): void {
  const seenSerial = new Map<string, number>();
  const seenHash = new Map<string, number>();
  for (const row of rows) {
    const serial = row.serialNumber.toLowerCase();
    const firstSerial = seenSerial.get(serial);
    if (firstSerial !== undefined)
      problems.push({ line: row.line, message: `duplicate Device Serial Number "${row.serialNumber}" (first on line ${firstSerial})` });
    else seenSerial.set(serial, row.line);
    const firstHash = seenHash.get(row.hardwareHash);
    if (firstHash !== undefined) problems.push({ line: row.line, message: `duplicate Hardware Hash (same as line ${firstHash})` });
    else seenHash.set(row.hardwareHash, row.line);
  }
}

/** Like `parseAutopilotCsv`, for callers that prefer an exception. */
export function readAutopilotCsvOrThrow(input: Uint8Array | string): AutopilotRow[] {
  const result = parseAutopilotCsv(input);
  if (!result.ok) throw new AutopilotCsvError(result.problems);
  return result.rows;
}

/** The device as Partner Center's upload expects it (the hash with the serial number and product key). */
export function toDevice(row: AutopilotRow): Device {
  return {
    serialNumber: row.serialNumber,
    hardwareHash: row.hardwareHash,
    ...(row.productKey && { productKey: row.productKey }),
  };
}

/**
 * Splits the rows into uploads of at most `maxPerUpload` devices, in file order. The first creates the batch, the
 * others add to it.
 */
export function splitForUpload<T>(rows: readonly T[], maxPerUpload = DEFAULT_MAX_DEVICES_PER_UPLOAD): T[][] {
  if (!Number.isInteger(maxPerUpload) || maxPerUpload < 1) throw new RangeError(`maxPerUpload must be a positive integer, got ${maxPerUpload}`);
  const chunks: T[][] = [];
  for (let start = 0; start < rows.length; start += maxPerUpload) chunks.push(rows.slice(start, start + maxPerUpload));
  return chunks;
}
