import type { ObservedInstance } from './observed.js';
import { canDeleteNow, statusPhase } from './phase.js';
import { RetryAfter } from './retry-after.js';
import { Step, type StepState } from './tags.js';
import type { Decision } from './reconcile.js';
import { nextReplicaDeletion } from './replicas.js';

/**
 * An accepted deprovision (its PendingDelete tag) as a list of steps: every precondition RDS puts
 * on DeleteDBInstance, in order, then the delete itself. Each precondition is "is it still in the
 * way? then this action removes it"; the first one still in the way is the next action. The
 * instance's read replicas come first of all, each deletion naming the replica it acts on as
 * `resource`.
 */
interface DeletionPrecondition {
  /** Whether it still stands in the way of the delete, as RDS shows it now. */
  inTheWay(observed: ObservedInstance): boolean;
  description: string;
  action(observed: ObservedInstance): NonNullable<Decision['action']>;
}

const PRECONDITIONS: readonly DeletionPrecondition[] = [
  {
    // RDS refuses DeleteDBInstance while deletion protection is on (a plan may set it).
    inTheWay: (observed) => observed.deletionProtection === true,
    description: 'lifting deletion protection before deleting the RDS instance',
    action: (observed) => ({ kind: 'lift-deletion-protection', step: Step.delete, resource: observed.identifier }),
  },
];

function settled(startedAt: Date | undefined, now: Date, settleSeconds: number): boolean {
  return startedAt === undefined || now.getTime() - startedAt.getTime() >= settleSeconds * 1000;
}

/** The next move of an accepted deprovision. Pure. */
export function decideDeletion(observed: ObservedInstance, pending: StepState, now: Date, settleSeconds: number): Decision {
  const status = observed.status;
  const deleting = (action?: Decision['action']): Decision => ({
    state: 'in progress',
    description: 'deleting the RDS instance',
    retryAfterSeconds: RetryAfter.forStatus('deleting'),
    ...(action ? { action } : {}),
  });
  if (statusPhase(status) === 'deleting') return deleting();
  // Its read replicas go first: RDS would promote them to standalone instances otherwise.
  const replica = nextReplicaDeletion(observed);
  if (replica)
    return {
      state: 'in progress',
      description: replica.action
        ? `deleting read replica ${replica.replica} before the RDS instance`
        : `waiting for read replica ${replica.replica} before deleting the RDS instance`,
      retryAfterSeconds: RetryAfter.forStatus('deleting'),
      ...(replica.action ? { action: replica.action } : {}),
    };
  const waiting: Decision = {
    state: 'in progress',
    description: `deletion requested; waiting for RDS to allow it (status: ${status})`,
    retryAfterSeconds: RetryAfter.forStatus(status),
  };
  if (!canDeleteNow(status)) return waiting;
  for (const precondition of PRECONDITIONS) {
    if (precondition.inTheWay(observed)) {
      return {
        state: 'in progress',
        description: precondition.description,
        retryAfterSeconds: RetryAfter.nextStepNow,
        action: precondition.action(observed),
      };
    }
  }
  // A delete issued a moment ago may not show yet: not issued again within the settle window.
  if (!settled(pending.startedAt, now, settleSeconds)) return waiting;
  return deleting({ kind: 'delete', step: Step.delete, resource: observed.identifier });
}
