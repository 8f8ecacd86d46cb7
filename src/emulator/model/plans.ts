/**
 * Which phases a change walks through, decided from the request alone. Pure: the actions call
 * these, the lifecycle runs the result.
 */
import { phase } from './lifecycle.js';
import type { InstanceRecord, PendingChanges, Phase, SettingChanges } from './types.js';

export function createPhases(automatedSnapshotId: string | undefined): Phase[] {
  // RDS shows the master password it is setting as pending (****) while a new instance is created;
  // a restore shows nothing pending (the password comes with the data).
  const phases = [phase('creating', { work: { kind: 'provision' }, showsPending: { MasterUserPassword: true } })];
  if (automatedSnapshotId) phases.push(phase('backing-up', { work: { kind: 'snapshot', snapshotId: automatedSnapshotId } }));
  return phases;
}

export function restorePhases(
  work: { kind: 'restore-snapshot'; snapshotId: string } | { kind: 'restore-point-in-time'; dbiResourceId: string; target: number },
  automatedSnapshotId: string | undefined,
): Phase[] {
  const phases = [phase('creating', { work })];
  if (automatedSnapshotId) phases.push(phase('backing-up', { work: { kind: 'snapshot', snapshotId: automatedSnapshotId } }));
  return phases;
}

/** A read replica: created from an online copy of its source, with backups off (no first backup), as on RDS. */
export function replicaPhases(source: string): Phase[] {
  return [phase('creating', { work: { kind: 'create-replica', source } })];
}

/**
 * PromoteReadReplica: `modifying` while the replica stops replicating and opens for writes, with
 * the backup settings of the request; then its first automated backup when backups are on.
 */
export function promotePhases(settings: SettingChanges, automatedSnapshotId: string | undefined): Phase[] {
  const phases = [phase('modifying', { work: { kind: 'promote' }, apply: { ...settings, detachFromSource: true } })];
  if (automatedSnapshotId) phases.push(phase('backing-up', { work: { kind: 'snapshot', snapshotId: automatedSnapshotId } }));
  return phases;
}

export function deletePhases(finalSnapshotId: string | undefined, retainBackups: boolean): Phase[] {
  const phases: Phase[] = [];
  if (finalSnapshotId) phases.push(phase('deleting', { work: { kind: 'snapshot', snapshotId: finalSnapshotId } }));
  phases.push(phase('deleting', { work: { kind: 'destroy', retainBackups } }));
  return phases;
}

export function snapshotPhases(snapshotId: string): Phase[] {
  return [phase('backing-up', { work: { kind: 'snapshot', snapshotId } })];
}

/** Settings that changes queued for the maintenance window turn into once applied. */
export function pendingAsSettings(pending: PendingChanges): SettingChanges {
  const s: SettingChanges = {};
  if (pending.DBInstanceClass !== undefined) s.instanceClass = pending.DBInstanceClass;
  if (pending.AllocatedStorage !== undefined) s.allocatedStorage = pending.AllocatedStorage;
  if (pending.StorageType !== undefined) s.storageType = pending.StorageType;
  if (pending.Iops !== undefined) s.iops = pending.Iops;
  if (pending.StorageThroughput !== undefined) s.storageThroughput = pending.StorageThroughput;
  if (pending.BackupRetentionPeriod !== undefined) s.backupRetentionPeriod = pending.BackupRetentionPeriod;
  if (pending.MultiAZ !== undefined) s.multiAZ = pending.MultiAZ;
  return s;
}

export interface ModifyPlan {
  /** Applied when the `modifying` phase ends (includes queued values being applied now). */
  settings: SettingChanges;
  /** Shown as PendingModifiedValues while the change is under way. */
  showsPending: PendingChanges;
  /** A different parameter group being associated, shown (`applying`) while the change is under way. */
  showsParameterGroup?: string;
  storageChanged: boolean;
  engineUpgrade?: { engineVersion: string; parameterGroupName?: string };
  password?: string;
  /** An automated snapshot to take afterwards (automated backups were just turned on). */
  automatedSnapshotId?: string;
}

export function isEmptySettings(s: SettingChanges): boolean {
  return Object.values(s).every((v) => v === undefined);
}

export function modifyPhases(plan: ModifyPlan): Phase[] {
  const phases: Phase[] = [];
  if (!isEmptySettings(plan.settings)) {
    phases.push(
      phase('modifying', {
        apply: plan.settings,
        showsPending: plan.showsPending,
        ...(plan.showsParameterGroup ? { showsParameterGroup: plan.showsParameterGroup } : {}),
      }),
    );
    if (plan.storageChanged) phases.push(phase('storage-optimization'));
  }
  if (plan.engineUpgrade) {
    const { engineVersion, parameterGroupName } = plan.engineUpgrade;
    phases.push(
      phase('upgrading', {
        work: { kind: 'upgrade', engineVersion },
        apply: { engineVersion, ...(parameterGroupName ? { parameterGroupName } : {}) },
        showsPending: { EngineVersion: engineVersion },
      }),
    );
  }
  if (plan.password !== undefined) {
    phases.push(
      phase('resetting-master-credentials', {
        work: { kind: 'set-password', password: plan.password },
        apply: { masterPassword: plan.password },
        showsPending: { MasterUserPassword: true },
      }),
    );
  }
  if (plan.automatedSnapshotId) {
    phases.push(phase('backing-up', { work: { kind: 'snapshot', snapshotId: plan.automatedSnapshotId } }));
  }
  return phases;
}

/** The maintenance window arrived: apply everything queued. */
export function maintenancePlan(inst: InstanceRecord, defaultGroupForUpgrade?: string): ModifyPlan {
  const settings = pendingAsSettings(inst.pending);
  return {
    settings,
    showsPending: { ...inst.pending, EngineVersion: undefined },
    storageChanged:
      settings.allocatedStorage !== undefined ||
      settings.storageType !== undefined ||
      settings.iops !== undefined ||
      settings.storageThroughput !== undefined,
    engineUpgrade: inst.pending.EngineVersion
      ? { engineVersion: inst.pending.EngineVersion, parameterGroupName: defaultGroupForUpgrade }
      : undefined,
  };
}
