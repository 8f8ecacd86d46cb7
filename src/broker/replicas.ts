import type { PlanConfig } from '../config/schema.js';
import { Tag, type Tags } from '../reconcile/tags.js';
import { badRequest } from './contract.js';

/** The replica count an instance's tag records (0 when it has none). */
export function currentReplicaCount(tags: Tags): number {
  const value = tags[Tag.readReplicas];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 0;
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
