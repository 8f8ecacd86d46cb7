/** Lookups and parameter readers shared by the cluster actions. */
import { beginClusterTransition, createClusterPhases } from '../../model/cluster-lifecycle.js';
import { clusterSnapshotOf } from '../../model/cluster-records.js';
import type { ClusterRecord, ClusterWork, ServerlessV2Scaling } from '../../model/cluster-types.js';
import { automatedSnapshotId } from '../../model/ids.js';
import type { ActionContext } from '../context.js';
import { clusterNotFound, clusterParameterGroupNotFound, invalidCombination, invalidValue } from '../errors.js';
import type { QueryParams } from '../query.js';

/** A cluster identifier or its ARN, lower-cased as RDS stores identifiers. */
export function clusterName(ctx: ActionContext, value: string): string {
  if (!value.startsWith('arn:')) return value.toLowerCase();
  const parsed = ctx.arns.parse(value);
  if (parsed?.kind !== 'cluster') throw invalidValue(`Invalid resource name: ${value}`);
  return parsed.name.toLowerCase();
}

export function findCluster(ctx: ActionContext, idOrArn: string): ClusterRecord {
  const id = clusterName(ctx, idOrArn);
  const cluster = ctx.store.cluster(id);
  if (!cluster) throw clusterNotFound(id);
  return cluster;
}

export function findClusterParameterGroup(ctx: ActionContext, name: string, family: string): string {
  const group = ctx.store.clusterParameterGroups.get(name.toLowerCase());
  if (!group) throw clusterParameterGroupNotFound(name);
  if (group.family !== family) {
    throw invalidCombination(
      `The DB cluster parameter group ${group.name} with DBParameterGroupFamily ${group.family} can't be used for this cluster. Use a parameter group with DBParameterGroupFamily ${family}.`,
    );
  }
  return group.name;
}

/** A free `rds:<cluster>-<time>` name for an automated cluster snapshot. */
export function newAutomatedClusterSnapshotId(ctx: ActionContext, cluster: string): string {
  const base = automatedSnapshotId(cluster, ctx.now);
  let id = base;
  for (let n = 2; ctx.store.clusterSnapshots.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** Start a new cluster: `creating` with its work, then its first automated snapshot, recorded now. */
export function startNewCluster(ctx: ActionContext, record: ClusterRecord, kind: 'create' | 'restore', work: ClusterWork): ClusterRecord {
  const snapshotId = newAutomatedClusterSnapshotId(ctx, record.identifier);
  const started = beginClusterTransition(
    record,
    kind,
    createClusterPhases(work, snapshotId),
    ctx.store.transitionId(),
    ctx.now,
    ctx.timing,
  );
  ctx.store.putClusterSnapshot(clusterSnapshotOf(started, snapshotId, 'automated', ctx.now, ctx.store.vpcId, undefined));
  return started;
}

/** Store the record and let the cluster scheduler drive it. */
export function commitCluster(ctx: ActionContext, cluster: ClusterRecord): void {
  ctx.store.putCluster(cluster);
  ctx.changed();
  ctx.clusters.kick(cluster.identifier);
}

function capacity(params: QueryParams, name: string): number | undefined {
  const raw = params.string(`ServerlessV2ScalingConfiguration.${name}`);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value))
    throw invalidValue(`Invalid value '${raw}' for ServerlessV2ScalingConfiguration.${name}.`);
  return value;
}

/**
 * ServerlessV2ScalingConfiguration: ACUs in half steps, MinCapacity 0–256 (0 pauses an idle
 * instance), MaxCapacity 1–256 and not below MinCapacity. `current` fills a value left out.
 */
export function serverlessScaling(params: QueryParams, current?: ServerlessV2Scaling): ServerlessV2Scaling | undefined {
  const min = capacity(params, 'MinCapacity');
  const max = capacity(params, 'MaxCapacity');
  if (min === undefined && max === undefined) return undefined;
  const minCapacity = min ?? current?.minCapacity;
  const maxCapacity = max ?? current?.maxCapacity;
  if (minCapacity === undefined || maxCapacity === undefined) {
    throw invalidCombination('ServerlessV2ScalingConfiguration needs both MinCapacity and MaxCapacity.');
  }
  for (const [name, value] of [
    ['MinCapacity', minCapacity],
    ['MaxCapacity', maxCapacity],
  ] as const) {
    if (!Number.isInteger(value * 2)) {
      throw invalidValue(`${name} must be specified in half-step increments, such as 8, 8.5, 9, and so on.`);
    }
  }
  if (minCapacity < 0 || minCapacity > 256) throw invalidValue('MinCapacity must be between 0 and 256 ACUs.');
  if (maxCapacity < 1 || maxCapacity > 256) throw invalidValue('MaxCapacity must be between 1 and 256 ACUs.');
  if (minCapacity > maxCapacity) throw invalidValue('The maximum capacity must be greater than or equal to the minimum capacity.');
  return { minCapacity, maxCapacity };
}
