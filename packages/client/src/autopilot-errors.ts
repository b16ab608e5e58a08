/**
 * Windows Autopilot (ZTD) per-device error codes, as they appear in `devicesStatus[].errorCode` and
 * `errorDescription`. Sources: the Autopilot device registration and CSV import troubleshooting docs.
 */
export interface AutopilotError {
  code?: string;
  name: string;
  hint: string;
}

const catalogue: readonly AutopilotError[] = [
  { code: '801', name: 'InvalidZtdRequestBody', hint: 'Malformed request or missing tenant id; check the upload body.' },
  { code: '802', name: 'InvalidZtdHardwareHash', hint: 'Invalid hardware hash; recapture it (manufacturer and serial must be in the hash).' },
  { code: '803', name: 'MissingZtdSerialNumberAndProductKey', hint: 'Serial number and product key are missing or invalid.' },
  { code: '806', name: 'ZtdDeviceAlreadyAssigned', hint: 'Already registered to this tenant; nothing to do.' },
  { code: '807', name: 'ZtdDeviceIsNotRegistered', hint: 'The device is not registered in this tenant.' },
  { code: '808', name: 'ZtdDeviceAssignedToOtherTenant', hint: 'Registered to another tenant; the other tenant must deregister it (common after refurbishment).' },
  { code: '809', name: 'ZtdProfileIsNotRegistered', hint: 'The Autopilot profile is not registered to this tenant.' },
  { code: '810', name: 'ZtdProfileAssignedToOtherTenant', hint: 'The Autopilot profile belongs to another tenant.' },
  { code: '811', name: 'ZtdDeviceRegisteredByOtherTenant', hint: 'Another tenant registered this device; only it can delete it.' },
  { code: '812', name: 'ZtdDeviceNotFound', hint: 'No hardware hash matches the manufacturer, model and serial number.' },
  { code: '813', name: 'ZtdDeviceIsNotUnique', hint: 'The hash does not identify a unique device; upload with the full hardware hash.' },
  { code: '814', name: 'ZtdDeviceAlreadyAadRegistered', hint: 'The device already exists in Microsoft Entra ID; remove that record first.' },
  { name: 'ZtdDeviceDuplicated', hint: 'The same hash appears twice in the upload; only one was processed.' },
  { name: 'StorageError', hint: 'A transient service error; upload the device again later.' },
  { name: 'HashNot4k', hint: 'The hardware hash is not a 4K hash; recapture it with a current tool.' },
];

/** The catalogue by code and by (lower-cased) name, both spellings of 808 included. */
export const autopilotErrors: ReadonlyMap<string, AutopilotError> = new Map(
  catalogue.flatMap((entry) => [
    ...(entry.code ? [[entry.code, entry] as const] : []),
    [entry.name.toLowerCase(), entry] as const,
  ]).concat([['ztddeviceassignedtoanothertenant', catalogue.find((entry) => entry.code === '808')!]]),
);

/** Explains a device error from its code or its symbolic description; undefined when neither is known. */
export function describeDeviceError(errorCode?: string, errorDescription?: string): AutopilotError | undefined {
  return (
    (errorCode ? autopilotErrors.get(errorCode.trim()) : undefined) ??
    (errorDescription ? autopilotErrors.get(errorDescription.trim().toLowerCase()) : undefined)
  );
}
