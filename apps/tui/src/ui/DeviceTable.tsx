import { memo } from 'react';
import { Text } from 'ink';
import { isFailedDevice, type BatchStatus, type DeviceDetails } from '@batchwatch/client';
import { batchUploadStatusValues } from '@batchwatch/openapi';
import { isAlreadyRegistered } from '../state/index.js';
import type { Translate } from '../i18n/index.js';
import { errorText, hintText, statusWord } from '../output/format.js';
import { safeText } from '../output/safe.js';
import { deviceError } from '../state/index.js';
import type { Columns, Scroll } from './layout.js';
import { fit, statusColor } from './theme.js';

const STATUSES: readonly BatchStatus[] = batchUploadStatusValues;

/** The widest status word in this locale. */
export function statusCellWidth(t: Translate): number {
  return Math.max(...STATUSES.map((status) => statusWord(t, status).length));
}

interface TableProps {
  devices: ReadonlyMap<string, DeviceDetails>;
  /** The visible list (all / failed / search result); only the window [top, top + rows) is rendered. */
  keys: readonly string[];
  countAlreadyRegistered: boolean;
  scroll: Scroll;
  rows: number;
  columns: Columns;
  t: Translate;
  failedOnly: boolean;
  query: string;
}

export function DeviceTable({ devices, keys, countAlreadyRegistered, scroll, rows, columns, t, failedOnly, query }: TableProps) {
  const window = keys.slice(scroll.top, scroll.top + rows);
  const filters = [failedOnly ? t('table.filterFailed') : '', query ? t('table.search', { query: safeText(query) }) : ''].filter(Boolean);
  const footer =
    keys.length === 0
      ? devices.size === 0
        ? t('table.empty')
        : t('table.noMatch')
      : t('table.range', { from: scroll.top + 1, to: scroll.top + window.length, total: keys.length });
  return (
    <>
      <Text wrap="truncate-end" bold dimColor>
        {'  '}
        {fit(t('table.serial'), columns.serial)}
        {columns.productKey ? fit(t('table.productKey'), columns.productKey) : ''}
        {fit(t('table.status'), columns.status)}
        {fit(t('table.error'), columns.error)}
      </Text>
      {window.map((key, index) => {
        const device = devices.get(key);
        return device ? (
          <DeviceRow
            key={key}
            device={device}
            countAlreadyRegistered={countAlreadyRegistered}
            selected={scroll.top + index === scroll.cursor}
            columns={columns}
            t={t}
          />
        ) : null;
      })}
      <Text wrap="truncate-end" dimColor>
        {[footer, ...filters].join(' · ')}
      </Text>
    </>
  );
}

interface RowProps {
  device: DeviceDetails;
  countAlreadyRegistered: boolean;
  selected: boolean;
  columns: Columns;
  t: Translate;
}

/**
 * One line per device; memoised, so a flush re-renders only the rows whose device object changed. Rows are
 * kept to plain ASCII where the data allows (status as a coloured word, `-` and `...`): Ink measures every
 * line with string-width, whose fast path is ASCII-only, and this keeps a full table well within a frame.
 */
const DeviceRow = memo(function DeviceRow({ device, countAlreadyRegistered, selected, columns, t }: RowProps) {
  const failed = isFailedDevice(device);
  const error = failed ? errorText(t, deviceError(device), true, ' - ') || safeText(device.rawStatus) : '';
  // 806 (already registered) is not a failure unless counted; it is shown, but not in red.
  const errorColor = isAlreadyRegistered(device) && !countAlreadyRegistered ? 'gray' : 'red';
  const status = fit(statusWord(t, device.status), columns.status, '...');
  const word = status.trimEnd();
  // Only the words are coloured and the line ends where the text ends: fewer escape codes and cells to process.
  return (
    <Text wrap="truncate-end" bold={selected}>
      {selected ? '> ' : '  '}
      {fit(safeText(device.serialNumber ?? '-'), columns.serial, '...')}
      {columns.productKey ? fit(safeText(device.productKey ?? '-'), columns.productKey, '...') : ''}
      <Text color={failed ? errorColor : statusColor[device.status]}>{word}</Text>
      {error ? (
        <>
          {status.slice(word.length)}
          <Text color={errorColor}>{fit(error, columns.error, '...').trimEnd()}</Text>
        </>
      ) : null}
    </Text>
  );
});

/**
 * The selected device in full, on two lines: identity, status and error name, then the catalogue's
 * one-line hint on a line of its own, so a narrow error column never hides it.
 */
export function DeviceDetail({ device, t }: { device: DeviceDetails | undefined; t: Translate }) {
  if (!device) {
    return (
      <>
        <Text> </Text>
        <Text> </Text>
      </>
    );
  }
  const failed = isFailedDevice(device);
  const error = failed ? deviceError(device) : undefined;
  const parts = [device.serialNumber ?? device.key, device.productKey]
    .filter(Boolean)
    .map((part) => safeText(part!))
    .concat(statusWord(t, device.status));
  return (
    <>
      <Text wrap="truncate-end">
        <Text dimColor>› {parts.join(' · ')}</Text>
        {failed ? <Text color="red"> · {(error && errorText(t, error, false)) || safeText(device.rawStatus)}</Text> : null}
      </Text>
      <Text wrap="truncate-end" color="red">
        {'  '}
        {(error && hintText(t, error)) ?? ' '}
      </Text>
    </>
  );
}
