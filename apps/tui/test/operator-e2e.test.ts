/**
 * End to end, the operator's workflow with the BUILT binary in a real terminal (tmux), against the simulator on an
 * ephemeral port: upload → follow → export; the batch picker of `list` and of `watch <customer>`.
 * Builds what it runs in beforeAll (`test/terminal.ts`, shared with the other terminal tests); tmux is required.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSimulator, type RunningSimulator } from '@batchwatch/simulator';
import { buildBinary, terminals, until } from './terminal.js';

const term = terminals('bw-operator');
const work = term.work;
let sim: RunningSimulator;

// A real terminal on a loaded machine: generous limits, no timed assertions.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 180_000 });

beforeAll(async () => {
  term.requireTmux();
  buildBinary();
  sim = await startSimulator({ speed: 4 });
});

afterAll(async () => {
  term.close();
  await sim?.close();
});

/** The binary in a fresh 120×40 window, with its own config directory, reading Partner Center from the simulator. */
function start(args: string[], configDir: string) {
  return term.start(args, {
    env: { NO_COLOR: '1', BATCHWATCH_CONFIG_DIR: configDir, BATCHWATCH_KEYCHAIN: 'off', BATCHWATCH_PARTNER_CENTER_URL: sim.url },
  });
}

const hash = (serial: string) => Buffer.from(`4K hardware hash of ${serial}`).toString('base64');

function devicesFile(name: string, serials: string[]): string {
  const path = join(work, name);
  writeFileSync(path, ['Device Serial Number,Windows Product ID,Hardware Hash', ...serials.map((s) => `${s},,${hash(s)}`)].join('\r\n') + '\r\n');
  return path;
}

describe('the operator in a real terminal (tmux)', () => {
  it('upload → follow live → export: the failed devices with their hashes, and the path printed', async () => {
    const config = join(work, 'config-upload');
    const devices = devicesFile('upload.csv', ['PF-OK-1', 'PF-ERR808-2', 'PF-OK-3', 'PF-ERR806-4']);
    const exported = join(work, 'failed.csv');
    const run = start(
      [
        'upload',
        '47021739-3426-40bf-9601-61b4b6d7c793',
        devices,
        '--batch-id',
        'tmux batch',
        '--watch',
        '--interval',
        '200ms',
        '--count-already-registered',
        '--exit-on-finish',
        '--export',
        exported,
        '--token',
        'simulator-token',
      ],
      config,
    );
    await until(() => /Status .*(queued|processing|finished)/.test(run.screen()), 'the live view', run.screen);
    expect(run.history()).toMatch(/uploaded 4 devices to batch "tmux batch": tracking id [0-9a-f-]{36}/);
    expect(await until(run.exitCode, 'the end of the watch', run.history)).toBe(1);
    expect(run.history().replace(/\n/g, '')).toContain(`exported 2 failed devices [806×1, 808×1] to ${exported}`);
    const lines = readFileSync(exported, 'utf8').split('\r\n');
    expect(lines[1]).toMatch(new RegExp(`^PF-ERR806-4,,${hash('PF-ERR806-4').replace(/[+/]/g, '\\$&')},,,806,`));
    expect(lines[2]).toMatch(/^PF-ERR808-2,,\S+,,,808,ZtdDeviceAssignedToOtherTenant,/);
  });

  it('list is a picker: ↓ and Enter follow the chosen batch; watch <customer> opens the same picker', async () => {
    const config = join(work, 'config-picker');
    const customer = '47021739-3426-40bf-9601-61b4b6d7c793';
    const older = start(['upload', customer, devicesFile('a.csv', ['A-1']), '--batch-id', 'older batch', '--token', 'simulator-token'], config);
    expect(await until(older.exitCode, 'the first upload', older.history)).toBe(0);
    const olderId = /tracking id (\S+)/.exec(older.history())![1]!;
    const newer = start(['customers', 'add', 'contoso', customer], config);
    expect(await until(newer.exitCode, 'the alias', newer.history)).toBe(0);
    const second = start(['upload', 'contoso', devicesFile('b.csv', ['B-1', 'B-2']), '--batch-id', 'newer batch', '--token', 'simulator-token'], config);
    expect(await until(second.exitCode, 'the second upload', second.history)).toBe(0);

    const picker = start(['list', 'contoso', '--token', 'simulator-token'], config);
    await until(() => picker.screen().includes('Device batches of'), 'the picker', picker.screen);
    const rows = picker
      .screen()
      .split('\n')
      .filter((line) => / devices {2}/.test(line));
    expect(rows.map((row) => /devices {2}(.+?) {2}\(/.exec(row)?.[1])).toEqual(expect.arrayContaining(['older batch', 'newer batch']));
    const target = rows.findIndex((row) => row.includes('older batch'));
    for (let i = 0; i < target; i++) picker.keys('Down');
    picker.keys('Enter');
    await until(() => picker.screen().includes(`Batch ${olderId}`), 'the watch of the picked batch', picker.screen);
    picker.keys('q');
    await until(picker.exitCode, 'the exit', picker.history);

    const watch = start(['watch', 'contoso', '--token', 'simulator-token'], config);
    await until(() => watch.screen().includes('Device batches of'), 'the picker from watch', watch.screen);
    watch.keys('q');
    expect(await until(watch.exitCode, 'the exit', watch.history)).toBe(0);
  });
});
