/**
 * Plain-text output for people: durations, tables, and values made safe for a terminal. Pure.
 * Everything printed comes from RDS (tags an operator may have edited by hand), so control
 * characters are replaced before they reach the screen.
 */

/** A duration in the two largest units that matter: 42s, 5m 03s, 2h 05m, 3d 04h. */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
  return `${Math.floor(s / 86400)}d ${pad(Math.floor((s % 86400) / 3600))}h`;
}

/** Seconds from `from` to `to`, never negative (a clock a little behind RDS's is not an error). */
export function secondsBetween(from: Date, to: Date): number {
  return Math.max(0, Math.floor((to.getTime() - from.getTime()) / 1000));
}

/** Replaces control characters (escape sequences, newlines) with a visible placeholder. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A left-aligned table with a header row; every cell is made printable. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const cells = [headers, ...rows].map((row) => headers.map((_, i) => printable(row[i] ?? '')));
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `label: value` lines with the values aligned, for one record. */
export function renderFields(fields: ReadonlyArray<readonly [string, string]>, indent = '  '): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length + 1));
  return fields.map(([label, value]) => `${indent}${`${label}:`.padEnd(width)}  ${printable(value)}`).join('\n');
}

/** JSON for scripts: dates as ISO strings, stable two-space indentation, one trailing newline. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
