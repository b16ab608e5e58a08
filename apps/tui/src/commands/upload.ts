/**
 * `batchwatch upload <customer> devices.csv [--batch-id NAME] [--watch]`: validate the Autopilot CSV locally
 * (nothing is sent when any row is bad), upload it straight to Partner Center with the operator's own sign-in
 * (never through the proxy), remember the tracking ids, and optionally follow the new batch.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname, resolve } from 'node:path';
import { createBatchStatusClient, type BatchStatusClient, type TokenSource, type UploadReceipt } from '@batchwatch/client';
import {
  DEFAULT_MAX_DEVICES_PER_UPLOAD,
  formatProblem,
  parseAutopilotCsv,
  splitForUpload,
  toDevice,
  type AutopilotRow,
} from '@batchwatch/client/autopilot-csv';
import { configDir } from '../config/dir.js';
import { UploadHistory } from '../config/uploads.js';
import { ExitCode } from '../exit-codes.js';
import { operatorCredential } from '../signin/signin.js';
import { customerAliases, parse, UsageError, type CommandIO } from './index.js';
import { signInStoreFor } from './signin.js';

/** `<file stem>-<UTC yyyymmdd-hhmmss>`: unique enough, and says where it came from. */
export function defaultBatchId(file: string, now = new Date()): string {
  const stem =
    basename(file, extname(file))
      .replace(/[^\w.-]+/g, '-')
      .slice(0, 200) || 'devices';
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stem}-${stamp}`;
}

export interface Uploader {
  client: BatchStatusClient;
  baseUrl: string;
  auth: TokenSource;
}

/** Partner Center (or `--partner-center-url`), with `--token` or else the operator's saved sign-in. */
async function uploader(values: { token?: string | undefined; 'partner-center-url'?: string | undefined }, io: CommandIO): Promise<Uploader> {
  const token = values.token ?? io.env.BATCHWATCH_UPLOAD_TOKEN;
  const explicitUrl = values['partner-center-url'] ?? io.env.BATCHWATCH_PARTNER_CENTER_URL;
  let auth: TokenSource;
  let baseUrl: string;
  let scopes: string | undefined;
  if (token) {
    auth = token;
    baseUrl = explicitUrl ?? 'https://api.partnercenter.microsoft.com';
  } else {
    const { credential, signedIn } = await operatorCredential(await signInStoreFor(io));
    auth = credential;
    baseUrl = explicitUrl ?? signedIn.settings.baseUrl;
    scopes = signedIn.settings.scope;
  }
  const client = createBatchStatusClient({
    baseUrl,
    ...(typeof auth === 'string' ? { token: auth } : { credential: auth, scopes: scopes! }),
    ...(io.fetch && { fetch: io.fetch }),
  });
  return { client, baseUrl, auth };
}

export async function uploadCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, {
    'batch-id': { type: 'string' },
    watch: { type: 'boolean' },
    split: { type: 'boolean' },
    'max-devices': { type: 'string' },
    token: { type: 'string' },
    'partner-center-url': { type: 'string' },
    plain: { type: 'boolean' },
    json: { type: 'boolean' },
    export: { type: 'string' },
    locale: { type: 'string' },
    interval: { type: 'string' },
    'exit-on-finish': { type: 'boolean' },
    'count-already-registered': { type: 'boolean' },
  });
  const [customer, file, ...extra] = positionals;
  if (!customer || !file) throw new UsageError('upload needs a customer and a CSV file: batchwatch upload <customer> devices.csv');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const maxDevices = Number(values['max-devices'] ?? DEFAULT_MAX_DEVICES_PER_UPLOAD);
  if (!Number.isInteger(maxDevices) || maxDevices < 1) throw new UsageError(`--max-devices must be a positive whole number, got "${values['max-devices']}"`);
  const customerId = await customerAliases(io).resolve(customer);

  const rows = await readDevices(file, io);
  if (rows === undefined) return ExitCode.Usage;
  if (rows.length > maxDevices && !values.split) {
    io.stderr.write(
      `batchwatch: ${file} holds ${rows.length} devices; one upload takes at most ${maxDevices}. ` +
        `Nothing was uploaded. Use --split to upload it as ${Math.ceil(rows.length / maxDevices)} uploads to the same batch.\n`,
    );
    return ExitCode.Usage;
  }

  const batchId = values['batch-id'] ?? defaultBatchId(file);
  const upstream = await uploader(values, io);
  const { client } = upstream;
  const history = new UploadHistory(io.signInStore?.dir ?? configDir(io.env));
  const receipts: UploadReceipt[] = [];
  const chunks = splitForUpload(rows, maxDevices);
  for (const [index, chunk] of chunks.entries()) {
    const devices = chunk.map(toDevice);
    let receipt: UploadReceipt;
    try {
      receipt = index === 0 ? await client.createDeviceBatch(customerId, batchId, devices) : await client.addDevices(customerId, batchId, devices);
    } catch (error) {
      if (receipts.length > 0) io.stderr.write(`batchwatch: upload ${index + 1} of ${chunks.length} failed; uploads 1–${index} went through (see above)\n`);
      throw error;
    }
    receipts.push(receipt);
    await history.add({
      customerId,
      batchId,
      trackingId: receipt.trackingId,
      uploadedAt: new Date().toISOString(),
      devices: chunk.length,
      file: resolve(file),
    });
    io.stdout.write(`uploaded ${chunk.length} device${chunk.length === 1 ? '' : 's'} to batch "${batchId}": tracking id ${receipt.trackingId}\n`);
  }
  if (!values.watch) {
    io.stdout.write(`follow it with: batchwatch watch ${customer} ${receipts.map((r) => r.trackingId).join(' ')}\n`);
    return ExitCode.Clean;
  }
  // Uploads went straight to Partner Center; the watch reads through the proxy when one is configured.
  const { watchTrackingIds } = await import('./follow.js');
  const { readPath } = await import('./list.js');
  const read = io.env.BATCHWATCH_BASE_URL ? await readPath(io) : upstream;
  return watchTrackingIds({ customerId, trackingIds: receipts.map((r) => r.trackingId), devicesFiles: [resolve(file)], values, upstream: read, io });
}

/** The file's rows, or undefined after printing every problem (with its line) to stderr. */
async function readDevices(file: string, io: CommandIO): Promise<AutopilotRow[] | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  const parsed = parseAutopilotCsv(bytes);
  if (!parsed.ok) {
    io.stderr.write(`batchwatch: ${file} was not uploaded; fix these and try again:\n${parsed.problems.map(formatProblem).join('\n')}\n`);
    return undefined;
  }
  for (const warning of parsed.warnings) io.stderr.write(`batchwatch: warning: ${warning}\n`);
  return parsed.rows;
}
