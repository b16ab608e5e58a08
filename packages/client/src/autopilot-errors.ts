import { AUTOPILOT_808_ALIAS, autopilotErrorNames, type AutopilotErrorCode } from '@batchwatch/openapi';

/**
 * Windows Autopilot (ZTD) per-device error codes, as they appear in `devicesStatus[].errorCode` and
 * `errorDescription`. Sources: the Autopilot device registration and CSV import troubleshooting docs.
 */
export interface AutopilotError {
  code?: string;
  name: string;
  hint: string;
}

/** One line of advice per code; the names come from the contract package. */
const hints: Record<AutopilotErrorCode, string> = {
  '801': 'Malformed request or missing tenant id; check the upload body.',
  '802': 'Invalid hardware hash; recapture it (manufacturer and serial must be in the hash).',
  '803': 'Serial number and product key are missing or invalid.',
  '806': 'Already registered to this tenant; nothing to do.',
  '807': 'The device is not registered in this tenant.',
  '808': 'Registered to another tenant; the other tenant must deregister it (common after refurbishment).',
  '809': 'The Autopilot profile is not registered to this tenant.',
  '810': 'The Autopilot profile belongs to another tenant.',
  '811': 'Another tenant registered this device; only it can delete it.',
  '812': 'No hardware hash matches the manufacturer, model and serial number.',
  '813': 'The hash does not identify a unique device; upload with the full hardware hash.',
  '814': 'The device already exists in Microsoft Entra ID; remove that record first.',
};

/** Errors documented by name only. */
const unnumbered: readonly AutopilotError[] = [
  { name: 'ZtdDeviceDuplicated', hint: 'The same hash appears twice in the upload; only one was processed.' },
  { name: 'StorageError', hint: 'A transient service error; upload the device again later.' },
  { name: 'HashNot4k', hint: 'The hardware hash is not a 4K hash; recapture it with a current tool.' },
];

const catalogue: readonly AutopilotError[] = [
  ...Object.entries(autopilotErrorNames).map(([code, name]) => ({ code, name, hint: hints[code as AutopilotErrorCode] })),
  ...unnumbered,
];

/** The catalogue by code and by (lower-cased) name, both spellings of 808 included. */
export const autopilotErrors: ReadonlyMap<string, AutopilotError> = new Map(
  catalogue
    .flatMap((entry) => [...(entry.code ? [[entry.code, entry] as const] : []), [entry.name.toLowerCase(), entry] as const])
    .concat([[AUTOPILOT_808_ALIAS.toLowerCase(), catalogue.find((entry) => entry.code === '808')!]]),
);

/** Explains a device error from its code or its symbolic description; undefined when neither is known. */
export function describeDeviceError(errorCode?: string, errorDescription?: string): AutopilotError | undefined {
  return (
    (errorCode ? autopilotErrors.get(errorCode.trim()) : undefined) ??
    (errorDescription ? autopilotErrors.get(errorDescription.trim().toLowerCase()) : undefined)
  );
}
