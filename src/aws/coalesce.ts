/**
 * Coalesces single-key reads that arrive within a short window into one batched read.
 * Polls for many instances then share one DescribeDBInstances whose `db-instance-id` filter holds
 * up to `maxBatch` identifiers, instead of one call each. A result is never older than `windowMs`
 * plus the read itself. A failed batch fails only the reads in it; a key missing from the answer
 * resolves to undefined for that key alone.
 */
export class Coalescer<K, V> {
  private queue = new Map<K, Array<{ resolve: (value: V | undefined) => void; reject: (error: unknown) => void }>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly fetchBatch: (keys: K[]) => Promise<Map<K, V>>,
    private readonly windowMs: number,
    private readonly maxBatch: number,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.queue.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.queue.set(key, [{ resolve, reject }]);
      if (this.queue.size >= this.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = new Map();
    if (batch.size === 0) return;
    const keys = [...batch.keys()];
    for (let i = 0; i < keys.length; i += this.maxBatch) {
      const slice = keys.slice(i, i + this.maxBatch);
      this.fetchBatch(slice).then(
        (found) => {
          for (const key of slice) for (const waiter of batch.get(key) ?? []) waiter.resolve(found.get(key));
        },
        (error) => {
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
