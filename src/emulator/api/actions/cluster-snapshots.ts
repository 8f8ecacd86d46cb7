/** CreateDBClusterSnapshot, DescribeDBClusterSnapshots, DeleteDBClusterSnapshot. */
import { actualClusterStatus, beginClusterTransition, clusterPhase } from '../../model/cluster-lifecycle.js';
import { clusterSnapshotOf } from '../../model/cluster-records.js';
import type { ClusterSnapshotRecord } from '../../model/cluster-types.js';
import type { ActionContext, ActionHandler } from '../context.js';
import {
  clusterSnapshotAlreadyExists,
  clusterSnapshotNotFound,
  invalidClusterSnapshotState,
  invalidClusterState,
  invalidValue,
} from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import { renderClusterSnapshot } from '../render-cluster.js';
import * as v from '../validate.js';
import { clusterName, commitCluster, findCluster } from './cluster-common.js';

/** A cluster snapshot identifier or ARN; automated ones (`rds:…`) keep their case-sensitive prefix. */
export function clusterSnapshotName(ctx: ActionContext, value: string): string {
  if (value.startsWith('rds:')) return value;
  if (!value.startsWith('arn:')) return value.toLowerCase();
  const parsed = ctx.arns.parse(value);
  if (parsed?.kind !== 'cluster-snapshot') throw invalidValue(`Invalid resource name: ${value}`);
  return parsed.name.startsWith('rds:') ? parsed.name : parsed.name.toLowerCase();
}

export function findClusterSnapshot(ctx: ActionContext, idOrArn: string): ClusterSnapshotRecord {
  const snapshot = ctx.store.clusterSnapshots.get(clusterSnapshotName(ctx, idOrArn));
  if (!snapshot) throw clusterSnapshotNotFound(idOrArn);
  return snapshot;
}

export const createDBClusterSnapshot: ActionHandler = (ctx, params) => {
  const snapshotId = v.snapshotIdentifier(params.required('DBClusterSnapshotIdentifier'), 'DBClusterSnapshotIdentifier');
  const cluster = findCluster(ctx, params.required('DBClusterIdentifier'));
  const tags = params.tags();
  if (tags) v.tags(tags);
  if (ctx.store.clusterSnapshots.has(snapshotId)) throw clusterSnapshotAlreadyExists(snapshotId);
  const status = actualClusterStatus(cluster);
  if (status !== 'available') throw invalidClusterState(`DB cluster ${cluster.identifier} is not in available state (it is ${status}).`);
  const phases = [clusterPhase('backing-up', { work: { kind: 'snapshot', snapshotId } })];
  const started = beginClusterTransition(cluster, 'snapshot', phases, ctx.store.transitionId(), ctx.now, ctx.timing);
  const snapshot = clusterSnapshotOf(cluster, snapshotId, 'manual', ctx.now, ctx.store.vpcId, tags);
  ctx.store.putClusterSnapshot(snapshot);
  commitCluster(ctx, started);
  return `<DBClusterSnapshot>${renderClusterSnapshot(snapshot, ctx)}</DBClusterSnapshot>`;
};

const FILTERS = new Set(['db-cluster-id', 'db-cluster-snapshot-id', 'snapshot-type', 'engine', 'db-cluster-resource-id']);
const TYPES = new Set(['automated', 'manual', 'shared', 'public', 'awsbackup']);

function lenient(f: () => string): string {
  try {
    return f();
  } catch {
    return '';
  }
}

function filterValue(s: ClusterSnapshotRecord, name: string): string {
  switch (name) {
    case 'db-cluster-id':
      return s.clusterIdentifier;
    case 'db-cluster-snapshot-id':
      return s.identifier;
    case 'snapshot-type':
      return s.type;
    case 'db-cluster-resource-id':
      return s.clusterResourceId;
    default:
      return s.engine;
  }
}

export const describeDBClusterSnapshots: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const snapshotParam = params.string('DBClusterSnapshotIdentifier');
  const clusterParam = params.string('DBClusterIdentifier');
  const type = params.string('SnapshotType');
  if (type !== undefined && !TYPES.has(type)) throw invalidValue(`Invalid snapshot type: ${type}`);
  const filters = params.filters();
  for (const f of filters) if (!FILTERS.has(f.Name)) throw invalidValue(`Unrecognized filter name: ${f.Name}`);
  const clusterId = clusterParam === undefined ? undefined : lenient(() => clusterName(ctx, clusterParam));
  const wanted = filters.map((f) => ({
    name: f.Name,
    values: new Set(
      f.Values.map((x) =>
        f.Name === 'db-cluster-id'
          ? lenient(() => clusterName(ctx, x))
          : f.Name === 'db-cluster-snapshot-id'
            ? lenient(() => clusterSnapshotName(ctx, x))
            : x,
      ),
    ),
  }));
  const keys = snapshotParam !== undefined ? [findClusterSnapshot(ctx, snapshotParam).identifier] : ctx.store.sortedClusterSnapshotIds();
  const page = paginate(keys, params.string('Marker'), max, (key) => {
    const s = ctx.store.clusterSnapshots.get(key);
    if (!s) return false;
    if (clusterId !== undefined && s.clusterIdentifier !== clusterId) return false;
    if (type !== undefined && s.type !== type) return false;
    return wanted.every((f) => f.values.has(filterValue(s, f.name)));
  });
  let xml = '<DBClusterSnapshots>';
  for (const key of page.keys)
    xml += `<DBClusterSnapshot>${renderClusterSnapshot(ctx.store.clusterSnapshots.get(key)!, ctx)}</DBClusterSnapshot>`;
  return `${xml}</DBClusterSnapshots>${markerXml(page.nextMarker)}`;
};

export const deleteDBClusterSnapshot: ActionHandler = (ctx, params) => {
  const snapshot = findClusterSnapshot(ctx, params.required('DBClusterSnapshotIdentifier'));
  if (snapshot.type !== 'manual') {
    throw invalidClusterSnapshotState(
      'Only manual cluster snapshots may be deleted; automated ones go with their retention period or their cluster.',
    );
  }
  if (snapshot.status === 'creating') {
    throw invalidClusterSnapshotState(`Cannot delete the cluster snapshot ${snapshot.identifier} because it is still being created.`);
  }
  ctx.store.removeClusterSnapshot(snapshot.identifier);
  void ctx.fleet.removeData(snapshot.dataPath);
  ctx.changed();
  return `<DBClusterSnapshot>${renderClusterSnapshot(snapshot, ctx, 'deleted')}</DBClusterSnapshot>`;
};
