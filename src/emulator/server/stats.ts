/** Per-action call counts, so benchmarks count AWS calls exactly. */
export interface StatsSnapshot {
  since: string;
  total: number;
  calls: Record<string, number>;
  errors: Record<string, Record<string, number>>;
}

export class Stats {
  private calls = new Map<string, number>();
  private errors = new Map<string, Map<string, number>>();
  private total = 0;
  private since = new Date();

  call(action: string): void {
    this.total++;
    this.calls.set(action, (this.calls.get(action) ?? 0) + 1);
  }

  error(action: string, code: string): void {
    let byCode = this.errors.get(action);
    if (!byCode) {
      byCode = new Map();
      this.errors.set(action, byCode);
    }
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }

  reset(): void {
    this.calls = new Map();
    this.errors = new Map();
    this.total = 0;
    this.since = new Date();
  }

  snapshot(): StatsSnapshot {
    const errors: StatsSnapshot['errors'] = {};
    for (const [action, byCode] of this.errors) errors[action] = Object.fromEntries(byCode);
    return { since: this.since.toISOString(), total: this.total, calls: Object.fromEntries(this.calls), errors };
  }
}
