import type { ObservedInstance } from './observed.js';
import { canDeleteNow, statusPhase } from './phase.js';
import type { Action, Decision } from './reconcile.js';
import { RetryAfter } from './retry-after.js';
import { Step, Tag, type Tags } from './tags.js';

/**
 * Read replicas of a primary, decided purely from one observation of the primary and its replicas.
 * The primary keeps the state (its Read Replicas tag says how many it should have, its
 * PendingReadReplicas tag that the broker has work to do); each replica the broker makes has a
 * derived identifier (`<primary>-r1`, `-r2`, …) and a Replica Of tag naming its primary, so a
 * replica is recognised however the broker died while making it.
 */

/** The count the primary's Read Replicas tag records (0 when it has none). */
export function wantedReplicas(tags: Tags): number {
  const value = tags[Tag.readReplicas];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
}

const same = (a: string | undefined, b: string | undefined) => a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();

/** Replicas of this primary the broker made: tagged Replica Of it. Others are left as they are. */
export function ownReplicas(primary: ObservedInstance): ObservedInstance[] {
  return (primary.replicas ?? []).filter((replica) => same(replica.tags[Tag.replicaOf], primary.identifier));
}

/** Whether a replica serves reads: available, and RDS reports it replicating. */
export function replicaReady(replica: ObservedInstance): boolean {
  return statusPhase(replica.status) === 'idle' && replica.replication?.status === 'replicating';
}

const inProgress = (description: string, retryAfterSeconds: number, action?: Action): Decision => ({
  state: 'in progress',
  description,
  retryAfterSeconds,
  ...(action ? { action } : {}),
});

/**
 * The replica step: make the primary's replicas exactly the wanted ones (`wanted`: the derived
 * identifiers of as many replicas as the Read Replicas tag asks for). Extra replicas (above the
 * wanted count) are deleted, highest first; missing ones created, lowest first; done when every
 * wanted replica is available and replicating. Creating is idempotent by identifier (RDS refuses a
 * second instance of the same name), so a create whose tag update a crash lost is simply repeated.
 */
export function decideReplicaStep(primary: ObservedInstance, wanted: readonly string[], instanceClass: string | undefined): Decision {
  if (primary.replicas === undefined) return inProgress('reading the read replicas', RetryAfter.nextStepNow);
  const own = ownReplicas(primary);
  const find = (id: string) => own.find((replica) => same(replica.identifier, id));

  for (const replica of own) {
    if (statusPhase(replica.status) === 'failed')
      return { state: 'failed', description: `RDS reports read replica ${replica.identifier} as ${replica.status}; ask an operator` };
    const replication = replica.replication?.status;
    if (statusPhase(replica.status) === 'idle' && (replication === 'error' || replication === 'terminated'))
      return {
        state: 'failed',
        description: `read replica ${replica.identifier} reports replication ${replication}${replica.replication?.message ? ` (${replica.replication.message})` : ''}; ask an operator`,
      };
  }

  const squatter = (primary.replicas ?? []).find(
    (instance) => wanted.some((id) => same(id, instance.identifier)) && !own.includes(instance),
  );
  if (squatter)
    return {
      state: 'failed',
      description: `an RDS instance named ${squatter.identifier} exists and is not a read replica of this instance; ask an operator`,
    };

  const extra = own.filter((replica) => !wanted.some((id) => same(id, replica.identifier))).reverse();
  const toDelete = extra.find((replica) => statusPhase(replica.status) !== 'deleting' && canDeleteNow(replica.status));
  if (toDelete)
    return inProgress(`deleting read replica ${toDelete.identifier}`, RetryAfter.forStatus('deleting'), {
      kind: 'delete-replica',
      step: Step.readReplicas,
      resource: toDelete.identifier,
    });

  const missing = wanted.find((id) => !find(id));
  if (missing) {
    if (!instanceClass) return { state: 'failed', description: `the plan in tag "${Tag.planId}" is not in the catalog; ask an operator` };
    return inProgress(`creating read replica ${missing}`, RetryAfter.forStatus('creating'), {
      kind: 'create-replica',
      step: Step.readReplicas,
      resource: missing,
      instanceClass,
    });
  }

  const notReady = wanted.map((id) => find(id)!).find((replica) => !replicaReady(replica));
  if (notReady) {
    const status = notReady.status === 'available' ? `replication ${notReady.replication?.status ?? 'not reported yet'}` : notReady.status;
    return inProgress(`creating read replica ${notReady.identifier} (${status})`, RetryAfter.forStatus(notReady.status));
  }
  if (extra.length > 0) return inProgress(`deleting read replica ${extra[0]!.identifier}`, RetryAfter.forStatus('deleting'));
  return inProgress('read replicas ready', RetryAfter.nextStepNow, { kind: 'complete-step', step: Step.readReplicas });
}

/**
 * Before a primary is deleted its replicas go (RDS would promote them to standalone instances
 * otherwise). The next deletion among them, or undefined when none of the broker's is left.
 * `wait` when the ones left cannot be deleted yet (being created, being deleted already).
 */
export function nextReplicaDeletion(primary: ObservedInstance): { action?: Action; replica: string } | undefined {
  if (primary.replicas === undefined) {
    // Not read: RDS's list on the primary says whether any stand in the way.
    const listed = primary.readReplicaIdentifiers ?? [];
    return listed.length > 0 ? { replica: listed[0]! } : undefined;
  }
  const own = ownReplicas(primary);
  const deletable = own.find((replica) => statusPhase(replica.status) !== 'deleting' && canDeleteNow(replica.status));
  if (deletable)
    return { replica: deletable.identifier, action: { kind: 'delete-replica', step: Step.delete, resource: deletable.identifier } };
  return own[0] ? { replica: own[0].identifier } : undefined;
}
