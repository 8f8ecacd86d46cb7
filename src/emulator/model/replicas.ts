/**
 * RDS's rules for read replicas of PostgreSQL, MySQL and MariaDB instances, as pure functions over
 * the records (the actions turn a refusal into RDS's error):
 * - the source must keep automated backups (retention > 0), including a replica that is itself a source;
 * - at most 15 read replicas per source;
 * - replicas of replicas (cascading) at most three deep (four instances in a chain), and for
 *   PostgreSQL only from version 14.1 on.
 */
import type { InstanceRecord } from './types.js';

export const MAX_REPLICAS_PER_SOURCE = 15;
/** Replicas in one chain below the first source. */
export const MAX_CHAIN_REPLICAS = 3;

export const NO_BACKUPS_MESSAGE =
  'Automated backups are not enabled for this database instance. To enable automated backups, use ModifyDBInstance to set the backup retention period to a non-zero value.';

export type ReplicaRefusal =
  | { code: 'InvalidDBInstanceState'; message: string }
  | { code: 'InstanceQuotaExceeded'; message: string }
  | { code: 'InvalidParameterCombination'; message: string };

/** How many replicas stand between `inst` and the first source of its chain (0: it is no replica). */
export function chainDepth(inst: InstanceRecord, lookup: (identifier: string) => InstanceRecord | undefined): number {
  let depth = 0;
  let current: InstanceRecord | undefined = inst;
  // Bounded: a chain is never longer than the rules allow, and a broken record cannot loop forever.
  while (current?.readReplicaSource && depth <= MAX_CHAIN_REPLICAS + 1) {
    depth++;
    current = lookup(current.readReplicaSource);
  }
  return depth;
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const [a = 0, b = 0] = version.split('.').map((part) => Number.parseInt(part, 10));
  return a > major || (a === major && b >= minor);
}

/** Why `source` cannot get another read replica now, or undefined when it can. */
export function replicaRefusal(
  source: InstanceRecord,
  sourceStatus: string,
  replicaCount: number,
  lookup: (identifier: string) => InstanceRecord | undefined,
): ReplicaRefusal | undefined {
  if (sourceStatus !== 'available') {
    return {
      code: 'InvalidDBInstanceState',
      message: `Source DB instance ${source.identifier} is not in available state (it is ${sourceStatus}).`,
    };
  }
  if (source.backupRetentionPeriod === 0) return { code: 'InvalidDBInstanceState', message: NO_BACKUPS_MESSAGE };
  if (replicaCount >= MAX_REPLICAS_PER_SOURCE) {
    return {
      code: 'InstanceQuotaExceeded',
      message: `DB instance ${source.identifier} already has ${replicaCount} read replicas, the most a source DB instance can have (${MAX_REPLICAS_PER_SOURCE}).`,
    };
  }
  const depth = chainDepth(source, lookup);
  if (depth > 0 && source.engine === 'postgres' && !versionAtLeast(source.engineVersion, 14, 1)) {
    return {
      code: 'InvalidDBInstanceState',
      message: `Cascading read replicas need PostgreSQL 14.1 or later; ${source.identifier} runs ${source.engineVersion}.`,
    };
  }
  if (depth >= MAX_CHAIN_REPLICAS) {
    return {
      code: 'InvalidDBInstanceState',
      message: `DB instance ${source.identifier} is the last of a chain of ${MAX_CHAIN_REPLICAS} read replicas; a chain can't be longer.`,
    };
  }
  return undefined;
}
