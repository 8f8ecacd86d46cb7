import { BudgetExhaustedError } from './budget.js';
import { toRdsError } from './errors.js';

export interface RetryPolicy {
  maxAttempts: number;
  /** Total time the retries of one call may take, sleeps included. */
  budgetMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, budgetMs: 10000, baseDelayMs: 100, maxDelayMs: 2000 };

/** Full-jitter exponential backoff: a uniform delay in [0, min(max, base·2^attempt)). Pure. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random * ceiling);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call`, retrying throttled and transient failures within the policy's count and time budget.
 * Whatever fails for good is thrown as an RdsError.
 */
export async function withRetry<T>(
  action: string,
  policy: RetryPolicy,
  call: () => Promise<T>,
  /** Told of every attempt; a failed one carries RDS's error code. */
  onAttempt?: (outcome: 'ok' | 'throttled' | 'error', seconds: number, code?: string) => void,
): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const t0 = performance.now();
    try {
      const result = await call();
      onAttempt?.('ok', (performance.now() - t0) / 1000);
      return result;
    } catch (raw) {
      // Refused by our own budget before anything was sent: not an RDS call, and retrying it would
      // only wait again.
      if (raw instanceof BudgetExhaustedError) throw raw;
      const error = toRdsError(raw, action);
      onAttempt?.(error.kind === 'throttled' ? 'throttled' : 'error', (performance.now() - t0) / 1000, error.code);
      const delay = backoffDelay(attempt, policy, Math.random());
      const outOfTime = Date.now() - started + delay > policy.budgetMs;
      if (!error.retryable || attempt + 1 >= policy.maxAttempts || outOfTime) throw error;
      await sleep(delay);
    }
  }
}
