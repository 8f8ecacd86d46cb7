/**
 * Reads the broker's /metrics (Prometheus text format) as far as the benchmark needs: the request
 * budget's wait histogram by priority and plain counters. Pure apart from `scrape`.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1]!] = label[2]!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** `after` minus `before`, sample by sample (counters and histogram buckets over a phase). */
export function since(after: readonly Sample[], before: readonly Sample[]): Sample[] {
  const key = (s: Sample) => `${s.name}${JSON.stringify(Object.entries(s.labels).sort())}`;
  const earlier = new Map(before.map((s) => [key(s), s.value]));
  return after.map((s) => ({ ...s, value: s.value - (earlier.get(key(s)) ?? 0) }));
}

export interface WaitSummary {
  /** Tokens granted at this priority. */
  count: number;
  /** Of them, granted after waiting more than `overSeconds`. */
  over: number;
  overSeconds: number;
  /** The smallest bucket bound every wait fits under (Infinity when some waited past the last bound). */
  maxWithinSeconds: number | null;
}

/** What the histogram `rds_broker_rds_budget_wait_seconds` says about one priority. */
export function budgetWaits(samples: readonly Sample[], priority: string, overSeconds = 1): WaitSummary {
  const buckets = samples
    .filter((s) => s.name === 'rds_broker_rds_budget_wait_seconds_bucket' && s.labels.priority === priority)
    .map((s) => ({ le: s.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(s.labels.le), value: s.value }))
    .sort((a, b) => a.le - b.le);
  const count = samples.find((s) => s.name === 'rds_broker_rds_budget_wait_seconds_count' && s.labels.priority === priority)?.value ?? 0;
  const within = buckets.find((b) => b.le === overSeconds);
  if (count > 0 && !within) throw new Error(`the budget's wait histogram has no bucket at ${overSeconds} s`);
  const full = buckets.find((b) => b.value >= count);
  return {
    count,
    over: count - (within?.value ?? 0),
    overSeconds,
    maxWithinSeconds: count === 0 ? null : (full?.le ?? null),
  };
}

/** The sum of a counter's samples whose labels include `match`. */
export function counterSum(samples: readonly Sample[], name: string, match: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((total, s) => total + s.value, 0);
}

export async function scrape(brokerUrl: string, signal?: AbortSignal): Promise<Sample[]> {
  const response = await fetch(`${brokerUrl}/metrics`, signal ? { signal } : {});
  if (!response.ok) throw new Error(`GET /metrics answered ${response.status}`);
  return parseMetrics(await response.text());
}
