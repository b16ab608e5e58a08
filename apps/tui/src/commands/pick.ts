/** The interactive picker, then the watch of the picked batches (all their uploads, in one view). */
import { ExitCode } from '../exit-codes.js';
import type { CommandIO } from './index.js';
import type { ListedBatch, ReadPath } from './list.js';

async function pickBatches(customerId: string, batches: readonly ListedBatch[], io: CommandIO): Promise<ListedBatch[] | undefined> {
  const [{ render }, { createElement }, { Picker }] = await Promise.all([import('ink'), import('react'), import('../picker/Picker.js')]);
  let picked: ListedBatch[] | undefined;
  const height = Math.max(3, (io.stdout.rows ?? 24) - 4);
  const instance = render(createElement(Picker, { customerId, batches, height, onPick: (batch) => (picked = batch) }), {
    stdout: io.stdout,
    stderr: io.stderr,
    stdin: io.stdin,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  await instance.waitUntilExit();
  instance.cleanup();
  return picked;
}

export async function pickAndWatch(customerId: string, batches: readonly ListedBatch[], path: ReadPath, io: CommandIO): Promise<number> {
  const picked = await pickBatches(customerId, batches, io);
  if (!picked) return ExitCode.Clean;
  const { watchTrackingIds } = await import('./follow.js');
  const devicesFiles = [...new Set(picked.flatMap((batch) => (batch.file ? [batch.file] : [])))];
  return watchTrackingIds({ customerId, trackingIds: picked.flatMap((batch) => batch.trackingIds), devicesFiles, values: {}, upstream: path, io });
}
