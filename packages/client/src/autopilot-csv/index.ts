/**
 * @batchwatch/client/autopilot-csv — the Windows Autopilot device CSV: read and validate it before an upload, write
 * failed devices back for the next one. No network I/O; usable without the rest of the client.
 */
export {
  AUTOPILOT_COLUMNS,
  AutopilotCsvError,
  DEFAULT_MAX_DEVICES_PER_UPLOAD,
  EXPORT_COLUMNS,
  decodeCsvBytes,
  formatProblem,
  isValidHardwareHash,
  parseAutopilotCsv,
  readAutopilotCsvOrThrow,
  splitForUpload,
  toDevice,
} from './read.js';
export type { AutopilotCsv, AutopilotRow, CsvEncoding, CsvProblem } from './read.js';
export { exportFailedDevices } from './write.js';
export type { ExportGroup, ExportOptions, FailedDevicesExport } from './write.js';
