/** One line of the `npm run bench` table: a measurement, its baseline from the same run, and the goal. */
export interface BenchRow {
  benchmark: string;
  /** What was measured, with its unit (e.g. "41,230 req/s", "12.4 ms"). */
  value: string;
  /** The baseline measured in the same run, with its unit; "—" when the goal is absolute. */
  baseline: string;
  /** value / baseline in the direction the goal states, or null for absolute goals. */
  ratio: number | null;
  goal: string;
  met: boolean;
}

export function formatTable(rows: BenchRow[]): string {
  const header = ['benchmark', 'measured', 'baseline', 'ratio', 'goal', 'met'];
  const lines = rows.map((row) => [
    row.benchmark,
    row.value,
    row.baseline,
    row.ratio === null ? '—' : `${row.ratio.toFixed(2)}×`,
    row.goal,
    row.met ? 'yes' : 'NO',
  ]);
  const out = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`);
  return out.join('\n');
}
