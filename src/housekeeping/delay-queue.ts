/**
 * A delay queue of keys, after controller-runtime's workqueue: `addAfter(key, ms)` makes the key
 * due then, and a key already waiting keeps the earlier of its two times (the queue holds each key
 * once); `next()` hands out due keys no faster than a token bucket allows. Time and timers are
 * injectable so the behaviour can be checked without waiting.
 */

export interface QueueClock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const realClock: QueueClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
    }),
};

export interface RateLimit {
  /** Keys handed out per second, on average. */
  perSecond: number;
  /** How many may go at once after a quiet spell. */
  burst: number;
}

export class DelayQueue<K> {
  private readonly due = new Map<K, number>();
  private tokens: number;
  private refilledAt: number;
  /** Wakes a `next()` that sleeps, when an earlier key arrives. */
  private wake: (() => void) | undefined;

  constructor(
    private readonly rate: RateLimit,
    private readonly clock: QueueClock = realClock,
  ) {
    this.tokens = rate.burst;
    this.refilledAt = clock.now();
  }

  get size(): number {
    return this.due.size;
  }

  /** When `key` is due, if it is waiting. */
  dueAt(key: K): number | undefined {
    return this.due.get(key);
  }

  addAfter(key: K, delayMs: number): void {
    const at = this.clock.now() + Math.max(0, delayMs);
    const current = this.due.get(key);
    if (current !== undefined && current <= at) return;
    this.due.set(key, at);
    this.wake?.();
  }

  forget(key: K): void {
    this.due.delete(key);
  }

  clear(): void {
    this.due.clear();
  }

  /** The next due key, waiting for it (and for the rate limit); undefined once `signal` aborts. */
  async next(signal: AbortSignal): Promise<K | undefined> {
    while (!signal.aborted) {
      const earliest = this.earliest();
      const now = this.clock.now();
      if (earliest && earliest[1] <= now) {
        const wait = this.takeToken(now);
        if (wait === 0) {
          this.due.delete(earliest[0]);
          return earliest[0];
        }
        await this.sleepUnlessWoken(wait, signal);
        continue;
      }
      await this.sleepUnlessWoken(earliest ? earliest[1] - now : 60_000, signal);
    }
    return undefined;
  }

  private earliest(): [K, number] | undefined {
    let found: [K, number] | undefined;
    for (const entry of this.due) if (!found || entry[1] < found[1]) found = entry;
    return found;
  }

  /** Takes a token, returning 0; or returns how long until one is there. */
  private takeToken(now: number): number {
    const perMs = this.rate.perSecond / 1000;
    this.tokens = Math.min(this.rate.burst, this.tokens + (now - this.refilledAt) * perMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / perMs);
  }

  private async sleepUnlessWoken(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new AbortController();
    const onAbort = () => woken.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.wake = () => woken.abort();
    try {
      await this.clock.sleep(ms, woken.signal);
    } finally {
      this.wake = undefined;
      signal.removeEventListener('abort', onAbort);
    }
  }
}
