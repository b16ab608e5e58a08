/**
 * `batchwatch list <customer> [--json | --plain]`: the customer's device batches, newest first, with device
 * counts and the tracking ids this machine uploaded them with. Read through the proxy when `BATCHWATCH_BASE_URL`
 * names one (same caller auth and customer allow-list as status), else from Partner Center with the operator's
 * sign-in (or `--token`). On a terminal it is a picker: Enter follows the chosen batch.
 */
import { clouds, createBatchStatusClient, type BatchStatusClient, type DeviceBatchInfo, type TokenSource } from '@batchwatch/client';
import { configDir } from '../config/dir.js';
import { UploadHistory, type UploadRecord } from '../config/uploads.js';
import { ExitCode } from '../exit-codes.js';
import { operatorCredential } from '../signin/signin.js';
import { customerAliases, parse, UsageError, type CommandIO } from './index.js';
import { signInStoreFor } from './signin.js';
import { safeText } from '../output/safe.js';

export interface ListedBatch {
  id: string;
  createdBy?: string;
  creationDate?: string;
  devicesCount: number;
  /** Tracking ids of this machine's uploads to the batch, oldest first; Partner Center's list has none. */
  trackingIds: string[];
  /** The CSV of the latest of those uploads. */
  file?: string;
}

/** Where reads go, and with what. */
export interface ReadPath {
  baseUrl: string;
  auth?: TokenSource;
  scopes?: string;
}

/**
 * The proxy if `BATCHWATCH_BASE_URL` names one (with `--token` or `BATCHWATCH_TOKEN` as its key), else Partner
 * Center with `--token` or `BATCHWATCH_TOKEN` as the bearer token, else as the operator (the sign-in), as `watch`.
 */
export async function readPath(io: CommandIO, flagToken?: string): Promise<ReadPath> {
  const proxy = io.env.BATCHWATCH_BASE_URL;
  const token = flagToken ?? io.env.BATCHWATCH_TOKEN;
  if (proxy) return { baseUrl: proxy.replace(/\/+$/, ''), ...(token && { auth: token }) };
  const url = io.env.BATCHWATCH_PARTNER_CENTER_URL?.replace(/\/+$/, '');
  if (token) return { baseUrl: url ?? clouds.global, auth: token };
  const { credential, signedIn } = await operatorCredential(await signInStoreFor(io));
  return { baseUrl: url ?? signedIn.settings.baseUrl, auth: credential, scopes: signedIn.settings.scope };
}

export function clientFor(path: ReadPath, io: CommandIO): BatchStatusClient {
  return createBatchStatusClient({
    baseUrl: path.baseUrl,
    ...(typeof path.auth === 'string' ? { token: path.auth } : path.auth ? { credential: path.auth, ...(path.scopes && { scopes: path.scopes }) } : {}),
    ...(io.fetch && { fetch: io.fetch }),
  });
}

/** Partner Center's batches joined with the local upload history, newest first. */
export async function listBatches(client: BatchStatusClient, customerId: string, uploads: readonly UploadRecord[]): Promise<ListedBatch[]> {
  const listed: ListedBatch[] = [];
  for await (const batch of client.listDeviceBatches(customerId)) listed.push(join(batch, uploads, customerId));
  const time = (b: ListedBatch) => (b.creationDate ? Date.parse(b.creationDate) : 0);
  return listed.sort((a, b) => time(b) - time(a) || a.id.localeCompare(b.id));
}

function join(batch: DeviceBatchInfo, uploads: readonly UploadRecord[], customerId: string): ListedBatch {
  const mine = uploads.filter((u) => u.customerId.toLowerCase() === customerId.toLowerCase() && u.batchId.toLowerCase() === batch.id.toLowerCase());
  const file = mine.at(-1)?.file;
  return {
    id: batch.id,
    ...(batch.createdBy && { createdBy: batch.createdBy }),
    ...(batch.creationDate && { creationDate: batch.creationDate.toISOString() }),
    devicesCount: batch.devicesCount,
    trackingIds: mine.map((u) => u.trackingId),
    ...(file && { file }),
  };
}

/** Untrusted names from the service: control characters never reach the terminal. */
const printable = safeText;

export function plainTable(batches: readonly ListedBatch[]): string {
  if (batches.length === 0) return 'no device batches for this customer\n';
  const rows = batches.map((b) => [
    b.creationDate?.slice(0, 16).replace('T', ' ') ?? '-',
    String(b.devicesCount),
    printable(b.id),
    b.trackingIds.join(' ') || '-',
  ]);
  const header = ['CREATED (UTC)', 'DEVICES', 'BATCH', 'TRACKING IDS (uploaded here)'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

export async function listCommand(args: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, plain: { type: 'boolean' }, token: { type: 'string' } });
  const [customer, ...extra] = positionals;
  if (!customer) throw new UsageError('list needs a customer: batchwatch list <customer>');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (values.json && values.plain) throw new UsageError('--json and --plain exclude each other');
  const customerId = await customerAliases(io).resolve(customer);
  const uploads = await new UploadHistory(io.signInStore?.dir ?? configDir(io.env)).all();
  const path = await readPath(io, values.token);
  const batches = await listBatches(clientFor(path, io), customerId, uploads);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(batches)}\n`);
    return ExitCode.Clean;
  }
  const interactive = !values.plain && io.stdout.isTTY === true && io.stdin.isTTY === true && io.env.TERM !== 'dumb';
  if (!interactive) {
    io.stdout.write(plainTable(batches));
    return ExitCode.Clean;
  }
  const { pickAndWatch } = await import('./pick.js');
  return pickAndWatch(customerId, batches, path, io);
}
