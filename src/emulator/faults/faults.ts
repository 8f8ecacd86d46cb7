/**
 * Injected faults: an error (code and HTTP status) and/or latency on chosen actions, for a
 * number of calls or with a probability. A seed makes the probability reproducible.
 */
export interface FaultSpec {
  /** Action names, or ["*"] for every action. */
  actions: string[];
  error?: { code: string; status: number; message?: string };
  latencyMs?: number;
  /** Calls affected before the rule expires; unlimited when absent. */
  count?: number;
  /** Chance that a matching call is affected, 0..1; 1 when absent. */
  probability?: number;
  seed?: number;
}

export interface FaultRule extends FaultSpec {
  id: string;
  /** Calls affected so far. */
  hits: number;
}

/** Why the spec is unusable, or undefined. Input comes from test code over HTTP: check everything. */
export function checkFaultSpec(spec: unknown): string | undefined {
  if (typeof spec !== 'object' || spec === null) return 'the body must be a JSON object';
  const s = spec as Record<string, unknown>;
  if (
    !Array.isArray(s.actions) ||
    s.actions.length === 0 ||
    !s.actions.every((a) => typeof a === 'string' && /^(\*|[A-Za-z]{1,64})$/.test(a))
  ) {
    return '"actions" must be a non-empty list of action names or ["*"]';
  }
  if (s.error === undefined && s.latencyMs === undefined) return 'give "error", "latencyMs" or both';
  if (s.error !== undefined) {
    const e = s.error as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.code !== 'string' || !/^[A-Za-z][A-Za-z0-9.]{0,99}$/.test(e.code)) {
      return '"error.code" must be an error code such as "Throttling"';
    }
    if (typeof e.status !== 'number' || !Number.isInteger(e.status) || e.status < 400 || e.status > 599) {
      return '"error.status" must be an HTTP status from 400 to 599';
    }
    if (e.message !== undefined && (typeof e.message !== 'string' || e.message.length > 1000))
      return '"error.message" must be a short string';
  }
  const numberIn = (key: string, min: number, max: number) =>
    s[key] === undefined ||
    (typeof s[key] === 'number' && Number.isFinite(s[key]) && (s[key] as number) >= min && (s[key] as number) <= max);
  if (!numberIn('latencyMs', 0, 600_000)) return '"latencyMs" must be 0 to 600000';
  if (!numberIn('count', 1, 1e9) || (s.count !== undefined && !Number.isInteger(s.count))) return '"count" must be a positive integer';
  if (!numberIn('probability', 0, 1)) return '"probability" must be between 0 and 1';
  if (!numberIn('seed', 0, 2 ** 32)) return '"seed" must be a non-negative integer';
  return undefined;
}

/** A small seeded generator (mulberry32), so a seeded fault schedule repeats exactly. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Faults {
  private rules: (FaultRule & { random: () => number })[] = [];
  private nextId = 1;

  add(spec: FaultSpec): FaultRule {
    const rule = { ...spec, id: `fault-${this.nextId++}`, hits: 0, random: spec.seed === undefined ? Math.random : seeded(spec.seed) };
    this.rules.push(rule);
    return this.describe(rule);
  }

  remove(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((r) => this.describe(r));
  }

  private describe(rule: FaultRule & { random?: () => number }): FaultRule {
    const { random: _random, ...rest } = rule;
    return rest;
  }

  /** The fault to apply to one call of `action`: total latency, and the first error that fires. */
  match(action: string): { latencyMs: number; error?: FaultSpec['error'] } | undefined {
    if (this.rules.length === 0) return undefined;
    let latencyMs = 0;
    let error: FaultSpec['error'];
    let fired = false;
    for (const rule of this.rules) {
      if (!rule.actions.includes('*') && !rule.actions.includes(action)) continue;
      if (rule.count !== undefined && rule.hits >= rule.count) continue;
      if (rule.probability !== undefined && rule.random() >= rule.probability) continue;
      rule.hits++;
      fired = true;
      latencyMs += rule.latencyMs ?? 0;
      if (!error && rule.error) error = rule.error;
    }
    // Rules that have used up their count are dropped so listing shows what is still armed.
    this.rules = this.rules.filter((r) => r.count === undefined || r.hits < r.count);
    return fired ? { latencyMs, error } : undefined;
  }
}
