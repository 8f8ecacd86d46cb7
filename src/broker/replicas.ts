import type { PlanConfig } from '../config/schema.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { replicaIdentifier } from '../naming/derive.js';
import { ownReplicas, replicaReady, wantedReplicas } from '../reconcile/replicas.js';
import { parseStep, Step, Tag, type Tags } from '../reconcile/tags.js';
import { badRequest } from './contract.js';

/** The derived identifiers of replicas 1..count of a primary. */
export function replicaSlots(primary: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => replicaIdentifier(primary, i + 1));
}

/**
 * The identifiers a read of this primary must also describe, or none. Only when replica work is
 * pending (the replica step, or a deletion that must remove replicas first) or when the caller
 * needs the replicas anyway (`always`: a binding hands out their addresses; an update or a
 * deprovision decides on them at once): the derived ones (a replica just created may not be
 * listed on its source yet) and those RDS lists on the primary.
 */
export function replicaIdentifiersToObserve(primary: ObservedInstance, always = false): string[] {
  const listed = primary.readReplicaIdentifiers ?? [];
  const pending = parseStep(Step.readReplicas, primary.tags[Step.readReplicas]) !== undefined;
  const deleting = parseStep(Step.delete, primary.tags[Step.delete]) !== undefined;
  const wanted = wantedReplicas(primary.tags);
  if (!always && !pending && !(deleting && (listed.length > 0 || wanted > 0))) return [];
  const out = replicaSlots(primary.identifier, wanted);
  for (const id of listed) if (!out.some((known) => known.toLowerCase() === id.toLowerCase())) out.push(id);
  return out;
}

/** The replica count an instance's tag records (0 when it has none). */
export function currentReplicaCount(tags: Tags): number {
  return wantedReplicas(tags);
}

/**
 * How many read replicas a request asks for: the `read_replicas` parameter, else (on provision) the
 * plan's default, else (on update) what the instance has now.
 */
export function requestedReplicaCount(plan: PlanConfig, parameters: Record<string, unknown>, current?: number): number {
  if (typeof parameters.read_replicas === 'number') return parameters.read_replicas;
  return current ?? plan.readReplicas?.default ?? 0;
}

/**
 * RDS makes read replicas only of an instance with automated backups: a request that asks for
 * replicas and for no backups is refused before anything is changed, saying why.
 */
export function checkReplicaPrecondition(replicas: number, backupRetentionPeriod: number): void {
  if (replicas > 0 && backupRetentionPeriod === 0)
    throw badRequest(
      'read_replicas needs automated backups: RDS makes read replicas only of an instance with a backup_retention_period above 0',
    );
}

/** The instance class of a plan's read replicas. */
export function replicaInstanceClass(plan: PlanConfig): string {
  return plan.readReplicas?.instanceClass ?? plan.rds.instanceClass;
}

/**
 * The identity a replica carries from birth: its primary's broker, service, plan and tenant, so
 * the IAM policy's Broker Name conditions hold for it, and Replica Of naming the primary. No
 * Instance ID: nothing that lists the broker's service instances takes a replica for one.
 */
const COPIED: readonly string[] = [
  Tag.owner,
  Tag.brokerName,
  Tag.createdBy,
  Tag.serviceId,
  Tag.planId,
  Tag.platform,
  Tag.organizationId,
  Tag.spaceId,
  Tag.clusterId,
  Tag.namespace,
  Tag.organizationName,
  Tag.spaceName,
  Tag.instanceName,
];

export function replicaTags(primary: ObservedInstance, now: Date): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const key of COPIED) if (primary.tags[key] !== undefined) tags[key] = primary.tags[key]!;
  tags[Tag.createdAt] = now.toISOString();
  tags[Tag.replicaOf] = primary.identifier;
  return tags;
}

/**
 * The addresses of the instance's replicas a binding hands out: the broker's own replicas that
 * serve reads now (available and replicating), in replica order (-r1, -r2, …). The binding's role
 * reaches them with the data it replicates with.
 */
export function servingReplicas(primary: ObservedInstance): Array<{ host: string; port: number }> {
  return ownReplicas(primary)
    .filter((replica) => replicaReady(replica) && replica.endpoint)
    .sort((a, b) => slotOf(a.identifier) - slotOf(b.identifier) || a.identifier.localeCompare(b.identifier))
    .map((replica) => ({ host: replica.endpoint!.address, port: replica.endpoint!.port }));
}

function slotOf(identifier: string): number {
  const match = /-r(\d+)$/.exec(identifier);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}
