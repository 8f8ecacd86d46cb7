/** CreateDBInstance, DescribeDBInstances, RebootDBInstance, DeleteDBInstance. */
import { parseFeatures } from '../instance-features.js';
import { defaultVersion, findVersion, DEFAULT_PORT } from '../../model/catalog.js';
import { defaultParameterGroupName } from '../../model/defaults.js';
import { newDbiResourceId } from '../../model/ids.js';
import { beginTransition, currentView, rebootTransition, refusal } from '../../model/lifecycle.js';
import { createPhases, deletePhases } from '../../model/plans.js';
import { abandonSnapshots } from '../../runtime/scheduler.js';
import type { EngineName, InstanceRecord } from '../../model/types.js';
import {
  DEFAULT_BACKUP_WINDOW,
  DEFAULT_MAINTENANCE_WINDOW,
  checkBackupWindow,
  checkMaintenanceWindow,
  windowsOverlap,
} from '../../model/windows.js';
import type { ActionContext, ActionHandler } from '../context.js';
import {
  instanceAlreadyExists,
  invalidCombination,
  invalidInstanceState,
  invalidValue,
  snapshotAlreadyExists,
  subnetGroupNotFound,
} from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import type { QueryParams } from '../query.js';
import { instanceResult, renderInstance } from '../render-instance.js';
import { checkClassStorage, checkMaxAllocatedStorage, checkStorage, checkStorageType, type Storage } from '../storage.js';
import * as v from '../validate.js';
import { promoteReplicasOf } from './replicas.js';
import { checkMemberDeletion, createClusterMember, memberDeleted } from './cluster-members.js';
import { addSnapshotRecord, commitInstance, findInstance, findParameterGroup, nameFromIdOrArn, newAutomatedSnapshotId } from './common.js';

export function resolveVersion(engine: EngineName, requested: string | undefined) {
  if (requested === undefined) return defaultVersion(engine);
  const version = findVersion(engine, requested);
  if (!version) throw invalidCombination(`Cannot find version ${requested} for ${engine}`);
  return version;
}

/** The parameter group named (it must suit the engine version's family), or the family's default. */
export function resolveParameterGroup(ctx: ActionContext, name: string | undefined, family: string): string {
  if (name === undefined) return defaultParameterGroupName(family);
  const group = findParameterGroup(ctx, name);
  if (group.family !== family) {
    throw invalidCombination(
      `The parameter group ${group.name} with DBParameterGroupFamily ${group.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${family}.`,
    );
  }
  return group.name;
}

export function resolveSubnetGroup(ctx: ActionContext, name: string | undefined) {
  const key = (name ?? 'default').toLowerCase();
  const group = ctx.store.subnetGroups.get(key);
  if (!group) throw subnetGroupNotFound(name ?? 'default');
  return group;
}

export function resolveZone(params: QueryParams, zones: string[], multiAZ: boolean): string {
  const requested = params.string('AvailabilityZone');
  if (requested !== undefined) {
    if (multiAZ) throw invalidCombination('Requesting a specific availability zone is not valid for Multi-AZ instances.');
    if (!zones.includes(requested)) throw invalidValue(`Cannot find an availability zone named ${requested} in the DB subnet group.`);
    return requested;
  }
  return zones[0]!;
}

function windows(params: QueryParams): { maintenance: string; backup: string } {
  const maintenance = params.string('PreferredMaintenanceWindow')?.toLowerCase() ?? DEFAULT_MAINTENANCE_WINDOW;
  const backup = params.string('PreferredBackupWindow') ?? DEFAULT_BACKUP_WINDOW;
  const problem = checkMaintenanceWindow(maintenance) ?? checkBackupWindow(backup);
  if (problem) throw invalidValue(problem);
  if (windowsOverlap(maintenance, backup)) throw invalidValue('The backup window and maintenance window must not overlap.');
  return { maintenance, backup };
}

export const createDBInstance: ActionHandler = (ctx, params) => {
  if (params.has('DBClusterIdentifier')) return createClusterMember(ctx, params);
  const identifier = v.instanceIdentifier(params.required('DBInstanceIdentifier'));
  const requestedClass = v.instanceClass(params.required('DBInstanceClass'));
  const engine = v.engineName(params.required('Engine'));
  const version = resolveVersion(engine, params.string('EngineVersion'));
  const instanceClass = v.orderableClass(requestedClass, engine, version.version);
  const masterUsername = v.masterUsername(engine, params.string('MasterUsername'));
  const masterPassword = v.masterPassword(engine, params.string('MasterUserPassword'));
  const dbName = v.dbName(engine, params.string('DBName'));
  const iops = params.integer('Iops');
  const storageThroughput = params.integer('StorageThroughput');
  const storageType = checkStorageType(params.string('StorageType') ?? (iops !== undefined ? 'io1' : 'gp2'));
  const allocatedStorage = params.integer('AllocatedStorage');
  if (allocatedStorage === undefined) throw invalidValue('The parameter AllocatedStorage must be provided and must not be blank.');
  const storage: Storage = {
    storageType,
    allocatedStorage,
    ...(iops !== undefined ? { iops } : {}),
    ...(storageThroughput !== undefined ? { storageThroughput } : {}),
  };
  checkStorage(engine, storage);
  checkClassStorage(instanceClass, storageType);
  const maxAllocatedStorage = checkMaxAllocatedStorage(engine, storage, params.integer('MaxAllocatedStorage'));
  const parameterGroupName = resolveParameterGroup(ctx, params.string('DBParameterGroupName'), version.family);
  const subnetGroup = resolveSubnetGroup(ctx, params.string('DBSubnetGroupName'));
  const multiAZ = params.boolean('MultiAZ') ?? false;
  const availabilityZone = resolveZone(
    params,
    subnetGroup.subnets.map((s) => s.availabilityZone),
    multiAZ,
  );
  const vpcSecurityGroupIds = v.securityGroupIds(
    params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId') ?? [ctx.store.defaultSecurityGroupId],
  );
  const backupRetentionPeriod = v.backupRetention(params.integer('BackupRetentionPeriod') ?? 1);
  const { maintenance, backup } = windows(params);
  const port = params.integer('Port') ?? DEFAULT_PORT[engine];
  if (port < 1150 || port > 65535) throw invalidValue('The port number must be between 1150 and 65535.');
  const tags = v.tags(params.tags() ?? []);
  const features = parseFeatures(params, engine, version.version);
  if (!ctx.fleet.supports(engine)) {
    throw invalidCombination(`This emulator has no ${engine} database server; start it without databases to emulate ${engine} instances.`);
  }
  if (ctx.store.instance(identifier)) throw instanceAlreadyExists();

  const record: InstanceRecord = {
    identifier,
    dbiResourceId: newDbiResourceId(),
    engine,
    engineVersion: version.version,
    instanceClass,
    allocatedStorage,
    maxAllocatedStorage,
    storageType,
    iops,
    storageThroughput,
    features,
    masterUsername,
    masterPassword,
    dbName,
    port,
    multiAZ,
    availabilityZone,
    backupRetentionPeriod,
    preferredBackupWindow: backup,
    preferredMaintenanceWindow: maintenance,
    parameterGroupName,
    parameterApplyStatus: 'in-sync',
    vpcSecurityGroupIds,
    subnetGroupName: subnetGroup.name,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    deletionProtection: params.boolean('DeletionProtection') ?? false,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? true,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? false,
    storageEncrypted: params.boolean('StorageEncrypted') ?? false,
    tags,
    status: 'available',
    pending: {},
    databaseReady: false,
  };
  const snapshotId = backupRetentionPeriod > 0 ? newAutomatedSnapshotId(ctx, record) : undefined;
  const started = beginTransition(record, 'create', createPhases(snapshotId), ctx.store.transitionId(), ctx.now, ctx.timing);
  if (snapshotId) addSnapshotRecord(ctx, started, snapshotId, 'automated', undefined);
  commitInstance(ctx, started);
  return instanceResult(started, ctx);
};

const INSTANCE_FILTERS = new Set(['db-instance-id', 'dbi-resource-id', 'engine', 'db-cluster-id', 'domain']);

export const describeDBInstances: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const identifier = params.string('DBInstanceIdentifier');
  const filters = params.filters();
  for (const f of filters) {
    if (!INSTANCE_FILTERS.has(f.Name)) throw invalidValue(`Unrecognized filter name: ${f.Name}`);
  }
  // Each db-instance-id filter as a set of identifiers, resolved once per request.
  const idSets = filters
    .filter((f) => f.Name === 'db-instance-id')
    .map((f) => new Set(f.Values.map((value) => nameFromIdOrArnLenient(ctx, value))));
  let keys: readonly string[];
  if (identifier !== undefined) {
    keys = [findInstance(ctx, identifier).identifier];
  } else {
    // Filtering by identifiers costs one lookup per identifier, however many instances exist.
    keys = idSets.length > 0 ? [...idSets[0]!].sort() : ctx.store.sortedInstanceIds();
  }
  const keep = (key: string): boolean => {
    const inst = ctx.store.instance(key);
    if (!inst) return false;
    if (!idSets.every((ids) => ids.has(key))) return false;
    for (const f of filters) {
      if (f.Name === 'dbi-resource-id' && !f.Values.includes(inst.dbiResourceId)) return false;
      if (f.Name === 'engine' && !f.Values.includes(inst.cluster?.engine ?? inst.engine)) return false;
      if (f.Name === 'db-cluster-id' && !f.Values.some((value) => clusterOf(ctx, value) === inst.cluster?.identifier)) return false;
      if (f.Name === 'domain') return false;
    }
    return true;
  };
  const page = paginate(keys, params.string('Marker'), max, keep);
  let xml = '<DBInstances>';
  for (const key of page.keys) xml += `<DBInstance>${renderInstance(ctx.store.instance(key)!, ctx)}</DBInstance>`;
  return `${xml}</DBInstances>${markerXml(page.nextMarker)}`;
};

/** A db-cluster-id filter value (identifier or ARN); a malformed one matches nothing. */
function clusterOf(ctx: ActionContext, value: string): string {
  if (!value.startsWith('arn:')) return value.toLowerCase();
  const parsed = ctx.arns.parse(value);
  return parsed?.kind === 'cluster' ? parsed.name.toLowerCase() : '';
}

/** Filters never fail on a malformed value: it simply matches nothing. */
function nameFromIdOrArnLenient(ctx: ActionContext, value: string): string {
  try {
    return nameFromIdOrArn(ctx, value, 'db');
  } catch {
    return '';
  }
}

export const rebootDBInstance: ActionHandler = (ctx, params) => {
  const inst = findInstance(ctx, params.required('DBInstanceIdentifier'));
  const forceFailover = params.boolean('ForceFailover') ?? false;
  const refused = refusal('reboot', inst);
  if (refused) throw invalidInstanceState(refused);
  if (forceFailover && !inst.multiAZ) {
    throw invalidCombination('ForceFailover can only be used with a Multi-AZ DB instance.');
  }
  const { phases, clearsPendingReboot } = rebootTransition(inst);
  const started = beginTransition(inst, 'reboot', phases, ctx.store.transitionId(), ctx.now, ctx.timing);
  const withFlag = { ...started, transition: { ...started.transition!, clearsPendingReboot } };
  commitInstance(ctx, withFlag);
  return instanceResult(withFlag, ctx, currentView(withFlag));
};

export const deleteDBInstance: ActionHandler = (ctx, params) => {
  const inst = findInstance(ctx, params.required('DBInstanceIdentifier'));
  const skip = params.boolean('SkipFinalSnapshot') ?? false;
  const finalId = params.string('FinalDBSnapshotIdentifier');
  const retainBackups = !(params.boolean('DeleteAutomatedBackups') ?? true);
  if (skip && finalId !== undefined) {
    throw invalidCombination(
      'FinalDBSnapshotIdentifier can not be specified when deleting a DB instance with SkipFinalSnapshot set to true.',
    );
  }
  if (inst.cluster) checkMemberDeletion(ctx, inst, { finalId });
  if (inst.readReplicaSource && finalId !== undefined) {
    throw invalidCombination('FinalDBSnapshotIdentifier can not be specified when deleting a replica instance');
  }
  // A replica has no final snapshot: it is deleted without one, whatever SkipFinalSnapshot says.
  if (!skip && finalId === undefined && !inst.readReplicaSource && !inst.cluster) {
    throw invalidCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is set to true.');
  }
  const finalSnapshotId = finalId === undefined ? undefined : v.snapshotIdentifier(finalId, 'FinalDBSnapshotIdentifier');
  if (inst.deletionProtection) {
    throw invalidCombination('Cannot delete protected DB Instance, please disable deletion protection and try again.');
  }
  const refused = refusal('delete', inst, finalSnapshotId !== undefined);
  if (refused) throw invalidInstanceState(refused);
  if (finalSnapshotId && ctx.store.snapshots.has(finalSnapshotId)) throw snapshotAlreadyExists(finalSnapshotId);

  // A deletion replaces whatever the instance was doing (a creation's first backup, say).
  abandonSnapshots(ctx.store, inst, ctx.now, ctx.scheduler.isBusy(inst.identifier));
  const started = beginTransition(
    inst,
    'delete',
    deletePhases(finalSnapshotId, retainBackups),
    ctx.store.transitionId(),
    ctx.now,
    ctx.timing,
  );
  if (finalSnapshotId) addSnapshotRecord(ctx, inst, finalSnapshotId, 'manual', undefined);
  commitInstance(ctx, started);
  promoteReplicasOf(ctx, inst);
  if (inst.cluster) memberDeleted(ctx, inst);
  return instanceResult(started, ctx, currentView(started));
};
