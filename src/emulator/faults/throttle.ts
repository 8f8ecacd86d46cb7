/**
 * RDS-style API throttling: one token bucket per account and region, shared by all actions
 * (RDS's documented default: 300 requests of burst, refilled at 12 per second). Off by default.
 */
export interface ThrottleSettings {
  enabled: boolean;
  burst: number;
  ratePerSecond: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { enabled: false, burst: 300, ratePerSecond: 12 };

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private settingsValue: ThrottleSettings = DEFAULT_THROTTLE) {}

  get settings(): ThrottleSettings {
    return this.settingsValue;
  }

  configure(settings: ThrottleSettings): void {
    this.settingsValue = settings;
    this.buckets.clear();
  }

  /** Takes a token for `key`; false when the bucket is empty (the call is throttled). */
  take(key: string, nowMs: number): boolean {
    const { enabled, burst, ratePerSecond } = this.settingsValue;
    if (!enabled) return true;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: nowMs };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.at) / 1000) * ratePerSecond);
    bucket.at = nowMs;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
