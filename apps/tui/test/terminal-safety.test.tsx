/**
 * Untrusted text never reaches the terminal raw: hostile serial numbers, product keys, error codes, error
 * descriptions and upstream messages, in every mode (plain, JSON, interactive), from a tiny upstream on
 * loopback that answers with exactly those bodies. Plus the export file, written by the client's CSV writer.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { translator } from '../src/i18n/index.js';
import { safeJsonLine, safeLines, safeText } from '../src/output/safe.js';
import { writeFailedExport } from '../src/export.js';
import { normalizeDevice } from '@batchwatch/client/internal';
import { main } from '../src/run.js';
import { WatchSession } from '../src/session.js';
import { App } from '../src/ui/App.js';
import { WatchGroup } from '../src/group.js';
import { batch, CUSTOMER, device, ScriptedSource, testIO, TRACKING, waitFor } from './helpers.js';

vi.setConfig({ testTimeout: 30_000 });

const ESC = '\u001b';
const BEL = '\u0007';
const TITLE = `${ESC}]0;PWNED${BEL}`;
const CLEAR = `${ESC}[2J`;
const CLIPBOARD = `${ESC}]52;c;cm0gLXJmIH4=${BEL}`;
const LINK = `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`;
const C1_CSI = '\u009b2J';
const BIDI = '\u202e';
const HOSTILE = `X${TITLE}${CLEAR}${CLIPBOARD}${LINK}${C1_CSI}${BIDI}Y`;

/** Any escape sequence other than colour (SGR `ESC[…m`), and any raw C1 or bidi control. */
const DANGEROUS = /\u001b(?!\[[0-9;]*m)|[\u0080-\u009f\u202a-\u202e\u2066-\u2069]|\u0007/;

const hostileDevice = (n: number) => ({
  serialNumber: `SN${n}${HOSTILE}`,
  productKey: `PK${n}${HOSTILE}`,
  status: 'finished_with_errors',
  errorCode: `8${n}${HOSTILE}`,
  errorDescription: `Desc${HOSTILE}`,
});

describe('safeText', () => {
  it('shows every control character as a visible escape and leaves the rest alone', () => {
    expect(safeText(`a${TITLE}b`)).toBe('a\\x1b]0;PWNED\\x07b');
    expect(safeText(`${CLEAR}`)).toBe('\\x1b[2J');
    expect(safeText(C1_CSI)).toBe('\\x9b2J');
    expect(safeText(`x${BIDI}y\u2066`)).toBe('x\\u202ey\\u2066');
    expect(safeText('tab\tnew\nline\rdel\u007f')).toBe('tab\\x09new\\x0aline\\x0ddel\\x7f');
    expect(safeText('Enhet 5CG63067U4 — ✔ 10 000 · naïve')).toBe('Enhet 5CG63067U4 — ✔ 10 000 · naïve');
    expect(safeText(HOSTILE)).not.toMatch(DANGEROUS);
  });

  it('safeLines keeps line breaks of our own output and neutralises the rest', () => {
    expect(safeLines(`one${TITLE}\ntwo\n`)).toBe('one\\x1b]0;PWNED\\x07\ntwo\n');
  });

  it('safeJsonLine escapes C1 and bidi controls too, and parses back to the same value', () => {
    const value = { serial: HOSTILE };
    const line = safeJsonLine(value);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toMatch(/[\u0000-\u001f\u0080-\u009f\u202a-\u202e]/);
    expect(JSON.parse(line)).toEqual(value);
  });
});

describe("the export (the client's CSV writer)", () => {
  it('writes hostile service text inert: no control character, no formula', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'batchwatch-export-safety-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const hostile = device(`SN${TITLE}1`, 'finished_with_errors', { errorCode: '=HYPERLINK("http://x","y")', errorDescription: `@SUM(A1)${CLEAR}` });
    const written = await writeFailedExport(join(dir, 'failed.csv'), [normalizeDevice(hostile)]);
    const csv = await readFile(written.path, 'utf8');
    expect(csv.replaceAll('\r\n', '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    const record = csv.split('\r\n')[1]!;
    expect(record).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(record).toContain("'@SUM(A1)");
  });
});

describe('in every output mode', () => {
  let server: Server;
  let baseUrl: string;
  const bodies = new Map<string, { status: number; body: unknown }>();
  const ids = (n: number) => ({ customer: CUSTOMER, tracking: `${TRACKING.slice(0, -1)}${n}` });

  beforeAll(async () => {
    server = createServer((request, response) => {
      const tracking = request.url?.split('/').pop() ?? '';
      const answer = bodies.get(tracking) ?? { status: 404, body: { code: 600, description: 'none' } };
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    bodies.set(ids(1).tracking, {
      status: 200,
      body: {
        batchTrackingId: ids(1).tracking,
        status: 'finished_with_errors',
        startedTime: '2026-01-01T10:00:00',
        devicesStatus: [hostileDevice(1), hostileDevice(2)],
      },
    });
    bodies.set(ids(2).tracking, { status: 400, body: { code: `6${HOSTILE}`, description: `Bad${HOSTILE}` } });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const run = async (n: number, flags: string[]) => {
    const io = testIO({ env: { BATCHWATCH_TOKEN: 't' } });
    const code = await main(['watch', ids(n).customer, ids(n).tracking, '--base-url', baseUrl, '--interval', '100ms', ...flags], io);
    return { code, stdout: io.stdout.text(), stderr: io.stderr.text() };
  };

  it('plain: device fields reach stdout escaped, in the log lines and the summary', async () => {
    const { code, stdout } = await run(1, ['--plain']);
    expect(code).toBe(1);
    expect(stdout).not.toMatch(DANGEROUS);
    expect(stdout).toContain('SN1X\\x1b]0;PWNED\\x07\\x1b[2J');
    expect(stdout).toMatch(/^ {4}SN2X\\x1b\]0;PWNED.* {2}PK2X\\x1b\]0;PWNED/m);
    expect(stdout).toContain('DescX\\x1b]0;PWNED');
  });

  it('plain: an upstream error message reaches stderr escaped', async () => {
    const { code, stderr } = await run(2, ['--plain']);
    expect(code).toBe(3);
    expect(stderr).not.toMatch(DANGEROUS);
    expect(stderr).toContain('BadX\\x1b]0;PWNED');
  });

  it('JSON: every line parses back to the raw values and carries no raw control character', async () => {
    const { stdout, stderr } = await run(1, ['--json']);
    for (const line of stdout.trimEnd().split('\n')) expect(line).not.toMatch(/[\u0000-\u001f\u0080-\u009f\u202a-\u202e]/);
    const summary = JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as { failed: Array<{ serialNumber: string }> };
    expect(summary.failed.map((device) => device.serialNumber)).toEqual([`SN1${HOSTILE}`, `SN2${HOSTILE}`]);
    const error = await run(2, ['--json']);
    expect(error.stderr + stderr).not.toMatch(DANGEROUS);
  });
});

describe('interactive', () => {
  afterEach(() => cleanup());

  it('the live view shows hostile fields escaped: table, detail lines, log and search prompt', async () => {
    const source = new ScriptedSource('polling');
    const session = new WatchSession(source, { customerId: CUSTOMER, trackingId: TRACKING, correlationId: 'c', intervalMs: 5_000 });
    void session.run();
    const app = render(<App group={new WatchGroup([session])} t={translator('en-US')} locale="en-US" size={{ rows: 30, columns: 100 }} clock={() => 0} />);
    await source.ready();
    source.emit({ type: 'snapshot', seq: 1, at: new Date(), snapshot: batch('processing', [hostileDevice(1), hostileDevice(2)] as never) });
    await waitFor(() => app.lastFrame()?.includes('SN1X'), 'the table');
    const everything = app.frames.join('\n');
    expect(everything).not.toMatch(DANGEROUS);
    expect(app.lastFrame()).toContain('SN1X\\x1b]0;');
    expect(everything).toContain('DescX\\x1b]0;PWNED');
    session.interrupt();
  });
});
