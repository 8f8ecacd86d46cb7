import { AsyncLocalStorage } from 'node:async_hooks';
import { RdsError } from './errors.js';

/**
 * RDS's request budget, paced on our side. RDS gives an account one token bucket per region (by
 * default 300 requests of burst, refilled at 12 a second) shared by every caller; spending it until
 * RDS throttles makes the retries burn what the next requests need. So every call the gateway makes
 * first takes a token here, in priority order, with a bounded wait, and the rate adapts to what RDS
 * answers: a throttle halves it, calm raises it back step by step (AIMD).
 *
 * The SDK's own `adaptive` retry mode (@smithy/util-retry's DefaultRateLimiter) is a per-client
 * token bucket fed by throttles too, but it has no priorities, waits without bound and knows no
 * share of a budget, so it cannot answer a platform 503 in time or keep polls and housekeeping
 * behind provisions.
 */

/** Who is waiting: a platform's synchronous request, a poll, or the broker's own background work. */
export type BudgetPriority = 'request' | 'poll' | 'background';

export const PRIORITIES: readonly BudgetPriority[] = ['request', 'poll', 'background'];

/** RDS's documented default budget per account and region. */
export const RDS_DEFAULT_BUDGET = { burst: 300, ratePerSecond: 12 } as const;

export interface BudgetSettings {
  enabled: boolean;
  /** Tokens the bucket holds when full: calls that may go at once. */
  burst: number;
  /** Tokens added per second: the sustained call rate. */
  ratePerSecond: number;
  /** The longest a request or a poll waits for tokens, all its calls together, from its start; then it is refused. */
  maxWaitMs: number;
  /** The longest background work waits (it yields to everything else meanwhile). */
  backgroundMaxWaitMs: number;
  /** Share of the burst background work leaves for requests: it takes a token only above this. */
  backgroundReserve: number;
  /** Lower the rate on throttles and raise it back in calm. */
  adaptive: boolean;
}

/** One replica alone with 280 of RDS's 300 and 11 of its 12 a second: the rest is for operators' tools. */
export const DEFAULT_BUDGET: BudgetSettings = {
  enabled: true,
  burst: 280,
  ratePerSecond: 11,
  maxWaitMs: 40000,
  backgroundMaxWaitMs: 600000,
  backgroundReserve: 0.5,
  adaptive: true,
};

/** A call refused before it was sent: the budget would not have a token for it within its wait bound. */
export class BudgetExhaustedError extends RdsError {
  constructor(
    readonly priority: BudgetPriority,
    /** When a new request would likely be served. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      'throttled',
      'ClientBudgetExhausted',
      `RDS's request budget is exhausted: no RDS call possible for this ${priority} within the wait bound; try again in about ${retryAfterSeconds} s`,
      'budget',
    );
    this.name = 'BudgetExhaustedError';
  }
}

export interface BudgetClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: BudgetClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Waiter {
  deadline: number;
  enqueuedAt: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface BudgetObserver {
  /** A token was granted after `seconds` of waiting. */
  granted?(priority: BudgetPriority, seconds: number): void;
  /** A take was refused (wait bound). */
  refused?(priority: BudgetPriority): void;
}

/** Multiplicative decrease on a throttle, at most once per this long (one burst of throttles is one signal). */
const DECREASE_INTERVAL_MS = 1000;
/** Calm for this long after a throttle before the rate rises again. */
const CALM_AFTER_MS = 2000;
/** Additive increase: this share of the configured rate per second of calm (half to full in 10 s). */
const INCREASE_SHARE_PER_SECOND = 0.05;
/** The rate never falls below this share of the configured one. */
const MIN_RATE_SHARE = 0.1;

export class RequestBudget {
  private tokensValue: number;
  private rateValue: number;
  private refilledAt: number;
  private lastThrottleAt = Number.NEGATIVE_INFINITY;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private readonly queues: Record<BudgetPriority, Waiter[]> = { request: [], poll: [], background: [] };
  private timer: unknown;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly settings: BudgetSettings,
    private readonly clock: BudgetClock = realClock,
    private readonly observer: BudgetObserver = {},
  ) {
    this.tokensValue = settings.burst;
    this.rateValue = settings.ratePerSecond;
    this.refilledAt = clock.now();
  }

  /** Tokens available now (fractional). */
  get tokens(): number {
    this.refill();
    return this.tokensValue;
  }

  /** The current refill rate, per second (below the configured one after throttles). */
  get rate(): number {
    this.refill();
    return this.rateValue;
  }

  waiting(priority: BudgetPriority): number {
    return this.queues[priority].length;
  }

  /**
   * Resolves when a call of this priority may go. With `unbounded`, waits however long (for the
   * later calls of an operation that has already changed something in RDS: never leave half of it).
   * `startedAt` (this budget's clock) is when the platform's request began: a request or a poll
   * makes several calls, and the wait bound is for the whole of it, not for each call, or a
   * provision's describe and create could each wait the bound and the platform would give up on
   * the answer. Background work is bounded per call.
   */
  take(priority: BudgetPriority, unbounded = false, startedAt?: number): Promise<void> {
    if (!this.settings.enabled) return Promise.resolve();
    this.refill();
    const now = this.clock.now();
    if (this.ahead(priority) === 0 && this.eligible(priority)) {
      this.tokensValue -= 1;
      this.observer.granted?.(priority, 0);
      return Promise.resolve();
    }
    const deadline = this.deadline(priority, unbounded, startedAt, now);
    const estimate = this.estimatedWaitMs(priority);
    if (estimate > deadline - now) {
      this.observer.refused?.(priority);
      return Promise.reject(new BudgetExhaustedError(priority, this.retryAfterSeconds(estimate)));
    }
    return new Promise<void>((resolve, reject) => {
      this.queues[priority].push({ deadline, enqueuedAt: now, resolve, reject });
      this.pump();
    });
  }

  /** When a waiter of this priority is refused: its bound counted from its request's start (requests, polls) or from now. */
  private deadline(priority: BudgetPriority, unbounded: boolean, startedAt: number | undefined, now: number): number {
    if (unbounded) return Number.POSITIVE_INFINITY;
    if (priority === 'background') return now + this.settings.backgroundMaxWaitMs;
    return Math.min(now, startedAt ?? now) + this.settings.maxWaitMs;
  }

  /** RDS throttled a call: its bucket is empty, and our rate was too high. */
  onThrottled(): void {
    this.refill();
    const now = this.clock.now();
    this.lastThrottleAt = now;
    this.tokensValue = Math.min(this.tokensValue, 0);
    if (this.settings.adaptive && now - this.lastDecreaseAt >= DECREASE_INTERVAL_MS) {
      this.rateValue = Math.max(this.settings.ratePerSecond * MIN_RATE_SHARE, this.rateValue / 2);
      this.lastDecreaseAt = now;
    }
    this.pump();
  }

  /** Refuses everything still waiting (shutdown). */
  close(): void {
    for (const priority of PRIORITIES)
      for (const waiter of this.queues[priority].splice(0)) waiter.reject(new BudgetExhaustedError(priority, 1));
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Waiters of this priority or a higher one, which go first. */
  private ahead(priority: BudgetPriority): number {
    let count = 0;
    for (const p of PRIORITIES) {
      count += this.queues[p].length;
      if (p === priority) break;
    }
    return count;
  }

  /** Background work takes a token only while nothing else waits and the reserve stays whole. */
  private eligible(priority: BudgetPriority): boolean {
    if (priority !== 'background') return this.tokensValue >= 1;
    return this.queues.request.length === 0 && this.queues.poll.length === 0 && this.tokensValue >= 1 + this.reserve();
  }

  private reserve(): number {
    return this.settings.burst * this.settings.backgroundReserve;
  }

  private estimatedWaitMs(priority: BudgetPriority): number {
    const floor = priority === 'background' ? 1 + this.reserve() : 1;
    const needed = this.ahead(priority) + floor - this.tokensValue;
    return needed <= 0 ? 0 : (needed / this.rateValue) * 1000;
  }

  private retryAfterSeconds(estimateMs: number): number {
    const queued = this.queues.request.length + this.queues.poll.length;
    return Math.max(1, Math.ceil(Math.min(estimateMs, ((queued + 1) / this.rateValue) * 1000) / 1000));
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = now - this.refilledAt;
    if (elapsed <= 0) return;
    if (this.settings.adaptive && this.rateValue < this.settings.ratePerSecond) {
      const calmFrom = Math.max(this.refilledAt, this.lastThrottleAt + CALM_AFTER_MS);
      const calmSeconds = Math.max(0, now - calmFrom) / 1000;
      this.rateValue = Math.min(
        this.settings.ratePerSecond,
        this.rateValue + this.settings.ratePerSecond * INCREASE_SHARE_PER_SECOND * calmSeconds,
      );
    }
    this.tokensValue = Math.min(this.settings.burst, this.tokensValue + (elapsed / 1000) * this.rateValue);
    this.refilledAt = now;
  }

  /** Grants tokens to waiters in priority order, refuses those past their bound, and sets the next wake-up. */
  private pump(): void {
    this.refill();
    const now = this.clock.now();
    for (const priority of PRIORITIES) {
      const queue = this.queues[priority];
      while (queue.length > 0 && (queue[0] as Waiter).deadline < now) {
        const waiter = queue.shift() as Waiter;
        this.observer.refused?.(priority);
        waiter.reject(new BudgetExhaustedError(priority, this.retryAfterSeconds(this.estimatedWaitMs(priority))));
      }
    }
    for (const priority of PRIORITIES) {
      const queue = this.queues[priority];
      while (queue.length > 0 && this.tokensValue >= 1 && this.higherEmpty(priority) && this.eligibleHead(priority)) {
        const waiter = queue.shift() as Waiter;
        this.tokensValue -= 1;
        this.observer.granted?.(priority, (now - waiter.enqueuedAt) / 1000);
        waiter.resolve();
      }
    }
    this.schedule(now);
  }

  private higherEmpty(priority: BudgetPriority): boolean {
    for (const p of PRIORITIES) {
      if (p === priority) return true;
      if (this.queues[p].length > 0) return false;
    }
    return true;
  }

  private eligibleHead(priority: BudgetPriority): boolean {
    return priority !== 'background' || this.tokensValue >= 1 + this.reserve();
  }

  private schedule(now: number): void {
    let wakeAt = Number.POSITIVE_INFINITY;
    for (const priority of PRIORITIES) {
      const head = this.queues[priority][0];
      if (!head) continue;
      const floor = priority === 'background' ? 1 + this.reserve() : 1;
      const tokenAt = now + (Math.max(0, floor - this.tokensValue) / this.rateValue) * 1000;
      wakeAt = Math.min(wakeAt, tokenAt, head.deadline + 1);
    }
    if (wakeAt === this.timerAt) return;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = wakeAt;
    if (wakeAt === Number.POSITIVE_INFINITY) return;
    this.timer = this.clock.setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.pump();
      },
      Math.max(1, Math.ceil(wakeAt - now)),
    );
  }
}

/**
 * What the calls made inside an async context are for, and whether the operation they belong to has
 * already changed something in RDS (then its remaining calls wait without bound).
 */
export interface BudgetContext {
  priority: BudgetPriority;
  committed: boolean;
  /** When the work began (performance.now(), the real budget clock): requests and polls are bounded from it. */
  startedAt?: number;
}

const context = new AsyncLocalStorage<BudgetContext>();

/** Runs `work` with every RDS call it makes drawing on the budget at `priority`. */
export function withBudgetPriority<T>(priority: BudgetPriority, work: () => T): T {
  return context.run({ priority, committed: false, startedAt: performance.now() }, work);
}

/** The calling context's budget context; calls made outside any (the CLI's tools) count as polls. */
export function currentBudgetContext(): BudgetContext {
  return context.getStore() ?? { priority: 'poll', committed: false };
}
