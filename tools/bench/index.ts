/**
 * `npm run bench`: every benchmark of the repo, one table. Each row is a ratio against a baseline measured in the
 * same run on this machine (loopback only), or an absolute goal; machine and Node version are printed with it.
 */
import { cpus, totalmem } from 'node:os';
import { formatTable, type BenchRow } from './report.js';

const suites: Record<string, () => Promise<{ run: () => Promise<BenchRow[]> }>> = {
  client: () => import('./client.js'),
  proxy: () => import('./proxy.js'),
  tui: () => import('./tui.js'),
  'tui-keys': () => import('./tui-keys.js'),
};

const only = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, load] of Object.entries(suites)) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.error(`bench: ${name}…`);
  rows.push(...(await (await load()).run()));
}

console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB\n`);
console.log(formatTable(rows));
process.exitCode = rows.every((row) => row.met) ? 0 : 1;
