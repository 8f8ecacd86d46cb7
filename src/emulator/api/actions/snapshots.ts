/** CreateDBSnapshot, DescribeDBSnapshots, DeleteDBSnapshot. */
import { refuseOnMember } from './cluster-members.js';
import { beginTransition, refusal } from '../../model/lifecycle.js';
import { snapshotPhases } from '../../model/plans.js';
import type { SnapshotRecord } from '../../model/types.js';
import type { ActionHandler } from '../context.js';
import { invalidInstanceState, invalidSnapshotState, invalidValue, snapshotAlreadyExists } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import { renderSnapshot } from '../render-other.js';
import * as v from '../validate.js';
import { addSnapshotRecord, commitInstance, findInstance, findSnapshot, nameFromIdOrArn } from './common.js';

export const createDBSnapshot: ActionHandler = (ctx, params) => {
  const snapshotId = v.snapshotIdentifier(params.required('DBSnapshotIdentifier'));
  const inst = findInstance(ctx, params.required('DBInstanceIdentifier'));
  refuseOnMember(inst, 'snapshot');
  const tags = params.tags();
  if (tags) v.tags(tags);
  if (ctx.store.snapshots.has(snapshotId)) throw snapshotAlreadyExists(snapshotId);
  if (inst.readReplicaSource) {
    throw invalidInstanceState(`This emulator takes no snapshots of read replicas: snapshot the source of ${inst.identifier} instead.`);
  }
  const refused = refusal('snapshot', inst);
  if (refused) throw invalidInstanceState(refused);
  const started = beginTransition(inst, 'snapshot', snapshotPhases(snapshotId), ctx.store.transitionId(), ctx.now, ctx.timing);
  const snapshot = addSnapshotRecord(ctx, inst, snapshotId, 'manual', tags);
  commitInstance(ctx, started);
  return `<DBSnapshot>${renderSnapshot(snapshot, ctx)}</DBSnapshot>`;
};

const SNAPSHOT_FILTERS = new Set(['db-instance-id', 'db-snapshot-id', 'dbi-resource-id', 'snapshot-type', 'engine']);
const SNAPSHOT_TYPES = new Set(['automated', 'manual', 'shared', 'public', 'awsbackup']);

export const describeDBSnapshots: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const snapshotParam = params.string('DBSnapshotIdentifier');
  const instanceParam = params.string('DBInstanceIdentifier');
  const type = params.string('SnapshotType');
  const resourceId = params.string('DbiResourceId');
  if (type !== undefined && !SNAPSHOT_TYPES.has(type)) throw invalidValue(`Invalid snapshot type: ${type}`);
  const filters = params.filters();
  for (const f of filters) {
    if (!SNAPSHOT_FILTERS.has(f.Name)) throw invalidValue(`Unrecognized filter name: ${f.Name}`);
  }
  const instanceId = instanceParam === undefined ? undefined : safeName(() => nameFromIdOrArn(ctx, instanceParam, 'db'));
  let keys: readonly string[];
  if (snapshotParam !== undefined) keys = [findSnapshot(ctx, snapshotParam).identifier];
  else keys = ctx.store.sortedSnapshotIds();

  const matches = (s: SnapshotRecord): boolean => {
    if (instanceId !== undefined && s.instanceIdentifier !== instanceId) return false;
    if (type !== undefined && s.type !== type) return false;
    if (resourceId !== undefined && s.dbiResourceId !== resourceId) return false;
    for (const f of filters) {
      const value =
        f.Name === 'db-instance-id'
          ? s.instanceIdentifier
          : f.Name === 'db-snapshot-id'
            ? s.identifier
            : f.Name === 'dbi-resource-id'
              ? s.dbiResourceId
              : f.Name === 'snapshot-type'
                ? s.type
                : s.engine;
      const wanted = f.Values.map((x) =>
        f.Name === 'dbi-resource-id' || x.startsWith('rds:')
          ? x
          : safeName(() => nameFromIdOrArn(ctx, x, f.Name === 'db-instance-id' ? 'db' : 'snapshot')),
      );
      if (f.Name !== 'snapshot-type' && f.Name !== 'engine' ? !wanted.includes(value) : !f.Values.includes(value)) return false;
    }
    return true;
  };
  const page = paginate(keys, params.string('Marker'), max, (key) => {
    const s = ctx.store.snapshots.get(key);
    return s !== undefined && matches(s);
  });
  let xml = '<DBSnapshots>';
  for (const key of page.keys) xml += `<DBSnapshot>${renderSnapshot(ctx.store.snapshots.get(key)!, ctx)}</DBSnapshot>`;
  return `${xml}</DBSnapshots>${markerXml(page.nextMarker)}`;
};

function safeName(f: () => string): string {
  try {
    return f();
  } catch {
    return '';
  }
}

export const deleteDBSnapshot: ActionHandler = (ctx, params) => {
  const snapshot = findSnapshot(ctx, params.required('DBSnapshotIdentifier'));
  if (snapshot.type !== 'manual') {
    throw invalidSnapshotState('Only manual snapshots may be deleted; automated snapshots go with their retention period.');
  }
  if (snapshot.status === 'creating') {
    throw invalidSnapshotState(`Cannot delete the snapshot ${snapshot.identifier} because it is still being created.`);
  }
  ctx.store.removeSnapshot(snapshot.identifier);
  void ctx.fleet.removeData(snapshot.dataPath);
  ctx.changed();
  return `<DBSnapshot>${renderSnapshot(snapshot, ctx, 'deleted')}</DBSnapshot>`;
};
