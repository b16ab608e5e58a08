import { autopilotErrorNames } from '@batchwatch/openapi';

/**
 * Per-device Windows Autopilot (ZTD) error codes, as they appear in `devicesStatus[].errorCode` /
 * `errorDescription`. The simulator emits the `...OtherTenant` spelling, as Partner Center does.
 */
export const autopilotErrors: Readonly<Record<string, string>> = autopilotErrorNames;

export function describeAutopilotError(code: string): string | undefined {
  return Object.hasOwn(autopilotErrors, code) ? autopilotErrors[code] : undefined;
}
