/** Words and layout of the text output: the clock after midnight, "just now", the grouped end-of-batch summary. */
import { describe, expect, it } from 'vitest';
import { SUPPORTED_LOCALES, translator } from '../src/i18n/index.js';
import { clockTime } from '../src/output/format.js';
import { summaryLines } from '../src/output/summary.js';
import { initialState, reduce } from '../src/state/index.js';
import { updatedText } from '../src/ui/Header.js';
import { batch, CUSTOMER, device, TRACKING } from './helpers.js';

describe('clock', () => {
  it.each(SUPPORTED_LOCALES)('%s shows 00:30:05 half an hour after midnight, never 24:30:05', (locale) => {
    // Local time, whatever TZ the test runs in.
    expect(clockTime(new Date(2026, 0, 1, 0, 30, 5), locale)).toBe('00:30:05');
    expect(clockTime(new Date(2026, 0, 1, 23, 59, 59), locale)).toBe('23:59:59');
  });
});

describe('freshness', () => {
  it('says "just now" under a second, then seconds with a space', () => {
    const t = translator('en-US');
    expect(updatedText(t, 0)).toBe('updated just now');
    expect(updatedText(t, 999)).toBe('updated just now');
    expect(updatedText(t, 3_400)).toBe('updated 3 s ago');
    expect(updatedText(translator('fr-FR'), 0)).toBe('mis à jour à l’instant');
  });
});

describe('the summary', () => {
  const at = new Date('2026-01-01T10:02:00Z');
  const failures = [
    device('SN-A1', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
    device('SN-LONGER-B2', 'finished_with_errors', { errorCode: '802', errorDescription: 'InvalidZtdHardwareHash' }),
    device('SN-C3', 'finished_with_errors', { errorCode: '808', errorDescription: 'ZtdDeviceAssignedToOtherTenant' }),
    device('SN-D4', 'finished_with_errors', { errorCode: '806', errorDescription: 'ZtdDeviceAlreadyAssigned' }),
  ];
  const many = Array.from({ length: 80 }, (_, i) => device(`SN-X${String(i).padStart(3, '0')}`, 'finished_with_errors', { errorCode: '812' }));
  const finished = (devices: ReturnType<typeof device>[]) =>
    reduce(initialState({ customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'corr', intervalMs: 5_000, now: new Date('2026-01-01T10:00:00Z') }), [
      { type: 'snapshot', seq: 1, at, snapshot: batch('finished', devices) },
    ]);

  it('groups failed devices by error, the hint once per group, serials and product keys in aligned columns', () => {
    const lines = summaryLines(translator('en-US'), finished([...failures, device('OK', 'finished')]), { kind: 'finished', clean: false }, at.getTime());
    expect(lines).toEqual([
      '✖ Batch finished with errors: 3 of 5 devices failed.',
      'Failed devices, by error:',
      '  808 ZtdDeviceAssignedToOtherTenant (2 devices)',
      '    Registered to another tenant; the other tenant must deregister it (common after refurbishment).',
      '    SN-A1  PK-SN-A1',
      '    SN-C3  PK-SN-C3',
      '  802 InvalidZtdHardwareHash (1 device)',
      '    Invalid hardware hash; recapture it (manufacturer and serial must be in the hash).',
      '    SN-LONGER-B2  PK-SN-LONGER-B2',
      'Already registered to this tenant (806), nothing to do:',
      '  SN-D4  PK-SN-D4',
      'Watched for 2:00 · correlation id corr',
    ]);
  });

  it('lists every failed device, however many (no "… and N more")', () => {
    const lines = summaryLines(translator('en-US'), finished(many), { kind: 'finished', clean: false }, at.getTime());
    expect(lines.filter((line) => /^ {4}SN-X\d{3} {2}PK-/.test(line))).toHaveLength(80);
    expect(lines.join('\n')).not.toMatch(/more/);
  });

  it('a batch whose only errors are 806 ends clean, and says how many were already registered', () => {
    const state = finished([failures[3]!, device('OK', 'finished')]);
    expect(summaryLines(translator('en-US'), state, { kind: 'finished', clean: true }, at.getTime())[0]).toBe(
      '✔ Batch finished: 1 of 2 devices registered, 1 already registered (806).',
    );
  });
});
