import type { DBInstance, DBSnapshot, Tag as SdkTag } from '@aws-sdk/client-rds';
import type { ObservedInstance } from '../reconcile/observed.js';

export function tagsToRecord(list: SdkTag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of list ?? []) if (tag.Key !== undefined) out[tag.Key] = tag.Value ?? '';
  return out;
}

export function recordToTags(tags: Record<string, string | undefined>): SdkTag[] {
  return Object.entries(tags)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([Key, Value]) => ({ Key, Value }));
}

/** The PendingModifiedValues fields RDS has not yet applied, by name. */
function pendingFields(instance: DBInstance): string[] {
  const pending = instance.PendingModifiedValues ?? {};
  return Object.entries(pending)
    .filter(([, value]) => value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0))
    .map(([key]) => key);
}

/** One DescribeDBInstances entry (TagList included) as reconcile sees it. */
export function observeInstance(instance: DBInstance): ObservedInstance {
  return {
    identifier: instance.DBInstanceIdentifier ?? '',
    arn: instance.DBInstanceArn ?? '',
    ...(instance.DbiResourceId ? { dbiResourceId: instance.DbiResourceId } : {}),
    status: instance.DBInstanceStatus ?? 'unknown',
    engine: instance.Engine ?? '',
    engineVersion: instance.EngineVersion ?? '',
    instanceClass: instance.DBInstanceClass ?? '',
    allocatedStorage: instance.AllocatedStorage ?? 0,
    ...(instance.StorageType ? { storageType: instance.StorageType } : {}),
    ...(instance.Iops !== undefined ? { iops: instance.Iops } : {}),
    ...(instance.StorageThroughput !== undefined ? { storageThroughput: instance.StorageThroughput } : {}),
    ...(instance.MaxAllocatedStorage !== undefined ? { maxAllocatedStorage: instance.MaxAllocatedStorage } : {}),
    features: {
      performanceInsightsEnabled: instance.PerformanceInsightsEnabled ?? false,
      ...(instance.PerformanceInsightsRetentionPeriod !== undefined
        ? { performanceInsightsRetentionPeriod: instance.PerformanceInsightsRetentionPeriod }
        : {}),
      monitoringInterval: instance.MonitoringInterval ?? 0,
      ...(instance.MonitoringRoleArn ? { monitoringRoleArn: instance.MonitoringRoleArn } : {}),
      cloudwatchLogsExports: [...(instance.EnabledCloudwatchLogsExports ?? [])],
      iamDatabaseAuthenticationEnabled: instance.IAMDatabaseAuthenticationEnabled ?? false,
      ...(instance.CACertificateIdentifier ? { caCertificateIdentifier: instance.CACertificateIdentifier } : {}),
    },
    multiAz: instance.MultiAZ ?? false,
    vpcSecurityGroupIds: (instance.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '').filter(Boolean),
    parameterGroups: (instance.DBParameterGroups ?? []).map((g) => ({
      name: g.DBParameterGroupName ?? '',
      applyStatus: g.ParameterApplyStatus ?? 'in-sync',
    })),
    backupRetentionPeriod: instance.BackupRetentionPeriod ?? 0,
    ...(instance.PreferredBackupWindow ? { preferredBackupWindow: instance.PreferredBackupWindow } : {}),
    ...(instance.PreferredMaintenanceWindow ? { preferredMaintenanceWindow: instance.PreferredMaintenanceWindow } : {}),
    pendingModifications: pendingFields(instance),
    ...(instance.Endpoint?.Address ? { endpoint: { address: instance.Endpoint.Address, port: instance.Endpoint.Port ?? 5432 } } : {}),
    ...(instance.MasterUsername ? { masterUsername: instance.MasterUsername } : {}),
    ...(instance.DBName ? { dbName: instance.DBName } : {}),
    ...(instance.InstanceCreateTime ? { createdAt: new Date(instance.InstanceCreateTime) } : {}),
    ...(instance.LatestRestorableTime ? { latestRestorableTime: new Date(instance.LatestRestorableTime) } : {}),
    deletionProtection: instance.DeletionProtection ?? false,
    tags: tagsToRecord(instance.TagList),
    readReplicaIdentifiers: [...(instance.ReadReplicaDBInstanceIdentifiers ?? [])],
    ...(instance.ReadReplicaSourceDBInstanceIdentifier ? { replicaSource: instance.ReadReplicaSourceDBInstanceIdentifier } : {}),
    ...replicationOf(instance),
  };
}

/** The "read replication" entry of StatusInfos, as a replica reports it. */
function replicationOf(instance: DBInstance): Pick<ObservedInstance, 'replication'> {
  const info = (instance.StatusInfos ?? []).find((i) => i.StatusType === 'read replication');
  if (!info) return {};
  return {
    replication: { status: info.Status ?? 'unknown', normal: info.Normal ?? false, ...(info.Message ? { message: info.Message } : {}) },
  };
}

export interface ObservedSnapshot {
  identifier: string;
  arn: string;
  instanceIdentifier: string;
  dbiResourceId?: string;
  status: string;
  type: string;
  engine: string;
  engineVersion: string;
  createdAt?: Date;
  tags: Record<string, string>;
}

export function observeSnapshot(snapshot: DBSnapshot): ObservedSnapshot {
  return {
    identifier: snapshot.DBSnapshotIdentifier ?? '',
    arn: snapshot.DBSnapshotArn ?? '',
    instanceIdentifier: snapshot.DBInstanceIdentifier ?? '',
    ...(snapshot.DbiResourceId ? { dbiResourceId: snapshot.DbiResourceId } : {}),
    status: snapshot.Status ?? 'unknown',
    type: snapshot.SnapshotType ?? 'manual',
    engine: snapshot.Engine ?? '',
    engineVersion: snapshot.EngineVersion ?? '',
    ...(snapshot.SnapshotCreateTime ? { createdAt: new Date(snapshot.SnapshotCreateTime) } : {}),
    tags: tagsToRecord(snapshot.TagList),
  };
}
