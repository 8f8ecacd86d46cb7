/**
 * Aurora DB clusters: the cluster record, its own small lifecycle (phases as for instances, with
 * cluster work), and what it shows while the visibility lag lasts. Members are ordinary instance
 * records that name their cluster (InstanceRecord.cluster). Plain JSON, times as epoch ms.
 */
import type { Tag } from './types.js';

export type ClusterEngine = 'aurora-postgresql' | 'aurora-mysql';

export type ClusterTransitionalStatus = 'creating' | 'modifying' | 'backing-up' | 'upgrading' | 'resetting-master-credentials' | 'deleting';

export type ClusterStatus = ClusterTransitionalStatus | 'available' | 'failed';

export interface ServerlessV2Scaling {
  minCapacity: number;
  maxCapacity: number;
}

/** Changes ModifyDBCluster queued for the maintenance window, as PendingModifiedValues shows them. */
export interface ClusterPending {
  EngineVersion?: string;
  /** Shown as `****` while a master password change is in progress. */
  MasterUserPassword?: true;
}

/** Settings a finished cluster phase writes onto the cluster (and, for the engine version, its members). */
export interface ClusterSettings {
  engineVersion?: string;
  clusterParameterGroupName?: string;
  masterPassword?: string;
  serverlessV2?: ServerlessV2Scaling;
}

/** What the servers behind the cluster must do during a phase; without databases, nothing. */
export type ClusterWork =
  | { kind: 'open' }
  /** A restored cluster's data: the snapshot's copy (or a point in time of a source) becomes the cluster's seed. */
  | { kind: 'restore'; snapshotId: string }
  | { kind: 'restore-point-in-time'; sourceClusterResourceId: string; target: number }
  | { kind: 'snapshot'; snapshotId: string }
  | { kind: 'set-password'; password: string }
  | { kind: 'upgrade'; engineVersion: string }
  | { kind: 'destroy' };

export interface ClusterPhase {
  status: ClusterTransitionalStatus;
  work?: ClusterWork;
  /** Least time the status shows, at speed 1; scaled by the speed setting. */
  durationMs: number;
  apply?: ClusterSettings;
  showsPending?: ClusterPending;
}

export interface ClusterTransition {
  id: number;
  kind: 'create' | 'restore' | 'modify' | 'snapshot' | 'delete';
  phases: ClusterPhase[];
  index: number;
  visibleAt: number;
  phaseStartedAt?: number;
  workDone: boolean;
}

export interface ClusterView {
  status: ClusterStatus;
  pending: ClusterPending;
}

export interface ClusterRecord {
  identifier: string;
  /** DbClusterResourceId: `cluster-` and 26 upper-case letters and digits. */
  resourceId: string;
  engine: ClusterEngine;
  engineVersion: string;
  masterUsername: string;
  /** Kept for the servers (the writer's master, restores), never shown. */
  masterPassword: string;
  databaseName?: string;
  port: number;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  backupRetentionPeriod: number;
  preferredBackupWindow: string;
  preferredMaintenanceWindow: string;
  deletionProtection: boolean;
  copyTagsToSnapshot: boolean;
  iamDatabaseAuthenticationEnabled: boolean;
  clusterParameterGroupName: string;
  subnetGroupName: string;
  vpcSecurityGroupIds: string[];
  availabilityZones: string[];
  serverlessV2?: ServerlessV2Scaling;
  tags: Tag[];
  /** ClusterCreateTime: set once the cluster exists. */
  createdAt?: number;
  status: 'available' | 'failed';
  pending: ClusterPending;
  /** When a queued engine version is applied: the next maintenance window after it was queued. */
  maintenanceDueAt?: number;
  transition?: ClusterTransition;
  shown?: { until: number; view: ClusterView };
  /** The member that takes writes (IsClusterWriter); the first member created, until it goes. */
  writer?: string;
  /**
   * A restored cluster's data (relative to the state directory), until its first writer starts
   * from it; without databases, absent.
   */
  seedPath?: string;
  /** RestoreDBClusterFromSnapshot / ToPointInTime: where the data came from, for the events and the log. */
  restoredFrom?: string;
  failureReason?: string;
}

export interface ClusterSnapshotRecord {
  identifier: string;
  type: 'manual' | 'automated';
  status: 'creating' | 'available' | 'failed';
  clusterIdentifier: string;
  clusterResourceId: string;
  createdAt: number;
  completedAt?: number;
  engine: ClusterEngine;
  engineVersion: string;
  masterUsername: string;
  /** The cluster's master password when the snapshot was taken: a restore brings it back, as on RDS. */
  masterPassword: string;
  databaseName?: string;
  port: number;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  availabilityZones: string[];
  vpcId: string;
  clusterCreateTime?: number;
  tags: Tag[];
  /** Directory (relative to the state directory) holding the copy of the writer's data; absent without databases. */
  dataPath?: string;
}
