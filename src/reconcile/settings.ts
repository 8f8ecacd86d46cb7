import { featuresDiff, type DesiredFeatures, type FeaturesChange } from './features.js';
import type { ObservedInstance } from './observed.js';

/** The settings a plan (and the user's parameters) ask of an instance, as RDS names them. */
export interface DesiredSettings {
  instanceClass: string;
  allocatedStorage: number;
  storageType?: string;
  /** Provisioned IOPS and throughput (MiB/s), the autoscaling ceiling; each undefined: not managed. */
  iops?: number;
  storageThroughput?: number;
  maxAllocatedStorage?: number;
  multiAz: boolean;
  /** Empty: the broker does not manage security groups (the subnet group's default is kept). */
  vpcSecurityGroupIds: string[];
  dbParameterGroupName?: string;
  backupRetentionPeriod: number;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  /** The plan's engine version: an instance on an older one is upgraded, never downgraded. */
  engineVersion?: string;
  /** Monitoring, logs, IAM authentication, CA (features.ts); absent: none managed. */
  features?: DesiredFeatures;
}

/** The ModifyDBInstance fields that bring the observed instance to the desired settings. */
export interface SettingsChange extends FeaturesChange {
  DBInstanceClass?: string;
  AllocatedStorage?: number;
  StorageType?: string;
  Iops?: number;
  StorageThroughput?: number;
  MaxAllocatedStorage?: number;
  MultiAZ?: boolean;
  VpcSecurityGroupIds?: string[];
  DBParameterGroupName?: string;
  BackupRetentionPeriod?: number;
  PreferredBackupWindow?: string;
  PreferredMaintenanceWindow?: string;
  EngineVersion?: string;
  AllowMajorVersionUpgrade?: boolean;
}

/** Compares RDS engine versions numerically, part by part ("17.10" > "17.9"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.isNaN(pa[i] ?? 0) ? 0 : (pa[i] ?? 0);
    const y = Number.isNaN(pb[i] ?? 0) ? 0 : (pb[i] ?? 0);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Pure: what differs between observed and desired. Storage only grows: RDS cannot shrink it. */
export function settingsDiff(observed: ObservedInstance, desired: DesiredSettings): SettingsChange {
  const change: SettingsChange = {};
  if (observed.instanceClass !== desired.instanceClass) change.DBInstanceClass = desired.instanceClass;
  if (observed.allocatedStorage < desired.allocatedStorage) change.AllocatedStorage = desired.allocatedStorage;
  if (desired.storageType && observed.storageType && observed.storageType !== desired.storageType) change.StorageType = desired.storageType;
  // A new storage type takes its provisioned values in the same request, even where the numbers happen to match.
  if (desired.iops !== undefined && (observed.iops !== desired.iops || change.StorageType)) change.Iops = desired.iops;
  if (desired.storageThroughput !== undefined && (observed.storageThroughput !== desired.storageThroughput || change.StorageType)) {
    change.StorageThroughput = desired.storageThroughput;
  }
  if (desired.maxAllocatedStorage !== undefined && observed.maxAllocatedStorage !== desired.maxAllocatedStorage) {
    change.MaxAllocatedStorage = desired.maxAllocatedStorage;
  }
  if (observed.multiAz !== desired.multiAz) change.MultiAZ = desired.multiAz;
  if (desired.vpcSecurityGroupIds.length > 0 && !sameSet(observed.vpcSecurityGroupIds, desired.vpcSecurityGroupIds)) {
    change.VpcSecurityGroupIds = [...desired.vpcSecurityGroupIds];
  }
  const group = observed.parameterGroups[0]?.name;
  if (desired.dbParameterGroupName && group !== desired.dbParameterGroupName) change.DBParameterGroupName = desired.dbParameterGroupName;
  if (observed.backupRetentionPeriod !== desired.backupRetentionPeriod) change.BackupRetentionPeriod = desired.backupRetentionPeriod;
  if (desired.preferredBackupWindow && observed.preferredBackupWindow !== desired.preferredBackupWindow) {
    change.PreferredBackupWindow = desired.preferredBackupWindow;
  }
  if (desired.preferredMaintenanceWindow && observed.preferredMaintenanceWindow !== desired.preferredMaintenanceWindow) {
    change.PreferredMaintenanceWindow = desired.preferredMaintenanceWindow;
  }
  if (desired.engineVersion && observed.engineVersion && compareVersions(observed.engineVersion, desired.engineVersion) < 0) {
    change.EngineVersion = desired.engineVersion;
    if (observed.engineVersion.split('.')[0] !== desired.engineVersion.split('.')[0]) change.AllowMajorVersionUpgrade = true;
  }
  Object.assign(change, featuresDiff(observed.features, desired.features));
  return change;
}

export function isEmptyChange(change: SettingsChange): boolean {
  return Object.keys(change).length === 0;
}

/** The fields that decide which plan an instance is on (used to tell a failed plan change apart). */
export function matchesPlanShape(observed: ObservedInstance, desired: DesiredSettings): boolean {
  return (
    observed.instanceClass === desired.instanceClass &&
    observed.allocatedStorage >= desired.allocatedStorage &&
    observed.multiAz === desired.multiAz &&
    (!desired.storageType || !observed.storageType || observed.storageType === desired.storageType)
  );
}
