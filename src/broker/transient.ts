import { RdsError } from '../aws/errors.js';
import type { Decision } from '../reconcile/reconcile.js';
import { retryAfterFor } from '../reconcile/timing.js';

/** What a poll answers when RDS or the database could not be reached this time: try again later. */
export function transientDecision(error: unknown): Decision | undefined {
  if (error instanceof RdsError) {
    if (error.retryable)
      return { state: 'in progress', description: `RDS is busy (${error.code}); the broker will try again`, retryAfterSeconds: 15 };
    if (error.kind === 'invalid-state')
      return { state: 'in progress', description: `waiting for RDS: ${error.code}`, retryAfterSeconds: retryAfterFor('modifying') };
    return undefined;
  }
  if (error instanceof Error) {
    if (error.name === 'DatabaseTlsError')
      return { state: 'in progress', description: `cannot connect securely to the database: ${error.message}`, retryAfterSeconds: 60 };
    if (error.name === 'DatabaseUnreachableError' || error.name === 'DatabaseAuthError') {
      return { state: 'in progress', description: `the database is not reachable yet: ${error.message}`, retryAfterSeconds: 15 };
    }
  }
  return undefined;
}
