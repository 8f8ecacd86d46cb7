/**
 * Turns the JSON lines of one or more benchmark runs into the Markdown table of bench/README.md:
 * `npm run bench > run.txt; node --import tsx bench/table.ts run.txt [more.txt]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Line {
  metric: string;
  value: number | null;
  unit: string;
  coalescing: boolean;
  window_ms?: number;
  target?: string;
  met?: boolean;
  load_1m?: number;
}

const ORDER = [
  'rds_calls_per_poll',
  'rds_calls_per_second',
  'latency_p50_ms',
  'latency_p99_ms',
  'polls_per_second',
  'rss_mb',
  'startup_ms',
  'startup_from_source_ms',
  'broker_cpu_ms_per_poll',
];

/** Figures from benchmark output; lines that are not figures are ignored. Pure. */
export function parseFigures(text: string): Line[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Line)
    .filter((line) => typeof line.metric === 'string');
}

const columnOf = (line: Line) =>
  line.coalescing ? `coalescing on${line.window_ms !== undefined ? ` (${line.window_ms} ms)` : ''}` : 'coalescing off';

/** One row per metric, one column per coalescing mode and window, each cell `value` plus ✔/✘ against its target. Pure. */
export function formatTable(lines: Line[]): string {
  const columns = [...new Set(lines.map(columnOf))];
  const cell = (metric: string, column: string) => {
    const line = lines.find((l) => l.metric === metric && columnOf(l) === column);
    if (!line) return '';
    const mark = line.met === undefined ? '' : line.met ? ' ✔' : ' ✘';
    const load = line.load_1m !== undefined ? ` (load ${line.load_1m})` : '';
    return `${line.value ?? 'n/a'}${mark}${load}`;
  };
  const metrics = ORDER.filter((m) => lines.some((l) => l.metric === m));
  const rows = metrics.map((metric) => {
    const sample = lines.find((l) => l.metric === metric)!;
    const target = lines.find((l) => l.metric === metric && l.target)?.target ?? '';
    return `| \`${metric}\` (${sample.unit}) | ${target} | ${columns.map((c) => cell(metric, c)).join(' | ')} |`;
  });
  return [`| figure | target | ${columns.join(' | ')} |`, `| --- | --- | ${columns.map(() => '---').join(' | ')} |`, ...rows].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = process.argv.slice(2);
  if (files.length === 0) {
    process.stderr.write('usage: node --import tsx bench/table.ts OUTPUT_FILE...\n');
    process.exit(2);
  }
  process.stdout.write(`${formatTable(files.flatMap((file) => parseFigures(readFileSync(file, 'utf8'))))}\n`);
}
