/**
 * Failed-authentication limiter: a token bucket per client address holding `perMinute` tokens,
 * refilled at `perMinute` per minute; each failed attempt takes one. An address with an empty bucket
 * is refused before its credentials are even looked at — answering "wrong" or "right" while blocked
 * would let guessing go on at full speed. The clock is injected so tests need no waiting.
 */
export class FailedAuthLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly refillPerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = 10_000,
  ) {
    this.refillPerMs = perMinute / 60_000;
  }

  private tokens(address: string): number {
    const bucket = this.buckets.get(address);
    if (!bucket) return this.perMinute;
    return Math.min(this.perMinute, bucket.tokens + (this.now() - bucket.at) * this.refillPerMs);
  }

  /** Seconds until `address` may try again, or undefined when it may try now. */
  blockedFor(address: string): number | undefined {
    const tokens = this.tokens(address);
    if (tokens >= 1) return undefined;
    return Math.max(1, Math.ceil((1 - tokens) / this.refillPerMs / 1000));
  }

  recordFailure(address: string): void {
    const tokens = this.tokens(address);
    this.buckets.delete(address); // re-insert: Map order then tracks the most recent failure last
    this.buckets.set(address, { tokens: Math.max(0, tokens - 1), at: this.now() });
    if (this.buckets.size > this.maxTracked) this.forgetOldest();
  }

  /** Bounded memory under an address-spraying attack: full buckets first, then the least recent. */
  private forgetOldest(): void {
    for (const address of this.buckets.keys()) {
      if (this.tokens(address) >= this.perMinute) this.buckets.delete(address);
    }
    for (const address of this.buckets.keys()) {
      if (this.buckets.size <= this.maxTracked) break;
      this.buckets.delete(address);
    }
  }

  get trackedAddresses(): number {
    return this.buckets.size;
  }
}
