import { isGuid } from '@batchwatch/openapi';

/** Thrown before any network I/O when an id is not a GUID. */
export class InvalidIdError extends TypeError {
  override readonly name = 'InvalidIdError';
  constructor(
    readonly parameter: 'customerId' | 'trackingId',
    readonly value: unknown,
  ) {
    super(`${parameter} must be a GUID like 47021739-3426-40bf-9601-61b4b6d7c793, got ${JSON.stringify(value)}`);
  }
}

export function assertGuid(parameter: InvalidIdError['parameter'], value: unknown): asserts value is string {
  if (!isGuid(value)) throw new InvalidIdError(parameter, value);
}
