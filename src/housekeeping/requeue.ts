import { BrokerError } from '../broker/contract.js';
import type { BrokerDeps } from '../broker/deps.js';
import { reconcileInstance } from '../broker/operate.js';
import { ownInstanceFor } from '../broker/presence.js';
import { hasPendingWork } from '../reconcile/phase.js';
import { requeueDelayMs, RetryAfter } from '../reconcile/retry-after.js';
import { asJobRun } from '../log/context.js';
import { DelayQueue, realClock, type QueueClock, type RateLimit } from './delay-queue.js';

/**
 * Requeue like a controller: a decision's Retry-After is also when the broker itself looks again.
 * While this replica leads housekeeping, every pass that ends "in progress" (a poll, an update, a
 * deprovision, the resync) puts its instance in a delay queue for that long; the loop reads each due
 * instance through the coalesced describe and runs the same pass, which requeues it again until its
 * work is done. So each step starts as soon as RDS allows, not at the platform's next poll.
 */
export class Requeue {
  private readonly queue: DelayQueue<string>;
  private leading = false;

  constructor(
    private readonly deps: BrokerDeps,
    rate: RateLimit,
    clock: QueueClock = realClock,
  ) {
    this.queue = new DelayQueue(rate, clock);
  }

  /** A pass on `instanceId` ended in progress: look again after its Retry-After (nominal seconds). */
  note(instanceId: string, retryAfterSeconds: number): void {
    if (!this.leading) return;
    this.queue.addAfter(instanceId, requeueDelayMs(retryAfterSeconds, this.deps.config.broker.retryAfterScale));
  }

  get waiting(): number {
    return this.queue.size;
  }

  /** Runs until `signal` aborts (leadership lost, broker stopping). */
  async run(signal: AbortSignal): Promise<void> {
    this.leading = true;
    const log = this.deps.log.child({ job: 'requeue' });
    try {
      for (;;) {
        const instanceId = await this.queue.next(signal);
        if (instanceId === undefined) break;
        try {
          const observed = await ownInstanceFor(this.deps, instanceId, 'poll');
          // The pass requeues the instance itself (through note) while work remains.
          if (hasPendingWork(observed)) await asJobRun('requeue', () => reconcileInstance(this.deps, observed, instanceId));
        } catch (error) {
          // Gone or not this broker's: nothing to requeue. RDS failing to answer: look again later.
          const message = error instanceof Error ? error.message : String(error);
          if (!(error instanceof BrokerError)) this.note(instanceId, RetryAfter.rdsBusy);
          log.debug({ instanceId, err: message }, 'requeued instance not reconciled');
        }
      }
    } finally {
      this.leading = false;
      this.queue.clear();
    }
  }
}

/**
 * The requeue's rate when the configuration names none. A pass that only waits costs a share of one
 * coalesced describe; one that acts costs its step's calls, and those are few per operation.
 */
export const DEFAULT_REQUEUE_RATE: RateLimit = { perSecond: 20, burst: 50 };

/**
 * Makes the requeue for a broker's wiring and connects it: passes that end in progress feed it.
 * Returns the work to run while leading (startHousekeeping's whileLeading).
 */
export function attachRequeue(
  deps: BrokerDeps,
  rate: RateLimit | undefined,
): { requeue: Requeue; whileLeading: (signal: AbortSignal) => Promise<void> } {
  const requeue = new Requeue(deps, rate ?? DEFAULT_REQUEUE_RATE);
  deps.onInProgress = (instanceId, seconds) => requeue.note(instanceId, seconds);
  return { requeue, whileLeading: (signal) => requeue.run(signal) };
}
