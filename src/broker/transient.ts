import { RdsError } from '../aws/errors.js';
import type { Decision } from '../reconcile/reconcile.js';
import { RetryAfter } from '../reconcile/retry-after.js';
import { SqlError } from '../sql/errors.js';

/** What a poll answers when RDS or the database could not be reached this time: try again later. */
export function transientDecision(error: unknown): Decision | undefined {
  if (error instanceof RdsError) {
    if (error.retryable)
      return {
        state: 'in progress',
        description: `RDS is busy (${error.code}); the broker will try again`,
        retryAfterSeconds: RetryAfter.rdsBusy,
      };
    if (error.kind === 'invalid-state')
      return { state: 'in progress', description: `waiting for RDS: ${error.code}`, retryAfterSeconds: RetryAfter.forStatus('modifying') };
    return undefined;
  }
  if (error instanceof SqlError) {
    if (error.kind === 'tls')
      return {
        state: 'in progress',
        description: `cannot connect securely to the database: ${error.message}`,
        retryAfterSeconds: RetryAfter.databaseTls,
      };
    if (error.kind === 'unreachable' || error.kind === 'auth') {
      return {
        state: 'in progress',
        description: `the database is not reachable yet: ${error.message}`,
        retryAfterSeconds: RetryAfter.databaseUnreachable,
      };
    }
  }
  return undefined;
}
