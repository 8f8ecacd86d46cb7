/**
 * RestoreDBInstanceFromDBSnapshot and RestoreDBInstanceToPointInTime. Like RDS, a restored
 * instance comes back with the source's master user and password (they live in the data), the
 * default security group and the default parameter group unless others are named.
 */
import { parseFeatures } from '../instance-features.js';
import { newDbiResourceId } from '../../model/ids.js';
import { beginTransition } from '../../model/lifecycle.js';
import { restorePhases } from '../../model/plans.js';
import type { InstanceRecord, Tag } from '../../model/types.js';
import { DEFAULT_MAINTENANCE_WINDOW } from '../../model/windows.js';
import type { ActionContext, ActionHandler } from '../context.js';
import {
  RdsError,
  automatedBackupNotFound,
  instanceAlreadyExists,
  invalidCombination,
  invalidInstanceState,
  invalidSnapshotState,
  invalidValue,
} from '../errors.js';
import type { QueryParams } from '../query.js';
import { instanceResult } from '../render-instance.js';
import { checkClassStorage, checkStorage, checkStorageType, nextStorage } from '../storage.js';
import * as v from '../validate.js';
import { addSnapshotRecord, commitInstance, findInstance, findSnapshot, newAutomatedSnapshotId } from './common.js';
import { resolveParameterGroup, resolveSubnetGroup, resolveVersion, resolveZone } from './instances.js';

/** What a restore starts from: a snapshot, a live instance's backups, or a deleted instance's retained ones. */
interface Source {
  engine: InstanceRecord['engine'];
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  storageType: string;
  iops?: number;
  storageThroughput?: number;
  masterUsername: string;
  masterPassword: string;
  dbName?: string;
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  multiAZ: boolean;
}

function newInstance(ctx: ActionContext, params: QueryParams, identifier: string, source: Source, tags: Tag[]): InstanceRecord {
  const engineParam = params.string('Engine');
  if (engineParam !== undefined && engineParam.toLowerCase() !== source.engine) {
    throw invalidCombination(`The engine ${engineParam} does not match the source's engine ${source.engine}.`);
  }
  const version = resolveVersion(source.engine, source.engineVersion);
  const requestedType = params.string('StorageType');
  const requestedStorage = params.integer('AllocatedStorage');
  if (requestedStorage !== undefined && requestedStorage < source.allocatedStorage) {
    throw invalidValue(`The allocated storage must be at least the source's ${source.allocatedStorage} GiB.`);
  }
  const storage = nextStorage(
    {
      storageType: source.storageType,
      allocatedStorage: source.allocatedStorage,
      ...(source.iops !== undefined ? { iops: source.iops } : {}),
      ...(source.storageThroughput !== undefined ? { storageThroughput: source.storageThroughput } : {}),
    },
    {
      storageType: requestedType === undefined ? undefined : checkStorageType(requestedType),
      allocatedStorage: requestedStorage,
      iops: params.integer('Iops'),
      storageThroughput: params.integer('StorageThroughput'),
    },
  );
  checkStorage(source.engine, storage);
  const classParam = params.string('DBInstanceClass');
  const instanceClass = classParam === undefined ? source.instanceClass : v.orderableClass(classParam, source.engine, version.version);
  checkClassStorage(instanceClass, storage.storageType);
  const subnetGroup = resolveSubnetGroup(ctx, params.string('DBSubnetGroupName'));
  const multiAZ = params.boolean('MultiAZ') ?? false;
  const port = params.integer('Port') ?? (source.engine === 'postgres' ? 5432 : 3306);
  if (port < 1150 || port > 65535) throw invalidValue('The port number must be between 1150 and 65535.');
  return {
    identifier,
    dbiResourceId: newDbiResourceId(),
    engine: source.engine,
    engineVersion: version.version,
    instanceClass,
    allocatedStorage: storage.allocatedStorage,
    storageType: storage.storageType,
    iops: storage.iops,
    storageThroughput: storage.storageThroughput,
    // RDS's restores take the log exports, IAM authentication and the CA; the rest is a later ModifyDBInstance.
    features: parseFeatures(params, source.engine, version.version),
    masterUsername: source.masterUsername,
    masterPassword: source.masterPassword,
    dbName: source.dbName,
    port,
    multiAZ,
    availabilityZone: resolveZone(
      params,
      subnetGroup.subnets.map((s) => s.availabilityZone),
      multiAZ,
    ),
    backupRetentionPeriod: v.backupRetention(params.integer('BackupRetentionPeriod') ?? Math.max(1, source.backupRetentionPeriod)),
    preferredBackupWindow: params.string('PreferredBackupWindow') ?? source.preferredBackupWindow,
    preferredMaintenanceWindow: DEFAULT_MAINTENANCE_WINDOW,
    parameterGroupName: resolveParameterGroup(ctx, params.string('DBParameterGroupName'), version.family),
    parameterApplyStatus: 'in-sync',
    vpcSecurityGroupIds: v.securityGroupIds(params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId') ?? [ctx.store.defaultSecurityGroupId]),
    subnetGroupName: subnetGroup.name,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    deletionProtection: params.boolean('DeletionProtection') ?? false,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? true,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? false,
    storageEncrypted: false,
    tags,
    status: 'available',
    pending: {},
    databaseReady: false,
  };
}

function start(ctx: ActionContext, record: InstanceRecord, work: Parameters<typeof restorePhases>[0]): string {
  if (!ctx.fleet.supports(record.engine)) {
    throw invalidCombination(`This emulator has no ${record.engine} database server.`);
  }
  const snapshotId = record.backupRetentionPeriod > 0 ? newAutomatedSnapshotId(ctx, record) : undefined;
  const started = beginTransition(record, 'restore', restorePhases(work, snapshotId), ctx.store.transitionId(), ctx.now, ctx.timing);
  if (snapshotId) addSnapshotRecord(ctx, started, snapshotId, 'automated', undefined);
  commitInstance(ctx, started);
  return instanceResult(started, ctx);
}

export const restoreDBInstanceFromDBSnapshot: ActionHandler = (ctx, params) => {
  const identifier = v.instanceIdentifier(params.required('DBInstanceIdentifier'));
  const snapshot = findSnapshot(ctx, params.required('DBSnapshotIdentifier'));
  const tagsParam = params.tags();
  const tags = tagsParam && tagsParam.length > 0 ? v.tags(tagsParam) : snapshot.tags.map((t) => ({ ...t }));
  if (snapshot.status !== 'available') {
    throw invalidSnapshotState(`Snapshot ${snapshot.identifier} is not in available state (it is ${snapshot.status}).`);
  }
  const record = newInstance(ctx, params, identifier, snapshot, tags);
  if (ctx.store.instance(identifier)) throw instanceAlreadyExists();
  return start(ctx, record, { kind: 'restore-snapshot', snapshotId: snapshot.identifier });
};

interface PointInTimeSource {
  source: Source;
  dbiResourceId: string;
  window: { earliest: number; latest: number } | undefined;
}

function pointInTimeSource(ctx: ActionContext, params: QueryParams): PointInTimeSource {
  const byIdentifier = params.string('SourceDBInstanceIdentifier');
  const byResourceId = params.string('SourceDbiResourceId');
  const byArn = params.string('SourceDBInstanceAutomatedBackupsArn');
  let dbiResourceId: string;
  if (byIdentifier !== undefined) {
    dbiResourceId = findInstance(ctx, byIdentifier).dbiResourceId;
  } else if (byResourceId !== undefined) {
    dbiResourceId = byResourceId;
  } else if (byArn !== undefined) {
    const parsed = ctx.arns.parse(byArn);
    const backup = parsed?.kind === 'auto-backup' ? ctx.store.automatedBackupById(parsed.name) : undefined;
    if (!backup) throw automatedBackupNotFound(byArn);
    dbiResourceId = backup.dbiResourceId;
  } else {
    throw invalidCombination(
      'One of SourceDBInstanceIdentifier, SourceDbiResourceId or SourceDBInstanceAutomatedBackupsArn must be provided.',
    );
  }
  const live = ctx.store.instanceByResourceId(dbiResourceId);
  if (live) {
    if (live.backupRetentionPeriod === 0) {
      throw new RdsError(
        'PointInTimeRestoreNotEnabled',
        `Automated backups are not enabled on ${live.identifier} (BackupRetentionPeriod is 0).`,
      );
    }
    const window = ctx.fleet.restorableWindow(live);
    if (!window) throw invalidInstanceState(`DB instance ${live.identifier} has no backup to restore from yet.`);
    return { source: live, dbiResourceId, window };
  }
  const backup = ctx.store.automatedBackup(dbiResourceId);
  if (!backup) throw automatedBackupNotFound(byResourceId ?? byArn ?? dbiResourceId);
  const window =
    backup.earliest !== undefined && backup.latest !== undefined ? { earliest: backup.earliest, latest: backup.latest } : undefined;
  return { source: { ...backup, multiAZ: false }, dbiResourceId, window };
}

export const restoreDBInstanceToPointInTime: ActionHandler = (ctx, params) => {
  const identifier = v.instanceIdentifier(params.required('TargetDBInstanceIdentifier'), 'TargetDBInstanceIdentifier');
  const restoreTime = params.timestamp('RestoreTime');
  const useLatest = params.boolean('UseLatestRestorableTime') ?? false;
  if (restoreTime !== undefined && useLatest) {
    throw invalidCombination('RestoreTime and UseLatestRestorableTime cannot be used together.');
  }
  if (restoreTime === undefined && !useLatest) {
    throw invalidCombination('Either RestoreTime or UseLatestRestorableTime must be specified.');
  }
  const tags = v.tags(params.tags() ?? []);
  const { source, dbiResourceId, window } = pointInTimeSource(ctx, params);
  if (!window) throw new RdsError('InvalidRestoreFault', 'The source has no restorable time.');
  const target = useLatest ? window.latest : restoreTime!;
  if (target < window.earliest || target > window.latest) {
    throw new RdsError(
      'InvalidRestoreFault',
      `The restore time ${new Date(target).toISOString()} is outside the restorable window ${new Date(window.earliest).toISOString()} to ${new Date(window.latest).toISOString()}.`,
    );
  }
  const record = newInstance(ctx, params, identifier, source, tags);
  if (ctx.store.instance(identifier)) throw instanceAlreadyExists();
  return start(ctx, record, { kind: 'restore-point-in-time', dbiResourceId, target });
};
