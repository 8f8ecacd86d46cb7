/** Small, pure statistics for the benchmark's samples. */

/**
 * The nearest-rank percentile of ascending `sorted` values: the smallest value such that at least
 * `p` percent of the samples are at or below it. Undefined for no samples.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, not ${p}`);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Summary of latency samples (any unit); undefined for no samples. */
export function summarise(samples: ArrayLike<number>): LatencySummary | undefined {
  if (samples.length === 0) return undefined;
  const sorted = Float64Array.from(samples).sort();
  let total = 0;
  for (const value of sorted) total += value;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50)!,
    p90: percentile(sorted, 90)!,
    p99: percentile(sorted, 99)!,
    max: sorted[sorted.length - 1]!,
    mean: total / sorted.length,
  };
}

/** The median of a few samples (start-up runs); the upper middle one for an even count. */
export function median(samples: readonly number[]): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Rounds for printing: figures keep three significant decimals, no float noise. */
export function round(value: number, decimals = 3): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

/** Sum of the per-action call counters between two readings of the emulator's statistics. */
export function callDelta(
  before: Record<string, number>,
  after: Record<string, number>,
): { total: number; byAction: Record<string, number> } {
  const byAction: Record<string, number> = {};
  let total = 0;
  for (const [action, count] of Object.entries(after)) {
    const delta = count - (before[action] ?? 0);
    if (delta !== 0) {
      byAction[action] = delta;
      total += delta;
    }
  }
  return { total, byAction };
}
