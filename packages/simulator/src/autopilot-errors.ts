/**
 * Per-device Windows Autopilot (ZTD) error codes as they appear in `devicesStatus[].errorCode` /
 * `errorDescription` (reference §5.3). The simulator emits the `...OtherTenant` spelling, as Partner Center does.
 */
export const autopilotErrors: Readonly<Record<string, string>> = Object.freeze({
  '801': 'InvalidZtdRequestBody',
  '802': 'InvalidZtdHardwareHash',
  '803': 'MissingZtdSerialNumberAndProductKey',
  '806': 'ZtdDeviceAlreadyAssigned',
  '807': 'ZtdDeviceIsNotRegistered',
  '808': 'ZtdDeviceAssignedToOtherTenant',
  '809': 'ZtdProfileIsNotRegistered',
  '810': 'ZtdProfileAssignedToOtherTenant',
  '811': 'ZtdDeviceRegisteredByOtherTenant',
  '812': 'ZtdDeviceNotFound',
  '813': 'ZtdDeviceIsNotUnique',
  '814': 'ZtdDeviceAlreadyAadRegistered',
});

export function describeAutopilotError(code: string): string | undefined {
  return Object.hasOwn(autopilotErrors, code) ? autopilotErrors[code] : undefined;
}
