/** Records derived from an instance: its snapshots and its automated backup. Pure. */
import { newAutomatedBackupId } from './ids.js';
import type { AutomatedBackupRecord, InstanceRecord, SnapshotRecord, SnapshotType, Tag } from './types.js';

export function snapshotOf(
  inst: InstanceRecord,
  identifier: string,
  type: SnapshotType,
  now: number,
  vpcId: string,
  requestedTags: Tag[] | undefined,
): SnapshotRecord {
  // Tags given with the request win; otherwise CopyTagsToSnapshot decides.
  const tags = requestedTags && requestedTags.length > 0 ? requestedTags : inst.copyTagsToSnapshot ? inst.tags : [];
  return {
    identifier,
    type,
    status: 'creating',
    instanceIdentifier: inst.identifier,
    dbiResourceId: inst.dbiResourceId,
    createdAt: now,
    engine: inst.engine,
    engineVersion: inst.engineVersion,
    instanceClass: inst.instanceClass,
    allocatedStorage: inst.allocatedStorage,
    storageType: inst.storageType,
    iops: inst.iops,
    storageThroughput: inst.storageThroughput,
    port: inst.port,
    availabilityZone: inst.availabilityZone,
    vpcId,
    instanceCreateTime: inst.createdAt,
    masterUsername: inst.masterUsername,
    masterPassword: inst.masterPassword,
    dbName: inst.dbName,
    backupRetentionPeriod: inst.backupRetentionPeriod,
    preferredBackupWindow: inst.preferredBackupWindow,
    multiAZ: inst.multiAZ,
    tags: tags.map((t) => ({ ...t })),
  };
}

export function automatedBackupOf(inst: InstanceRecord, vpcId: string): AutomatedBackupRecord {
  return {
    backupId: newAutomatedBackupId(),
    dbiResourceId: inst.dbiResourceId,
    instanceIdentifier: inst.identifier,
    status: 'active',
    engine: inst.engine,
    engineVersion: inst.engineVersion,
    instanceClass: inst.instanceClass,
    allocatedStorage: inst.allocatedStorage,
    storageType: inst.storageType,
    port: inst.port,
    availabilityZone: inst.availabilityZone,
    vpcId,
    instanceCreateTime: inst.createdAt,
    masterUsername: inst.masterUsername,
    masterPassword: inst.masterPassword,
    dbName: inst.dbName,
    backupRetentionPeriod: inst.backupRetentionPeriod,
    preferredBackupWindow: inst.preferredBackupWindow,
    tags: inst.tags.map((t) => ({ ...t })),
  };
}

/** A live instance's automated backup follows the instance's current settings. */
export function refreshAutomatedBackup(backup: AutomatedBackupRecord, inst: InstanceRecord): AutomatedBackupRecord {
  return {
    ...backup,
    engineVersion: inst.engineVersion,
    instanceClass: inst.instanceClass,
    allocatedStorage: inst.allocatedStorage,
    storageType: inst.storageType,
    port: inst.port,
    instanceCreateTime: inst.createdAt,
    masterUsername: inst.masterUsername,
    masterPassword: inst.masterPassword,
    backupRetentionPeriod: inst.backupRetentionPeriod,
    preferredBackupWindow: inst.preferredBackupWindow,
    tags: inst.tags.map((t) => ({ ...t })),
  };
}

export const DAY_MS = 24 * 3600_000;

/** A retained backup of a deleted instance expires with its retention period. */
export function retainedBackupExpired(backup: AutomatedBackupRecord, now: number): boolean {
  if (backup.status !== 'retained') return false;
  const from = backup.latest ?? backup.retainedAt ?? now;
  return now > from + backup.backupRetentionPeriod * DAY_MS;
}
