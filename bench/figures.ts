/**
 * The figures the benchmark prints, one JSON line each, with the target each is held to (from the
 * performance issue) and whether this run met it. Pure.
 */

export interface Figure {
  metric: string;
  value: number | null;
  unit: string;
  coalescing: boolean;
  /** Context: phase settings, sample counts, breakdowns. */
  [detail: string]: unknown;
}

interface Target {
  comparison: '<=' | '>=' | '<';
  limit: number;
  /** Only for this coalescing mode (the uncoalesced call rate has no target: it shows what coalescing saves). */
  coalescing?: boolean;
}

export const TARGETS: Record<string, Target> = {
  rds_calls_per_poll: { comparison: '<=', limit: 1 },
  rds_calls_per_second: { comparison: '<=', limit: 5, coalescing: true },
  latency_p99_ms: { comparison: '<=', limit: 5 },
  polls_per_second: { comparison: '>=', limit: 2000 },
  rss_mb: { comparison: '<=', limit: 150 },
  startup_ms: { comparison: '<=', limit: 1000 },
  // The request budget against the throttled emulator (the accepted count is for 1,000 provisions).
  budget_accepted: { comparison: '>=', limit: 600 },
  budget_throttled_share: { comparison: '<=', limit: 0.05 },
  budget_creates_per_instance: { comparison: '<=', limit: 1.05 },
  budget_failed_polls: { comparison: '<=', limit: 0 },
  fleet_rds_calls_per_second: { comparison: '<', limit: 12 },
  fleet_request_waits_over_1s: { comparison: '<=', limit: 0 },
  fleet_failed_polls: { comparison: '<=', limit: 0 },
  soak_rss_peak_mb: { comparison: '<=', limit: 150 },
};

function meets(value: number, target: Target): boolean {
  if (target.comparison === '<=') return value <= target.limit;
  if (target.comparison === '<') return value < target.limit;
  return value >= target.limit;
}

/** The figure with `target` and `met` added when a target applies to it. */
export function judged(figure: Figure): Figure {
  const target = TARGETS[figure.metric];
  if (!target || (target.coalescing !== undefined && target.coalescing !== figure.coalescing)) return figure;
  const met = figure.value !== null && meets(figure.value, target);
  return { ...figure, target: `${target.comparison} ${target.limit}`, met };
}

/** One line: the metric, value, unit and mode first, then the details. */
export function formatFigure(figure: Figure): string {
  const { metric, value, unit, coalescing, ...details } = judged(figure);
  return JSON.stringify({ metric, value, unit, coalescing, ...details });
}
