/**
 * ModifyDBInstance. Changes that RDS defers without ApplyImmediately queue as
 * PendingModifiedValues until the maintenance window (or a later call with ApplyImmediately,
 * which applies the queue too); the rest apply now through `modifying`. The master password is
 * always applied at once, through `resetting-master-credentials`.
 */
import { refuseMemberModification } from './cluster-members.js';
import { modifyClusterMember } from './member-modify.js';
import { findVersion, upgradeTargets } from '../../model/catalog.js';
import { defaultParameterGroupName } from '../../model/defaults.js';
import { actualStatus, beginTransition, freezeView, refusal, visibleState } from '../../model/lifecycle.js';
import { storageChangeRefusal } from '../../model/storage-interval.js';
import { modifyPhases, pendingAsSettings, type ModifyPlan } from '../../model/plans.js';
import type { InstanceRecord, PendingChanges } from '../../model/types.js';
import { checkBackupWindow, checkMaintenanceWindow, nextMaintenanceStart, windowsOverlap } from '../../model/windows.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { invalidCombination, invalidInstanceState, invalidValue } from '../errors.js';
import type { QueryParams } from '../query.js';
import { instanceResult } from '../render-instance.js';
import { DEFAULT_FEATURES, modifiedFeatures } from '../instance-features.js';
import { checkClassStorage, checkMaxAllocatedStorage, checkStorage, checkStorageType, nextStorage, type Storage } from '../storage.js';
import * as v from '../validate.js';
import { addSnapshotRecord, commitInstance, findInstance, newAutomatedSnapshotId } from './common.js';
import { resolveParameterGroup, resolveVersion } from './instances.js';

interface EngineChange {
  engineVersion: string;
  family: string;
  /** Set when a major upgrade moves a default parameter group to the new family's default. */
  parameterGroupName?: string;
}

function engineChange(ctx: ActionContext, inst: InstanceRecord, params: QueryParams): EngineChange | undefined {
  const requested = params.string('EngineVersion');
  if (requested === undefined) return undefined;
  const target = resolveVersion(inst.engine, requested);
  const current = findVersion(inst.engine, inst.engineVersion)!;
  if (target.version === current.version) return undefined;
  const upgrade = upgradeTargets(current).find((t) => t.version.version === target.version);
  if (!upgrade) throw invalidCombination(`Cannot upgrade ${inst.engine} from ${current.version} to ${target.version}`);
  if (upgrade.isMajorVersionUpgrade && params.boolean('AllowMajorVersionUpgrade') !== true) {
    throw invalidCombination('The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.');
  }
  if (!upgrade.isMajorVersionUpgrade) return { engineVersion: target.version, family: target.family };
  const group = ctx.store.parameterGroups.get(inst.parameterGroupName);
  if (params.string('DBParameterGroupName') === undefined && group && !group.isDefault) {
    throw invalidCombination(
      `The current DB parameter group ${group.name} is of family ${group.family}; specify a DB parameter group of family ${target.family} for the upgrade to ${target.version}.`,
    );
  }
  return { engineVersion: target.version, family: target.family, parameterGroupName: defaultParameterGroupName(target.family) };
}

interface StorageChange {
  size?: number;
  type?: string;
  /** 0: the provisioned value goes. */
  iops?: number;
  throughput?: number;
  /** The storage as it will be, for the autoscaling ceiling's check. */
  next: Storage;
}

function storageChange(inst: InstanceRecord, params: QueryParams): StorageChange {
  const requested = params.integer('AllocatedStorage');
  const type = params.string('StorageType');
  const newType = type === undefined ? undefined : checkStorageType(type);
  let size: number | undefined;
  if (requested !== undefined && requested !== inst.allocatedStorage) {
    if (requested < inst.allocatedStorage) {
      throw invalidValue(`Invalid storage size: the allocated storage cannot be reduced (from ${inst.allocatedStorage} to ${requested}).`);
    }
    // RDS rounds an increase of less than 10% up to 10%.
    size = Math.max(requested, Math.ceil((inst.allocatedStorage * 11) / 10));
  }
  const current: Storage = {
    storageType: inst.storageType,
    allocatedStorage: inst.allocatedStorage,
    ...(inst.iops !== undefined ? { iops: inst.iops } : {}),
    ...(inst.storageThroughput !== undefined ? { storageThroughput: inst.storageThroughput } : {}),
  };
  const next = nextStorage(current, {
    storageType: newType,
    allocatedStorage: size,
    iops: params.integer('Iops'),
    storageThroughput: params.integer('StorageThroughput'),
  });
  checkStorage(inst.engine, next);
  return {
    size,
    type: next.storageType !== inst.storageType ? next.storageType : undefined,
    iops: next.iops !== inst.iops ? (next.iops ?? 0) : undefined,
    throughput: next.storageThroughput !== inst.storageThroughput ? (next.storageThroughput ?? 0) : undefined,
    next,
  };
}

/** The autoscaling ceiling after the request: 0 or the allocated storage turns it off, as on RDS. */
function maxStorageChange(inst: InstanceRecord, params: QueryParams, storage: StorageChange): number | undefined {
  const requested = params.integer('MaxAllocatedStorage');
  if (requested === 0 || (requested !== undefined && requested === storage.next.allocatedStorage)) return undefined;
  const max = requested ?? inst.maxAllocatedStorage;
  // A ceiling already set must still be above storage that grows.
  if (requested === undefined && storage.size === undefined) return max;
  return checkMaxAllocatedStorage(inst.engine, storage.next, max);
}

export const modifyDBInstance: ActionHandler = (ctx, params) => {
  const inst = findInstance(ctx, params.required('DBInstanceIdentifier'));
  refuseMemberModification(inst, (name) => params.has(name));
  if (inst.cluster) return modifyClusterMember(ctx, params, inst);
  if (params.has('NewDBInstanceIdentifier')) throw invalidValue('Renaming DB instances is not supported by this emulator.');
  if (params.has('DBPortNumber')) throw invalidValue('Changing the port of a DB instance is not supported by this emulator.');
  // Storage is checked first: while the last storage change is optimized, RDS answers about that.
  const storage = storageChange(inst, params);
  const storageRequested =
    storage.size !== undefined || storage.type !== undefined || storage.iops !== undefined || storage.throughput !== undefined;
  const tooSoon = storageRequested ? storageChangeRefusal(inst, ctx.now) : undefined;
  if (tooSoon) throw invalidCombination(tooSoon);
  const refused = refusal('modify', inst);
  if (refused) throw invalidInstanceState(refused);
  const applyNow = params.boolean('ApplyImmediately') ?? false;

  const engine = engineChange(ctx, inst, params);
  const newClass = params.string('DBInstanceClass');
  const instanceClass =
    newClass !== undefined && newClass !== inst.instanceClass
      ? v.orderableClass(newClass, inst.engine, engine?.engineVersion ?? inst.engineVersion)
      : undefined;
  if (instanceClass !== undefined || storage.type !== undefined)
    checkClassStorage(instanceClass ?? inst.instanceClass, storage.next.storageType);
  const multiAZParam = params.boolean('MultiAZ');
  const multiAZ = multiAZParam !== undefined && multiAZParam !== inst.multiAZ ? multiAZParam : undefined;
  const family = engine?.family ?? findVersion(inst.engine, inst.engineVersion)!.family;
  const groupParam = params.string('DBParameterGroupName');
  const parameterGroupName = groupParam === undefined ? undefined : resolveParameterGroup(ctx, groupParam, family);
  const sgParam = params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId');
  const vpcSecurityGroupIds = sgParam && sgParam.length > 0 ? v.securityGroupIds(sgParam) : undefined;
  const retentionParam = params.integer('BackupRetentionPeriod');
  const retention =
    retentionParam !== undefined && retentionParam !== inst.backupRetentionPeriod ? v.backupRetention(retentionParam) : undefined;
  const maintenance = params.string('PreferredMaintenanceWindow')?.toLowerCase();
  const backupWindow = params.string('PreferredBackupWindow');
  const problem = (maintenance && checkMaintenanceWindow(maintenance)) || (backupWindow && checkBackupWindow(backupWindow));
  if (problem) throw invalidValue(problem);
  if (windowsOverlap(maintenance ?? inst.preferredMaintenanceWindow, backupWindow ?? inst.preferredBackupWindow)) {
    throw invalidValue('The backup window and maintenance window must not overlap.');
  }
  if (retention === 0 && ctx.store.replicasOf(inst.identifier).length > 0) {
    throw invalidCombination(`The backup retention period of ${inst.identifier} can't be 0: it is the source of read replicas.`);
  }
  if (retention !== undefined && retention > 0 && inst.readReplicaSource) {
    throw invalidCombination(
      `This emulator keeps no automated backups of read replicas: promote ${inst.identifier} first (PromoteReadReplica) to turn backups on.`,
    );
  }
  const passwordParam = params.string('MasterUserPassword');
  if (passwordParam !== undefined && inst.readReplicaSource) {
    throw invalidCombination(`The master user password of read replica ${inst.identifier} comes from its source; change it there.`);
  }
  const password = passwordParam === undefined ? undefined : v.masterPassword(inst.engine, passwordParam);
  const maxAllocatedStorage = maxStorageChange(inst, params, storage);
  if (actualStatus(inst) === 'storage-full' && storage.size === undefined) {
    throw invalidInstanceState(
      `Database instance ${inst.identifier} is in storage-full state: increase its allocated storage (AllocatedStorage above ${inst.allocatedStorage}) before any other change.`,
    );
  }

  const features = modifiedFeatures(params, inst.engine, inst.engineVersion, inst.features ?? DEFAULT_FEATURES);

  // Sort the changes: queued for the window, or applied now.
  const queued: PendingChanges = {};
  const plan: ModifyPlan = { settings: {}, showsPending: {}, storageChanged: false };
  const defer = (apply: () => void, queue: () => void) => (applyNow ? apply() : queue());
  if (instanceClass)
    defer(
      () => {
        plan.settings.instanceClass = instanceClass;
        plan.showsPending.DBInstanceClass = instanceClass;
      },
      () => {
        queued.DBInstanceClass = instanceClass;
      },
    );
  if (storage.size !== undefined)
    defer(
      () => {
        plan.settings.allocatedStorage = storage.size;
        plan.showsPending.AllocatedStorage = storage.size;
      },
      () => {
        queued.AllocatedStorage = storage.size;
      },
    );
  if (storage.type !== undefined)
    defer(
      () => {
        plan.settings.storageType = storage.type;
        plan.showsPending.StorageType = storage.type;
      },
      () => {
        queued.StorageType = storage.type;
      },
    );
  if (storage.iops !== undefined)
    defer(
      () => {
        plan.settings.iops = storage.iops;
        plan.showsPending.Iops = storage.iops;
      },
      () => {
        queued.Iops = storage.iops;
      },
    );
  if (storage.throughput !== undefined)
    defer(
      () => {
        plan.settings.storageThroughput = storage.throughput;
        plan.showsPending.StorageThroughput = storage.throughput;
      },
      () => {
        queued.StorageThroughput = storage.throughput;
      },
    );
  if (multiAZ !== undefined)
    defer(
      () => {
        plan.settings.multiAZ = multiAZ;
        plan.showsPending.MultiAZ = multiAZ;
      },
      () => {
        queued.MultiAZ = multiAZ;
      },
    );
  if (engine)
    defer(
      () => {
        plan.engineUpgrade = { engineVersion: engine.engineVersion, parameterGroupName: parameterGroupName ?? engine.parameterGroupName };
      },
      () => {
        queued.EngineVersion = engine.engineVersion;
      },
    );
  if (retention !== undefined) {
    // Turning automated backups on or off waits for the window; other retention changes do not.
    const toggles = (retention === 0) !== (inst.backupRetentionPeriod === 0);
    if (toggles && !applyNow) queued.BackupRetentionPeriod = retention;
    else plan.settings.backupRetentionPeriod = retention;
  }
  if (parameterGroupName !== undefined && !(engine && applyNow)) {
    plan.settings.parameterGroupName = parameterGroupName;
    if (parameterGroupName !== inst.parameterGroupName) plan.showsParameterGroup = parameterGroupName;
  }
  if (vpcSecurityGroupIds) plan.settings.vpcSecurityGroupIds = vpcSecurityGroupIds;
  if (backupWindow !== undefined && backupWindow !== inst.preferredBackupWindow) plan.settings.preferredBackupWindow = backupWindow;
  if (applyNow) {
    // Applying now applies what was queued before too.
    plan.settings = { ...pendingAsSettings(inst.pending), ...plan.settings };
    plan.showsPending = { ...inst.pending, EngineVersion: undefined, ...plan.showsPending };
    if (inst.pending.EngineVersion && !plan.engineUpgrade) plan.engineUpgrade = { engineVersion: inst.pending.EngineVersion };
  }
  plan.storageChanged =
    plan.settings.allocatedStorage !== undefined ||
    plan.settings.storageType !== undefined ||
    plan.settings.iops !== undefined ||
    plan.settings.storageThroughput !== undefined;
  plan.password = password;
  if (plan.settings.backupRetentionPeriod !== undefined && inst.backupRetentionPeriod === 0 && plan.settings.backupRetentionPeriod > 0) {
    plan.automatedSnapshotId = newAutomatedSnapshotId(ctx, inst);
  }

  const before = visibleState(inst, ctx.now);
  const phases = modifyPhases(plan);
  let next: InstanceRecord = phases.length > 0 || Object.keys(queued).length > 0 ? freezeView(inst, ctx.now, ctx.timing) : inst;
  next = {
    ...next,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? inst.copyTagsToSnapshot,
    deletionProtection: params.boolean('DeletionProtection') ?? inst.deletionProtection,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? inst.autoMinorVersionUpgrade,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? inst.publiclyAccessible,
    maxAllocatedStorage,
    features,
    preferredMaintenanceWindow: maintenance ?? inst.preferredMaintenanceWindow,
    pending: applyNow ? {} : { ...inst.pending, ...queued },
  };
  const hasQueue = Object.keys(next.pending).length > 0;
  next.maintenanceDueAt = hasQueue ? nextMaintenanceStart(next.preferredMaintenanceWindow, ctx.now) : undefined;
  if (phases.length > 0) next = beginTransition(next, 'modify', phases, ctx.store.transitionId(), ctx.now, ctx.timing);
  if (plan.automatedSnapshotId) addSnapshotRecord(ctx, next, plan.automatedSnapshotId, 'automated', undefined);
  commitInstance(ctx, next);

  // The response shows the request's effect at once: the status as it was, the pending values as they will be.
  const shownPending: PendingChanges = { ...next.pending, ...plan.showsPending };
  if (plan.engineUpgrade) shownPending.EngineVersion = plan.engineUpgrade.engineVersion;
  if (password !== undefined) shownPending.MasterUserPassword = true;
  // A new parameter group is associated at once, as RDS answers: its name, `applying`.
  const shownGroup = plan.showsParameterGroup
    ? { parameterGroupName: plan.showsParameterGroup, parameterApplyStatus: 'applying' as const }
    : {};
  return instanceResult(next, ctx, { ...before, pending: shownPending, ...shownGroup });
};
