/** CreateDBInstanceReadReplica and PromoteReadReplica. */
import { refuseOnMember } from './cluster-members.js';
import { DEFAULT_PORT, findVersion } from '../../model/catalog.js';
import { newDbiResourceId } from '../../model/ids.js';
import { actualStatus, beginTransition, currentView, refusal } from '../../model/lifecycle.js';
import { promotePhases, replicaPhases } from '../../model/plans.js';
import { replicaRefusal } from '../../model/replicas.js';
import type { InstanceRecord, SettingChanges } from '../../model/types.js';
import { checkBackupWindow, windowsOverlap } from '../../model/windows.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { instanceAlreadyExists, invalidCombination, invalidInstanceState, invalidValue, RdsError } from '../errors.js';
import { instanceResult } from '../render-instance.js';
import { checkClassStorage, checkMaxAllocatedStorage, checkStorage, checkStorageType, nextStorage } from '../storage.js';
import * as v from '../validate.js';
import { addSnapshotRecord, commitInstance, findInstance, newAutomatedSnapshotId } from './common.js';
import { resolveParameterGroup, resolveSubnetGroup, resolveZone } from './instances.js';

const REPLICA_MODES = new Set(['open-read-only', 'mounted']);

export const createDBInstanceReadReplica: ActionHandler = (ctx, params) => {
  const identifier = v.instanceIdentifier(params.required('DBInstanceIdentifier'));
  const source = findInstance(ctx, params.required('SourceDBInstanceIdentifier'));
  refuseOnMember(source, 'replica');
  const replicaMode = params.string('ReplicaMode');
  if (replicaMode !== undefined) {
    if (!REPLICA_MODES.has(replicaMode)) throw invalidValue(`Invalid value ${replicaMode} for ReplicaMode: open-read-only or mounted.`);
    // RDS supports replica modes for Oracle and Db2 only.
    throw invalidCombination(`ReplicaMode isn't supported for the ${source.engine} DB engine.`);
  }
  const instanceClass = v.orderableClass(params.string('DBInstanceClass') ?? source.instanceClass, source.engine, source.engineVersion);
  const requestedType = params.string('StorageType');
  const storage = nextStorage(
    {
      storageType: source.storageType,
      allocatedStorage: source.allocatedStorage,
      ...(source.iops !== undefined ? { iops: source.iops } : {}),
      ...(source.storageThroughput !== undefined ? { storageThroughput: source.storageThroughput } : {}),
    },
    {
      storageType: requestedType === undefined ? undefined : checkStorageType(requestedType),
      iops: params.integer('Iops'),
      storageThroughput: params.integer('StorageThroughput'),
    },
  );
  checkStorage(source.engine, storage);
  checkClassStorage(instanceClass, storage.storageType);
  const maxAllocatedStorage = checkMaxAllocatedStorage(
    source.engine,
    storage,
    params.integer('MaxAllocatedStorage') ?? source.maxAllocatedStorage,
  );
  const family = findVersion(source.engine, source.engineVersion)!.family;
  const parameterGroupName = resolveParameterGroup(ctx, params.string('DBParameterGroupName') ?? source.parameterGroupName, family);
  const subnetGroup = resolveSubnetGroup(ctx, params.string('DBSubnetGroupName') ?? source.subnetGroupName);
  const multiAZ = params.boolean('MultiAZ') ?? false;
  const availabilityZone = resolveZone(
    params,
    subnetGroup.subnets.map((s) => s.availabilityZone),
    multiAZ,
  );
  const sgParam = params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId');
  const vpcSecurityGroupIds = sgParam && sgParam.length > 0 ? v.securityGroupIds(sgParam) : [...source.vpcSecurityGroupIds];
  const port = params.integer('Port') ?? DEFAULT_PORT[source.engine];
  if (port < 1150 || port > 65535) throw invalidValue('The port number must be between 1150 and 65535.');
  const tags = v.tags(params.tags() ?? []);
  if (!ctx.fleet.supportsReplicas(source.engine)) {
    throw invalidCombination(`This emulator makes no read replicas of ${source.engine} database servers yet.`);
  }
  if (ctx.store.instance(identifier)) throw instanceAlreadyExists();
  const refused = replicaRefusal(source, actualStatus(source), ctx.store.replicasOf(source.identifier).length, (id) =>
    ctx.store.instance(id),
  );
  if (refused) throw new RdsError(refused.code, refused.message);

  const record: InstanceRecord = {
    identifier,
    dbiResourceId: newDbiResourceId(),
    engine: source.engine,
    engineVersion: source.engineVersion,
    instanceClass,
    allocatedStorage: source.allocatedStorage,
    maxAllocatedStorage,
    storageType: storage.storageType,
    iops: storage.iops,
    storageThroughput: storage.storageThroughput,
    // The data, its roles and their passwords come from the source.
    masterUsername: source.masterUsername,
    masterPassword: source.masterPassword,
    dbName: source.dbName,
    port,
    multiAZ,
    availabilityZone,
    // RDS creates read replicas with backups disabled.
    backupRetentionPeriod: 0,
    preferredBackupWindow: source.preferredBackupWindow,
    preferredMaintenanceWindow: source.preferredMaintenanceWindow,
    parameterGroupName,
    parameterApplyStatus: 'in-sync',
    vpcSecurityGroupIds,
    subnetGroupName: subnetGroup.name,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    deletionProtection: params.boolean('DeletionProtection') ?? false,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? source.autoMinorVersionUpgrade,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? false,
    storageEncrypted: source.storageEncrypted,
    tags,
    status: 'available',
    pending: {},
    databaseReady: false,
    readReplicaSource: source.identifier,
  };
  const started = beginTransition(record, 'replica', replicaPhases(source.identifier), ctx.store.transitionId(), ctx.now, ctx.timing);
  commitInstance(ctx, started);
  return instanceResult(started, ctx);
};

/** The promotion's backup settings: retention 1 by default, as RDS's PromoteReadReplica has it. */
function promotionSettings(
  ctx: ActionContext,
  inst: InstanceRecord,
  retention: number | undefined,
  window: string | undefined,
): SettingChanges {
  const backupRetentionPeriod = v.backupRetention(retention ?? 1);
  if (window !== undefined) {
    const problem = checkBackupWindow(window);
    if (problem) throw invalidValue(problem);
    if (windowsOverlap(inst.preferredMaintenanceWindow, window))
      throw invalidValue('The backup window and maintenance window must not overlap.');
  }
  if (backupRetentionPeriod === 0 && ctx.store.replicasOf(inst.identifier).length > 0) {
    throw invalidCombination(`The backup retention period of ${inst.identifier} can't be 0: it is the source of read replicas.`);
  }
  return { backupRetentionPeriod, ...(window !== undefined ? { preferredBackupWindow: window } : {}) };
}

/** Starts the promotion of a replica; `settings` are applied when it ends. */
export function beginPromotion(ctx: ActionContext, inst: InstanceRecord, settings: SettingChanges): InstanceRecord {
  const snapshotId = (settings.backupRetentionPeriod ?? 0) > 0 ? newAutomatedSnapshotId(ctx, inst) : undefined;
  const started = beginTransition(inst, 'promote', promotePhases(settings, snapshotId), ctx.store.transitionId(), ctx.now, ctx.timing);
  if (snapshotId)
    addSnapshotRecord(ctx, { ...inst, backupRetentionPeriod: settings.backupRetentionPeriod ?? 0 }, snapshotId, 'automated', undefined);
  commitInstance(ctx, started);
  return started;
}

export const promoteReadReplica: ActionHandler = (ctx, params) => {
  const inst = findInstance(ctx, params.required('DBInstanceIdentifier'));
  if (!inst.readReplicaSource) throw invalidInstanceState(`DB instance ${inst.identifier} is not a read replica.`);
  const refused = refusal('modify', inst);
  if (refused) throw invalidInstanceState(refused);
  const settings = promotionSettings(ctx, inst, params.integer('BackupRetentionPeriod'), params.string('PreferredBackupWindow'));
  const started = beginPromotion(ctx, inst, settings);
  return instanceResult(started, ctx, currentView(started));
};

/**
 * DeleteDBInstance of a source: RDS promotes each of its read replicas to a standalone instance
 * (backups stay as they were on the replica). A replica busy with a change is promoted once that
 * change is done; one being deleted is left to its deletion.
 */
export function promoteReplicasOf(ctx: ActionContext, source: InstanceRecord): void {
  for (const id of ctx.store.replicasOf(source.identifier)) {
    const replica = ctx.store.instance(id);
    if (!replica || actualStatus(replica) === 'deleting') continue;
    const settings: SettingChanges = { backupRetentionPeriod: replica.backupRetentionPeriod };
    if (!replica.transition && replica.status === 'available') {
      beginPromotion(ctx, replica, settings);
      continue;
    }
    if (replica.transition) {
      const t = replica.transition;
      const more = promotePhases(settings, undefined);
      ctx.store.putInstance({ ...replica, transition: { ...t, phases: [...t.phases, ...more] } });
      ctx.changed();
    } else {
      // A failed replica has no source any more: it stays failed, standing alone.
      ctx.store.putInstance({ ...replica, readReplicaSource: undefined });
      ctx.changed();
    }
  }
}
