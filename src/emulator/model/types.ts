/**
 * The emulator's records. Plain JSON-serialisable objects (times as epoch milliseconds) so the
 * whole state can be written to one file and read back after a restart.
 */
import type { EngineName } from '../databases/types.js';
import type { ClusterEngine } from './cluster-types.js';

export type { EngineName };

export interface Tag {
  Key: string;
  Value: string;
}

/** Statuses an instance shows while RDS works on it. */
export type TransitionalStatus =
  | 'creating'
  | 'backing-up'
  | 'modifying'
  | 'rebooting'
  | 'resetting-master-credentials'
  | 'upgrading'
  | 'storage-optimization'
  | 'deleting';

/** Statuses an instance rests in when nothing is in progress (storage-full: until its storage grows). */
export type RestingStatus = 'available' | 'failed' | 'storage-full';

export type InstanceStatus = TransitionalStatus | RestingStatus;

export type ParameterApplyStatus = 'in-sync' | 'applying' | 'pending-reboot';

/** Changes waiting for the maintenance window (ApplyImmediately=false), as PendingModifiedValues shows them. */
export interface PendingChanges {
  DBInstanceClass?: string;
  AllocatedStorage?: number;
  StorageType?: string;
  /** 0: the provisioned IOPS go (a type that takes none); not shown. */
  Iops?: number;
  /** MiB/s; 0: back to gp3's baseline; not shown. */
  StorageThroughput?: number;
  BackupRetentionPeriod?: number;
  MultiAZ?: boolean;
  EngineVersion?: string;
  /** Shown as `****` while a master password change is in progress. */
  MasterUserPassword?: true;
}

/** Settings a finished phase writes onto the instance. */
export interface SettingChanges {
  instanceClass?: string;
  allocatedStorage?: number;
  storageType?: string;
  /** 0 removes the provisioned IOPS. */
  iops?: number;
  /** 0 removes the provisioned throughput. */
  storageThroughput?: number;
  backupRetentionPeriod?: number;
  multiAZ?: boolean;
  engineVersion?: string;
  parameterGroupName?: string;
  vpcSecurityGroupIds?: string[];
  preferredBackupWindow?: string;
  masterPassword?: string;
  /** PromoteReadReplica (or the source's deletion): the instance stops being a read replica. */
  detachFromSource?: true;
}

/** What the database layer must do during a phase. The lifecycle decides; the fleet performs. */
export type Work =
  | { kind: 'provision' }
  | { kind: 'restore-snapshot'; snapshotId: string }
  | { kind: 'restore-point-in-time'; dbiResourceId: string; target: number }
  | { kind: 'snapshot'; snapshotId: string }
  | { kind: 'set-password'; password: string }
  | { kind: 'restart' }
  | { kind: 'upgrade'; engineVersion: string }
  | { kind: 'apply-parameters'; values: Record<string, string> }
  | { kind: 'destroy'; retainBackups: boolean }
  | { kind: 'create-replica'; source: string }
  | { kind: 'promote' };

export interface Phase {
  status: TransitionalStatus;
  work?: Work;
  /** Least time the status shows, at speed 1; scaled by the speed setting. */
  durationMs: number;
  /** Settings applied when the phase completes. */
  apply?: SettingChanges;
  /** Pending values shown while this phase runs (e.g. the masked password). */
  showsPending?: PendingChanges;
  /** A parameter group being associated: RDS shows its name at once, `applying`, while the phase runs. */
  showsParameterGroup?: string;
}

export type TransitionKind = 'create' | 'restore' | 'replica' | 'modify' | 'reboot' | 'snapshot' | 'delete' | 'maintenance' | 'promote';

export interface Transition {
  id: number;
  kind: TransitionKind;
  phases: Phase[];
  index: number;
  /** Before this time the instance still shows what it showed when the call was made. */
  visibleAt: number;
  /** When the current phase began to show (set once it is visible). */
  phaseStartedAt?: number;
  /** The current phase's work has finished. */
  workDone: boolean;
  /** A static parameter was pending when the reboot began; it is in sync afterwards. */
  clearsPendingReboot?: boolean;
}

/** A parameter group change reaching an instance: `applying`, then in sync or waiting for a reboot. */
export interface ParameterActivity {
  visibleAt: number;
  startedAt?: number;
  durationMs: number;
  then: 'in-sync' | 'pending-reboot';
  /** Dynamic values to push to the running server. */
  dynamicValues: Record<string, string>;
  workDone: boolean;
}

/** What DescribeDBInstances shows of the moving parts; frozen during the visibility lag. */
export interface VisibleState {
  status: InstanceStatus;
  pending: PendingChanges;
  parameterApplyStatus: ParameterApplyStatus;
  /** Set while a new parameter group is being associated; otherwise the record's own group shows. */
  parameterGroupName?: string;
}

/** Monitoring, logging, authentication and certificate settings (api/instance-features.ts). */
export interface InstanceFeatures {
  performanceInsightsEnabled: boolean;
  performanceInsightsRetentionPeriod?: number;
  performanceInsightsKmsKeyId?: string;
  monitoringInterval: number;
  monitoringRoleArn?: string;
  enabledCloudwatchLogsExports: string[];
  iamDatabaseAuthenticationEnabled: boolean;
  caCertificateIdentifier: string;
}

export interface InstanceRecord {
  identifier: string;
  dbiResourceId: string;
  engine: EngineName;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  maxAllocatedStorage?: number;
  storageType: string;
  /** Provisioned IOPS (io1, io2, gp3 from 400 GiB); DescribeDBInstances shows gp3's baseline without them. */
  iops?: number;
  /** Provisioned throughput in MiB/s (gp3 from 400 GiB). */
  storageThroughput?: number;
  /** When a storage change (size, type, IOPS, throughput) was last applied; RDS takes no other for six hours. */
  lastStorageChangeAt?: number;
  /** Absent on records saved before these settings existed: RDS's defaults. */
  features?: InstanceFeatures;
  masterUsername: string;
  /** Kept for the database layer (specs for restart and restore), never shown. */
  masterPassword: string;
  dbName?: string;
  port: number;
  multiAZ: boolean;
  availabilityZone: string;
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  parameterGroupName: string;
  parameterApplyStatus: ParameterApplyStatus;
  vpcSecurityGroupIds: string[];
  subnetGroupName: string;
  copyTagsToSnapshot: boolean;
  deletionProtection: boolean;
  autoMinorVersionUpgrade: boolean;
  publiclyAccessible: boolean;
  storageEncrypted: boolean;
  tags: Tag[];
  /** InstanceCreateTime: set once the database exists. */
  createdAt?: number;
  status: RestingStatus;
  pending: PendingChanges;
  /** When queued pending changes are applied: the next maintenance window after they were queued. */
  maintenanceDueAt?: number;
  transition?: Transition;
  parameterActivity?: ParameterActivity;
  /** The view callers keep seeing until `until` (eventual consistency). */
  shown?: { until: number; view: VisibleState };
  /** The database files exist: restart them when the emulator restarts. */
  databaseReady: boolean;
  /** Why the instance failed, for the emulator's log and admin API. */
  failureReason?: string;
  /** A read replica's source (ReadReplicaSourceDBInstanceIdentifier), until it is promoted. */
  readReplicaSource?: string;
  /**
   * A member of an Aurora cluster: `engine` is then the server behind it (postgres, mysql) and the
   * cluster's engine is what callers see; storage, master user and backups are the cluster's.
   */
  cluster?: { identifier: string; engine: ClusterEngine; promotionTier: number };
}

export type SnapshotType = 'manual' | 'automated';

export interface SnapshotRecord {
  identifier: string;
  type: SnapshotType;
  status: 'creating' | 'available' | 'failed';
  instanceIdentifier: string;
  dbiResourceId: string;
  createdAt: number;
  completedAt?: number;
  engine: EngineName;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  storageType: string;
  iops?: number;
  storageThroughput?: number;
  port: number;
  availabilityZone: string;
  vpcId: string;
  instanceCreateTime?: number;
  masterUsername: string;
  /** The source's master password at snapshot time: a restore brings it back, as on RDS. */
  masterPassword: string;
  dbName?: string;
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  multiAZ: boolean;
  tags: Tag[];
  /** Directory (relative to the state directory) holding the copy; absent without databases. */
  dataPath?: string;
}

export interface AutomatedBackupRecord {
  /** `ab-…`: the last part of DBInstanceAutomatedBackupsArn. */
  backupId: string;
  dbiResourceId: string;
  instanceIdentifier: string;
  status: 'active' | 'retained';
  engine: EngineName;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  storageType: string;
  port: number;
  availabilityZone: string;
  vpcId: string;
  instanceCreateTime?: number;
  masterUsername: string;
  masterPassword: string;
  dbName?: string;
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  tags: Tag[];
  /** For retained backups: the restorable window as it was when the instance was deleted. */
  earliest?: number;
  latest?: number;
  retainedAt?: number;
  /** Directory (relative to the state directory) holding the archived WAL of a deleted instance. */
  walPath?: string;
}

export interface ParameterGroupRecord {
  name: string;
  family: string;
  description: string;
  isDefault: boolean;
  tags: Tag[];
  /** Values set by the user, with the apply method they were set with. */
  values: Record<string, { value: string; method: 'immediate' | 'pending-reboot' }>;
}

export interface SubnetGroupRecord {
  name: string;
  description: string;
  vpcId: string;
  subnets: { id: string; availabilityZone: string }[];
  tags: Tag[];
}
