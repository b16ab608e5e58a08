/**
 * Windows Autopilot (ZTD) per-device error codes and their symbolic names, as Partner Center reports them in
 * `DeviceUploadDetails.errorCode` ("808") and `errorDescription` ("ZtdDeviceAssignedToOtherTenant"). Shared by
 * both sides of the wire: the simulator emits them, the client explains them.
 */
export const autopilotErrorNames = Object.freeze({
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
} as const);

export type AutopilotErrorCode = keyof typeof autopilotErrorNames;

/** The Autopilot documentation's spelling of 808's name; Partner Center and Intune say `...OtherTenant`. */
export const AUTOPILOT_808_ALIAS = 'ZtdDeviceAssignedToAnotherTenant';
