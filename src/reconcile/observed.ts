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
  tags: Tags;
}

export type StatusClass = 'ready' | 'busy' | 'failed' | 'deleting';

const READY = new Set(['available', 'storage-optimization']);
const FAILED = new Set([
  'failed',
  'restore-error',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-credentials',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'insufficient-capacity',
  'storage-full',
]);

/** Maps every RDS instance status onto what the platform is told. Unknown statuses are "busy": wait. */
export function classifyStatus(status: string): StatusClass {
  if (READY.has(status)) return 'ready';
  if (status === 'deleting') return 'deleting';
  if (FAILED.has(status) || status.startsWith('incompatible-')) return 'failed';
  return 'busy';
}

/** Statuses from which RDS accepts DeleteDBInstance now; from the others a delete must wait. */
const DELETABLE = new Set([
  'available',
  'storage-optimization',
  'failed',
  'restore-error',
  'inaccessible-encryption-credentials',
  'incompatible-credentials',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'storage-full',
  'stopped',
  'backing-up',
]);

export function canDeleteNow(status: string): boolean {
  return DELETABLE.has(status);
}

export function primaryParameterGroup(observed: ObservedInstance): { name: string; applyStatus: string } | undefined {
  return observed.parameterGroups[0];
}
