import { featuresForCreate, type DesiredFeatures } from '../reconcile/features.js';
import type { CreateDBInstanceCommandInput } from '@aws-sdk/client-rds';
import type { ParsedConfig, PlanConfig, ServiceConfig } from '../config/schema.js';
import type { PlanMatch } from '../catalog/catalog.js';
import { compareVersions, type DesiredSettings } from '../reconcile/settings.js';
import { decodePairs, encodePairs } from '../reconcile/tags.js';

/** The plan an instance's tags name, in whichever service holds it. */
export function planById(config: Pick<ParsedConfig, 'catalog'>, planId: string | undefined): PlanMatch | undefined {
  if (!planId) return undefined;
  for (const service of config.catalog.services) {
    const plan = service.plans.find((p) => p.id === planId);
    if (plan) return { service, plan };
  }
  return undefined;
}

/**
 * User parameters that outlive the request that carried them (recorded in the "Requested Settings"
 * tag): the settings they override must survive every later reconcile of the plan's settings.
 */
export interface RequestedSettings {
  backupRetentionPeriod?: number;
  preferredBackupWindow?: string;
  preferredMaintenanceWindow?: string;
  dbName?: string;
  /** A minor version upgrade asked for on update (upgrade_minor_version): newer than the plan's. */
  engineVersion?: string;
  /** allocated_storage (GiB): the plan's size is a floor, never a ceiling. */
  allocatedStorage?: number;
  /** max_allocated_storage (GiB): replaces the plan's ceiling. */
  maxAllocatedStorage?: number;
}

const KEYS = {
  backupRetentionPeriod: 'brp',
  preferredBackupWindow: 'pbw',
  preferredMaintenanceWindow: 'pmw',
  dbName: 'db',
  engineVersion: 'ev',
  allocatedStorage: 'as',
  maxAllocatedStorage: 'mas',
} as const;

export function encodeRequested(settings: RequestedSettings): string {
  return encodePairs({
    [KEYS.backupRetentionPeriod]: settings.backupRetentionPeriod,
    [KEYS.preferredBackupWindow]: settings.preferredBackupWindow,
    [KEYS.preferredMaintenanceWindow]: settings.preferredMaintenanceWindow,
    [KEYS.dbName]: settings.dbName,
    [KEYS.engineVersion]: settings.engineVersion,
    [KEYS.allocatedStorage]: settings.allocatedStorage,
    [KEYS.maxAllocatedStorage]: settings.maxAllocatedStorage,
  });
}

export function decodeRequested(value: string | undefined): RequestedSettings {
  const pairs = decodePairs(value);
  const out: RequestedSettings = {};
  const retention = pairs[KEYS.backupRetentionPeriod];
  if (retention !== undefined && /^\d+$/.test(retention)) out.backupRetentionPeriod = Number(retention);
  if (pairs[KEYS.preferredBackupWindow]) out.preferredBackupWindow = pairs[KEYS.preferredBackupWindow];
  if (pairs[KEYS.preferredMaintenanceWindow]) out.preferredMaintenanceWindow = pairs[KEYS.preferredMaintenanceWindow];
  if (pairs[KEYS.dbName]) out.dbName = pairs[KEYS.dbName];
  if (pairs[KEYS.engineVersion]) out.engineVersion = pairs[KEYS.engineVersion];
  const size = pairs[KEYS.allocatedStorage];
  if (size !== undefined && /^\d+$/.test(size)) out.allocatedStorage = Number(size);
  const ceiling = pairs[KEYS.maxAllocatedStorage];
  if (ceiling !== undefined && /^\d+$/.test(ceiling)) out.maxAllocatedStorage = Number(ceiling);
  return out;
}

/** Overlays new user parameters onto what was requested before. */
export function requestedFromParameters(parameters: Record<string, unknown>, previous: RequestedSettings = {}): RequestedSettings {
  const next: RequestedSettings = { ...previous };
  if (typeof parameters.backup_retention_period === 'number') next.backupRetentionPeriod = parameters.backup_retention_period;
  if (typeof parameters.preferred_backup_window === 'string') next.preferredBackupWindow = parameters.preferred_backup_window;
  if (typeof parameters.preferred_maintenance_window === 'string')
    next.preferredMaintenanceWindow = parameters.preferred_maintenance_window;
  if (typeof parameters.db_name === 'string') next.dbName = parameters.db_name;
  if (typeof parameters.allocated_storage === 'number') next.allocatedStorage = parameters.allocated_storage;
  if (typeof parameters.max_allocated_storage === 'number') next.maxAllocatedStorage = parameters.max_allocated_storage;
  return next;
}

export function desiredSettings(plan: PlanConfig, requested: RequestedSettings): DesiredSettings {
  const rds = plan.rds;
  const backupWindow = requested.preferredBackupWindow ?? rds.preferredBackupWindow;
  const maintenanceWindow = requested.preferredMaintenanceWindow ?? rds.preferredMaintenanceWindow;
  const maxAllocatedStorage = requested.maxAllocatedStorage ?? rds.maxAllocatedStorage;
  return {
    instanceClass: rds.instanceClass,
    allocatedStorage: Math.max(rds.allocatedStorage, requested.allocatedStorage ?? 0),
    storageType: rds.storageType,
    ...(rds.iops !== undefined ? { iops: rds.iops } : {}),
    ...(rds.storageThroughput !== undefined ? { storageThroughput: rds.storageThroughput } : {}),
    ...(maxAllocatedStorage !== undefined ? { maxAllocatedStorage } : {}),
    multiAz: rds.multiAz,
    vpcSecurityGroupIds: rds.vpcSecurityGroupIds,
    ...(rds.dbParameterGroupName ? { dbParameterGroupName: rds.dbParameterGroupName } : {}),
    backupRetentionPeriod: requested.backupRetentionPeriod ?? rds.backupRetentionPeriod,
    ...(backupWindow ? { preferredBackupWindow: backupWindow } : {}),
    ...(maintenanceWindow ? { preferredMaintenanceWindow: maintenanceWindow } : {}),
    engineVersion:
      requested.engineVersion && compareVersions(requested.engineVersion, rds.engineVersion) > 0
        ? requested.engineVersion
        : rds.engineVersion,
    features: desiredFeatures(plan),
  };
}

/** The monitoring, logging, authentication and CA settings the plan manages. */
export function desiredFeatures(plan: PlanConfig): DesiredFeatures {
  const rds = plan.rds;
  const features: DesiredFeatures = {};
  if (rds.performanceInsightsEnabled !== undefined) features.performanceInsightsEnabled = rds.performanceInsightsEnabled;
  if (rds.performanceInsightsRetentionPeriod !== undefined)
    features.performanceInsightsRetentionPeriod = rds.performanceInsightsRetentionPeriod;
  if (rds.performanceInsightsKmsKeyId) features.performanceInsightsKmsKeyId = rds.performanceInsightsKmsKeyId;
  if (rds.monitoringInterval !== undefined) features.monitoringInterval = rds.monitoringInterval;
  if (rds.monitoringRoleArn) features.monitoringRoleArn = rds.monitoringRoleArn;
  if (rds.enabledCloudwatchLogsExports) features.cloudwatchLogsExports = [...rds.enabledCloudwatchLogsExports];
  if (rds.iamDatabaseAuthenticationEnabled !== undefined) features.iamDatabaseAuthenticationEnabled = rds.iamDatabaseAuthenticationEnabled;
  if (rds.caCertificateIdentifier) features.caCertificateIdentifier = rds.caCertificateIdentifier;
  return features;
}

export function databaseName(plan: PlanConfig, requested: RequestedSettings): string {
  return requested.dbName ?? plan.rds.databaseName;
}

/** The plan's settings as CreateDBInstance fields (identity, password and tags are added by the caller). */
export function createSettings(plan: PlanConfig, requested: RequestedSettings): Omit<CreateDBInstanceCommandInput, 'DBInstanceIdentifier'> {
  const rds = plan.rds;
  const desired = desiredSettings(plan, requested);
  return {
    Engine: rds.engine,
    EngineVersion: rds.engineVersion,
    DBInstanceClass: desired.instanceClass,
    AllocatedStorage: desired.allocatedStorage,
    ...(desired.maxAllocatedStorage !== undefined ? { MaxAllocatedStorage: desired.maxAllocatedStorage } : {}),
    StorageType: rds.storageType,
    ...(desired.iops !== undefined ? { Iops: desired.iops } : {}),
    ...(desired.storageThroughput !== undefined ? { StorageThroughput: desired.storageThroughput } : {}),
    StorageEncrypted: rds.storageEncrypted,
    ...(rds.kmsKeyId ? { KmsKeyId: rds.kmsKeyId } : {}),
    MultiAZ: desired.multiAz,
    ...(rds.dbSubnetGroupName ? { DBSubnetGroupName: rds.dbSubnetGroupName } : {}),
    ...(desired.vpcSecurityGroupIds.length ? { VpcSecurityGroupIds: desired.vpcSecurityGroupIds } : {}),
    ...(desired.dbParameterGroupName ? { DBParameterGroupName: desired.dbParameterGroupName } : {}),
    PubliclyAccessible: rds.publiclyAccessible,
    ...(rds.port ? { Port: rds.port } : {}),
    MasterUsername: rds.masterUsername,
    DBName: databaseName(plan, requested),
    BackupRetentionPeriod: desired.backupRetentionPeriod,
    ...(desired.preferredBackupWindow ? { PreferredBackupWindow: desired.preferredBackupWindow } : {}),
    ...(desired.preferredMaintenanceWindow ? { PreferredMaintenanceWindow: desired.preferredMaintenanceWindow } : {}),
    AutoMinorVersionUpgrade: rds.autoMinorVersionUpgrade,
    CopyTagsToSnapshot: rds.copyTagsToSnapshot,
    DeletionProtection: rds.deletionProtection,
    ...featuresForCreate(desired.features ?? {}),
  };
}

/** A plan can change to another plan of its service when the catalog allows it and the engine is the same. */
export function planChangeAllowed(service: ServiceConfig, from: PlanConfig, to: PlanConfig): boolean {
  if (from.id === to.id) return true;
  if ((from.plan_updateable ?? service.plan_updateable) === false) return false;
  if (from.updatable_to) return from.updatable_to.includes(to.id);
  return from.rds.engine === to.rds.engine;
}

/** The parameter group family of a plan, as RDS names it (postgres17, mysql8.0, mariadb10.11). */
export function engineFamily(plan: PlanConfig): string {
  if (plan.rds.engineFamily) return plan.rds.engineFamily;
  const [major, minor] = plan.rds.engineVersion.split('.');
  return plan.rds.engine === 'postgres' ? `postgres${major}` : `${plan.rds.engine}${major}.${minor}`;
}
