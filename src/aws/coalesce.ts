/**
 * Coalesces single-key reads into batched reads. Polls for many instances then share one
 * DescribeDBInstances whose `db-instance-id` filter holds up to `maxBatch` identifiers, instead of
 * one call each.
 *
 * Batches are paced, not debounced: a batch read starts at most once per `windowMs` (a full batch
 * goes at once), and a read that arrives while the broker has been quiet for a window goes out on
 * the next turn of the event loop instead of waiting. So the number of batch reads stays below
 * 1000 / windowMs per second (plus full batches) however many polls arrive, a lone request pays
 * no wait at all, and no read waits longer than `windowMs` before its batch starts: the state a
 * caller gets is never older than the moment it asked.
 *
 * A failed batch fails only the reads in it; a key missing from the answer resolves to undefined
 * for that key alone.
 */

/** Time and timers, injectable so the pacing can be checked without waiting. */
export interface CoalescerTimers {
  now(): number;
  /** Runs `run` after `delayMs` (0: on the next turn of the event loop); returns a cancel function. */
  schedule(run: () => void, delayMs: number): () => void;
}

export const realTimers: CoalescerTimers = {
  now: () => performance.now(),
  schedule(run, delayMs) {
    if (delayMs <= 0) {
      const handle = setImmediate(run);
      return () => clearImmediate(handle);
    }
    const handle = setTimeout(run, delayMs);
    return () => clearTimeout(handle);
  },
};

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

export class Coalescer<K, V> {
  private queue = new Map<K, Array<Waiter<V>>>();
  private cancelScheduled: (() => void) | undefined;
  /** When the last batch read started; -Infinity before the first. */
  private lastBatchAt = -Infinity;

  constructor(
    private readonly fetchBatch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly windowMs: number,
    private readonly maxBatch: number,
    private readonly timers: CoalescerTimers = realTimers,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.queue.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
      if (this.queue.size >= this.maxBatch) this.flush();
      else if (!this.cancelScheduled) {
        const delay = Math.max(0, this.lastBatchAt + this.windowMs - this.timers.now());
        this.cancelScheduled = this.timers.schedule(() => this.flush(), delay);
      }
    });
  }

  /** Keys waiting for the next batch (for tests and metrics). */
  get waiting(): number {
    return this.queue.size;
  }

  private flush(): void {
    this.cancelScheduled?.();
    this.cancelScheduled = undefined;
    const batch = this.queue;
    if (batch.size === 0) return;
    this.queue = new Map();
    this.lastBatchAt = this.timers.now();
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const slice = keys.slice(i, i + this.maxBatch);
      let read: Promise<Map<K, V>>;
      try {
        read = this.fetchBatch(slice);
      } catch (error) {
        // A reader that throws before returning its promise must still answer its callers.
        read = Promise.reject(error);
      }
      read.then(
        (found) => {
          for (const key of slice) for (const waiter of batch.get(key) ?? []) waiter.resolve(found.get(key));
        },
        (error: unknown) => {
          for (const key of slice) for (const waiter of batch.get(key) ?? []) waiter.reject(error);
        },
      );
    }
  }

  /** Stops the pending window; waiting reads are flushed at once. */
  close(): void {
    this.flush();
  }
}
