import { describe, expect, it } from 'vitest';
import { autopilotErrors, describeDeviceError } from '../src/index.js';

describe('the Autopilot error catalogue', () => {
  it('covers 801–814 where documented, each with a name and a hint', () => {
    for (const code of ['801', '802', '803', '806', '807', '808', '809', '810', '811', '812', '813', '814']) {
      const entry = autopilotErrors.get(code);
      expect(entry?.name, code).toMatch(/^(Invalid|Missing)?Ztd/);
      expect(entry?.hint.length, code).toBeGreaterThan(10);
    }
  });

  it.each([
    ['808', undefined, 'ZtdDeviceAssignedToOtherTenant'],
    [undefined, 'ZtdDeviceAssignedToOtherTenant', 'ZtdDeviceAssignedToOtherTenant'],
    [undefined, 'ZtdDeviceAssignedToAnotherTenant', 'ZtdDeviceAssignedToOtherTenant'],
    [undefined, 'ztddeviceduplicated', 'ZtdDeviceDuplicated'],
    ['999', 'StorageError', 'StorageError'],
  ])('code %s / description %s → %s', (code, description, name) => {
    expect(describeDeviceError(code, description)?.name).toBe(name);
  });

  it('knows nothing of unknown codes', () => {
    expect(describeDeviceError('999', 'SomethingElse')).toBeUndefined();
    expect(describeDeviceError()).toBeUndefined();
  });
});
