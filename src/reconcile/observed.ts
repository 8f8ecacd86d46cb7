import type { ObservedFeatures } from './features.js';
import type { Tags } from './tags.js';

/** What one DescribeDBInstances shows of an instance: the only input reconcile trusts. */
export interface ObservedInstance {
  identifier: string;
  arn: string;
  dbiResourceId?: string;
  status: string;
  engine: string;
  engineVersion: string;
  instanceClass: string;
  allocatedStorage: number;
  storageType?: string;
  /** As RDS describes them: provisioned IOPS, or gp3's baseline IOPS and throughput. */
  iops?: number;
  storageThroughput?: number;
  /** The storage autoscaling ceiling; absent: autoscaling off. */
  maxAllocatedStorage?: number;
  multiAz: boolean;
  vpcSecurityGroupIds: string[];
  parameterGroups: Array<{ name: string; applyStatus: string }>;
  backupRetentionPeriod: number;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  /** Names of the fields RDS has yet to apply (PendingModifiedValues). */
  pendingModifications: string[];
  endpoint?: { address: string; port: number };
  masterUsername?: string;
  dbName?: string;
  createdAt?: Date;
  latestRestorableTime?: Date;
  /** RDS refuses DeleteDBInstance while it is on. */
  deletionProtection?: boolean;
  /** Monitoring, logs, IAM authentication, CA; absent where RDS did not describe them. */
  features?: ObservedFeatures;
  tags: Tags;
  /** Read replicas RDS lists for this instance (ReadReplicaDBInstanceIdentifiers). */
  readReplicaIdentifiers?: string[];
  /** For a read replica: its source (ReadReplicaSourceDBInstanceIdentifier). */
  replicaSource?: string;
  /** For a read replica: its replication as RDS reports it (StatusInfos, "read replication"). */
  replication?: { status: string; normal: boolean; message?: string };
  /**
   * The instance's read replicas as described in the same read, when they were (a replica step is
   * pending, a deletion, a binding); undefined when they were not read.
   */
  replicas?: ObservedInstance[];
}

export function primaryParameterGroup(observed: ObservedInstance): { name: string; applyStatus: string } | undefined {
  return observed.parameterGroups[0];
}
