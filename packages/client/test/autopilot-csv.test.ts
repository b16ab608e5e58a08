import { describe, expect, it } from 'vitest';
import {
  AutopilotCsvError,
  exportFailedDevices,
  parseAutopilotCsv,
  readAutopilotCsvOrThrow,
  splitForUpload,
  toDevice,
  type AutopilotRow,
} from '../src/autopilot-csv/index.js';
import { normalizeDevice } from '../src/normalize.js';

const HASH_A = Buffer.from('hardware hash of device A, 4K in real life').toString('base64');
const HASH_B = Buffer.from('hardware hash of device B, 4K in real life').toString('base64');
const HASH_C = Buffer.from('hardware hash of device C').toString('base64');
const HEADER = 'Device Serial Number,Windows Product ID,Hardware Hash';

function csv(lines: string[], eol = '\n'): string {
  return lines.join(eol) + eol;
}

function problemsOf(input: string | Uint8Array) {
  const result = parseAutopilotCsv(input);
  if (result.ok) throw new Error('expected problems, the file was accepted');
  return result.problems;
}

function rowsOf(input: string | Uint8Array) {
  const result = parseAutopilotCsv(input);
  if (!result.ok) throw new Error(`expected rows, got ${JSON.stringify(result.problems)}`);
  return result;
}

/** What Windows PowerShell 5's Out-File writes by default: UTF-16 LE with a BOM, CRLF. */
function utf16le(text: string, bom = true): Uint8Array {
  return Buffer.concat([bom ? Buffer.from([0xff, 0xfe]) : Buffer.alloc(0), Buffer.from(text, 'utf16le')]);
}

function utf16be(text: string): Uint8Array {
  const le = Buffer.from(text, 'utf16le');
  return Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le.swap16())]);
}

const SAMPLE = csv([HEADER, `SN-001,00329-00000-0003-AA606,${HASH_A}`, `SN-002,,${HASH_B}`], '\r\n');

describe('reading the Autopilot CSV', () => {
  it('reads the standard columns, with line numbers, and maps rows to upload devices', () => {
    const { rows, encoding } = rowsOf(SAMPLE);
    expect(encoding).toBe('utf-8');
    expect(rows).toEqual([
      { line: 2, serialNumber: 'SN-001', productKey: '00329-00000-0003-AA606', hardwareHash: HASH_A },
      { line: 3, serialNumber: 'SN-002', hardwareHash: HASH_B },
    ]);
    expect(rows.map(toDevice)).toEqual([
      { serialNumber: 'SN-001', productKey: '00329-00000-0003-AA606', hardwareHash: HASH_A },
      { serialNumber: 'SN-002', hardwareHash: HASH_B },
    ]);
  });

  it('reads UTF-8 with a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SAMPLE)]);
    expect(rowsOf(bytes).rows.map((row) => row.serialNumber)).toEqual(['SN-001', 'SN-002']);
  });

  it('reads UTF-16 LE as Get-WindowsAutopilotInfo writes it (BOM, CRLF), and without a BOM', () => {
    for (const bytes of [utf16le(SAMPLE), utf16le(SAMPLE, false)]) {
      const result = rowsOf(bytes);
      expect(result.encoding).toBe('utf-16le');
      expect(result.rows.map((row) => row.hardwareHash)).toEqual([HASH_A, HASH_B]);
    }
  });

  it('reads UTF-16 BE', () => {
    const result = rowsOf(utf16be(SAMPLE));
    expect(result.encoding).toBe('utf-16be');
    expect(result.rows).toHaveLength(2);
  });

  it('reads CRLF, LF, quoted fields, header names in any case, optional Group Tag and Assigned User', () => {
    const text = csv(
      [
        'device serial number, WINDOWS PRODUCT ID ,Hardware Hash,Group Tag,Assigned User',
        `"SN,003",,${HASH_C},Sales,ana@contoso.com`,
        '',
        `SN-004,,"${HASH_A}",,`,
      ],
      '\r\n',
    );
    const result = rowsOf(text);
    expect(result.rows).toEqual([
      { line: 2, serialNumber: 'SN,003', hardwareHash: HASH_C, groupTag: 'Sales', assignedUser: 'ana@contoso.com' },
      { line: 4, serialNumber: 'SN-004', hardwareHash: HASH_A },
    ]);
    expect(result.warnings.join('\n')).toMatch(/no field for them/);
  });

  it('refuses a file whose header lacks required columns, naming them', () => {
    const problems = problemsOf(csv(['Device Serial Number,Hardware Hash', `SN-1,${HASH_A}`]));
    expect(problems).toEqual([{ line: 1, message: expect.stringContaining('missing column "Windows Product ID"') }]);
  });

  it('reports every bad row with its line number, and returns no rows at all', () => {
    const problems = problemsOf(
      csv([
        HEADER,
        `SN-1,,${HASH_A}`,
        `,,${HASH_B}`, // no serial
        'SN-3,,not base64!', // bad hash
        'SN-4,,', // no hash
        `SN-5,,${HASH_C},extra`, // wrong width
      ]),
    );
    expect(problems).toEqual([
      { line: 3, message: 'the Device Serial Number is empty' },
      { line: 4, message: expect.stringMatching(/Hardware Hash is not valid base64/) },
      { line: 5, message: 'the Hardware Hash is empty' },
      { line: 6, message: 'expected 3 fields like the header, found 4' },
    ]);
    expect(() => readAutopilotCsvOrThrow(csv([HEADER, 'SN-3,,@@@@']))).toThrow(AutopilotCsvError);
    expect(() => readAutopilotCsvOrThrow(csv([HEADER, 'SN-3,,@@@@']))).toThrow(/line 2: the Hardware Hash is not valid base64/);
  });

  it('refuses duplicate serial numbers (any case) and duplicate hashes, pointing at the first line', () => {
    const problems = problemsOf(csv([HEADER, `SN-1,,${HASH_A}`, `sn-1,,${HASH_B}`, `SN-2,,${HASH_A}`]));
    expect(problems).toEqual([
      { line: 3, message: 'duplicate Device Serial Number "sn-1" (first on line 2)' },
      { line: 4, message: 'duplicate Hardware Hash (same as line 2)' },
    ]);
  });

  it('gives the starting line of a row after a quoted field spanning lines', () => {
    const problems = problemsOf(csv([HEADER, `"SN\n1",,${HASH_A}`, 'SN-2,,???']));
    expect(problems).toEqual([{ line: 4, message: expect.stringMatching(/not valid base64/) }]);
  });

  it('refuses empty files, header-only files, broken quoting and bytes that are no text', () => {
    expect(problemsOf('')).toEqual([{ line: 1, message: expect.stringMatching(/empty/) }]);
    expect(problemsOf(csv([HEADER]))).toEqual([{ line: 2, message: expect.stringMatching(/no devices/) }]);
    expect(problemsOf(csv([HEADER, `"SN-1,,${HASH_A}`]))[0]?.message).toMatch(/not a valid CSV file/);
    expect(problemsOf(new Uint8Array([0x53, 0x4e, 0xc3, 0x28, 0x2c]))).toEqual([{ line: 0, message: 'the file is neither UTF-8 nor UTF-16 text' }]);
  });

  it('warns about unknown columns but reads its own export columns back silently', () => {
    const result = rowsOf(csv([`${HEADER},Error Code,Error,Hint,Notes`, `SN-1,,${HASH_A},808,Ztd,fix it,hello`]));
    expect(result.warnings).toEqual(['column "Notes" is not an Autopilot column and is ignored']);
  });
});

describe('splitting for Partner Center', () => {
  it('splits in file order into uploads of at most the limit', () => {
    expect(splitForUpload([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitForUpload([1, 2], 500)).toEqual([[1, 2]]);
    expect(() => splitForUpload([1], 0)).toThrow(RangeError);
  });
});

describe('exporting failed devices', () => {
  const failed = [
    normalizeDevice({
      serialNumber: 'SN-2',
      productKey: 'PK-2',
      status: 'finished_with_errors',
      errorCode: '808',
      errorDescription: 'ZtdDeviceAssignedToOtherTenant',
    }),
    normalizeDevice({ serialNumber: 'SN-1', status: 'finished_with_errors', errorCode: '806', errorDescription: 'ZtdDeviceAlreadyAssigned' }),
    normalizeDevice({ serialNumber: 'SN-3', status: 'finished_with_errors', errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
    normalizeDevice({ serialNumber: 'SN-4', status: 'finished_with_errors', errorDescription: '=HYPERLINK("x")' }),
  ];
  const original: AutopilotRow[] = [
    { line: 2, serialNumber: 'SN-1', hardwareHash: HASH_A, groupTag: 'Sales' },
    { line: 3, serialNumber: 'sn-2', productKey: 'PK-2', hardwareHash: HASH_B },
  ];

  it('groups by error code with the hint, carrying the original rows and their hashes', () => {
    const result = exportFailedDevices(failed, { originalRows: original });
    expect(result.groups).toEqual([
      { code: '806', name: 'ZtdDeviceAlreadyAssigned', hint: expect.stringMatching(/Already registered to this tenant/), count: 1 },
      { code: '808', name: 'ZtdDeviceAssignedToOtherTenant', hint: expect.stringMatching(/another tenant/), count: 2 },
      { code: '=HYPERLINK("x")', name: '=HYPERLINK("x")', count: 1 },
    ]);
    expect(result.withoutHash).toBe(2);
    const lines = result.csv.split('\r\n');
    expect(lines[0]).toBe('Device Serial Number,Windows Product ID,Hardware Hash,Group Tag,Assigned User,Error Code,Error,Hint');
    expect(lines[1]).toMatch(new RegExp(`^SN-1,,${HASH_A},Sales,,806,ZtdDeviceAlreadyAssigned,`));
    expect(lines[2]).toMatch(new RegExp(`^sn-2,PK-2,${HASH_B},,,808,`));
    expect(lines[3]).toMatch(/^SN-3,,,,,808,/);
    // Text from the service never becomes a spreadsheet formula.
    expect(lines[4]).toBe(`SN-4,,,,,,"'=HYPERLINK(""x"")",`);
  });

  it('writes a file the reader accepts again once the hashes are there', () => {
    const result = exportFailedDevices(failed.slice(0, 2), { originalRows: original });
    const again = rowsOf(result.csv);
    expect(again.warnings.filter((warning) => warning.includes('not an Autopilot column'))).toEqual([]);
    expect(again.rows.map((row) => [row.serialNumber, row.hardwareHash])).toEqual([
      ['SN-1', HASH_A],
      ['sn-2', HASH_B],
    ]);
  });
});
