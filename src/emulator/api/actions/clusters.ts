/** CreateDBCluster, DescribeDBClusters, DeleteDBCluster (Aurora PostgreSQL and Aurora MySQL). */
import {
  CLUSTER_DEFAULT_PORT,
  SERVER_ENGINE,
  defaultClusterVersion,
  findClusterVersion,
  isClusterEngine,
} from '../../model/cluster-catalog.js';
import { actualClusterStatus, beginClusterTransition, currentClusterView, deleteClusterPhases } from '../../model/cluster-lifecycle.js';
import { clusterSnapshotOf } from '../../model/cluster-records.js';
import type { ClusterEngine, ClusterRecord } from '../../model/cluster-types.js';
import { newClusterResourceId } from '../../model/ids.js';
import { actualStatus } from '../../model/lifecycle.js';
import {
  DEFAULT_BACKUP_WINDOW,
  DEFAULT_MAINTENANCE_WINDOW,
  checkBackupWindow,
  checkMaintenanceWindow,
  windowsOverlap,
} from '../../model/windows.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { clusterAlreadyExists, clusterSnapshotAlreadyExists, invalidClusterState, invalidCombination, invalidValue } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import type { QueryParams } from '../query.js';
import { clusterResult, renderCluster } from '../render-cluster.js';
import * as v from '../validate.js';
import { resolveSubnetGroup } from './instances.js';
import {
  clusterName,
  commitCluster,
  findCluster,
  findClusterParameterGroup,
  serverlessScaling,
  startNewCluster,
} from './cluster-common.js';

export function clusterEngine(value: string): ClusterEngine {
  const lower = value.toLowerCase();
  if (!isClusterEngine(lower)) throw invalidValue(`Invalid DB engine: ${value}. A DB cluster here is aurora-postgresql or aurora-mysql.`);
  return lower;
}

export function resolveClusterVersion(engine: ClusterEngine, requested: string | undefined) {
  if (requested === undefined) return defaultClusterVersion(engine);
  const version = findClusterVersion(engine, requested);
  if (!version) throw invalidCombination(`Cannot find version ${requested} for ${engine}`);
  return version;
}

/** Aurora keeps backups always: 1–35 days. */
export function clusterRetention(value: number | undefined): number | undefined {
  if (value !== undefined && (value < 1 || value > 35)) {
    throw invalidValue('Invalid backup retention period: an Aurora DB cluster keeps backups for 1 to 35 days.');
  }
  return value;
}

export function clusterWindows(params: QueryParams, current?: { maintenance: string; backup: string }) {
  const maintenance = params.string('PreferredMaintenanceWindow')?.toLowerCase() ?? current?.maintenance ?? DEFAULT_MAINTENANCE_WINDOW;
  const backup = params.string('PreferredBackupWindow') ?? current?.backup ?? DEFAULT_BACKUP_WINDOW;
  const problem = checkMaintenanceWindow(maintenance) ?? checkBackupWindow(backup);
  if (problem) throw invalidValue(problem);
  if (windowsOverlap(maintenance, backup)) throw invalidValue('The backup window and maintenance window must not overlap.');
  return { maintenance, backup };
}

function refuseUnsupported(params: QueryParams): void {
  const mode = params.string('EngineMode');
  if (mode !== undefined && mode !== 'provisioned') {
    throw invalidValue(
      `EngineMode ${mode} is not available: Aurora Serverless v1 is retired; use provisioned with db.serverless members (Serverless v2).`,
    );
  }
  if (params.boolean('ManageMasterUserPassword')) {
    throw invalidCombination('This emulator does not manage master passwords in Secrets Manager: give MasterUserPassword.');
  }
  if (params.has('DBClusterInstanceClass') || params.has('AllocatedStorage')) {
    throw invalidCombination('DBClusterInstanceClass and AllocatedStorage are for Multi-AZ DB clusters, not Aurora.');
  }
  const storageType = params.string('StorageType');
  if (storageType !== undefined && storageType !== 'aurora' && storageType !== 'aurora-iopt1') {
    throw invalidValue(`Invalid storage type for an Aurora DB cluster: ${storageType}`);
  }
}

export const createDBCluster: ActionHandler = (ctx, params) => {
  const identifier = v.instanceIdentifier(params.required('DBClusterIdentifier'), 'DBClusterIdentifier');
  const engine = clusterEngine(params.required('Engine'));
  refuseUnsupported(params);
  const version = resolveClusterVersion(engine, params.string('EngineVersion'));
  const server = SERVER_ENGINE[engine];
  const masterUsername = v.masterUsername(server, params.string('MasterUsername'));
  const masterPassword = v.masterPassword(server, params.string('MasterUserPassword'));
  const databaseName = v.dbName(server, params.string('DatabaseName'));
  const port = params.integer('Port') ?? CLUSTER_DEFAULT_PORT[engine];
  if (port < 1150 || port > 65535) throw invalidValue('The port number must be between 1150 and 65535.');
  const backupRetentionPeriod = clusterRetention(params.integer('BackupRetentionPeriod')) ?? 1;
  const { maintenance, backup } = clusterWindows(params);
  const groupName = params.string('DBClusterParameterGroupName');
  const clusterParameterGroupName =
    groupName === undefined ? `default.${version.family}` : findClusterParameterGroup(ctx, groupName, version.family);
  const subnetGroup = resolveSubnetGroup(ctx, params.string('DBSubnetGroupName'));
  const subnetZones = subnetGroup.subnets.map((s) => s.availabilityZone);
  const zones = params.list('AvailabilityZones', 'AvailabilityZone') ?? subnetZones;
  for (const zone of zones)
    if (!subnetZones.includes(zone)) throw invalidValue(`Cannot find an availability zone named ${zone} in the DB subnet group.`);
  const vpcSecurityGroupIds = v.securityGroupIds(
    params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId') ?? [ctx.store.defaultSecurityGroupId],
  );
  const kmsKeyId = params.string('KmsKeyId');
  const tags = v.tags(params.tags() ?? []);
  const serverlessV2 = serverlessScaling(params);
  if (!ctx.fleet.supports(server)) {
    throw invalidCombination(
      `This emulator has no ${server} database server to stand in for ${engine}; start it without databases to emulate ${engine} clusters.`,
    );
  }
  if (ctx.store.cluster(identifier)) throw clusterAlreadyExists();

  const record: ClusterRecord = {
    identifier,
    resourceId: newClusterResourceId(),
    engine,
    engineVersion: version.version,
    masterUsername,
    masterPassword,
    databaseName,
    port,
    storageEncrypted: (params.boolean('StorageEncrypted') ?? false) || kmsKeyId !== undefined,
    kmsKeyId,
    backupRetentionPeriod,
    preferredBackupWindow: backup,
    preferredMaintenanceWindow: maintenance,
    deletionProtection: params.boolean('DeletionProtection') ?? false,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    iamDatabaseAuthenticationEnabled: params.boolean('EnableIAMDatabaseAuthentication') ?? false,
    clusterParameterGroupName,
    subnetGroupName: subnetGroup.name,
    vpcSecurityGroupIds,
    availabilityZones: zones,
    serverlessV2,
    tags,
    status: 'available',
    pending: {},
  };
  const started = startNewCluster(ctx, record, 'create', { kind: 'open' });
  commitCluster(ctx, started);
  return clusterResult(started, ctx);
};

const CLUSTER_FILTERS = new Set(['db-cluster-id', 'db-cluster-resource-id', 'engine', 'domain', 'clone-group-id']);

export const describeDBClusters: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const identifier = params.string('DBClusterIdentifier');
  const filters = params.filters();
  for (const f of filters) if (!CLUSTER_FILTERS.has(f.Name)) throw invalidValue(`Unrecognized filter name: ${f.Name}`);
  const idSets = filters.filter((f) => f.Name === 'db-cluster-id').map((f) => new Set(f.Values.map((value) => lenientName(ctx, value))));
  let keys: readonly string[];
  if (identifier !== undefined) keys = [findCluster(ctx, identifier).identifier];
  else keys = idSets.length > 0 ? [...idSets[0]!].sort() : ctx.store.sortedClusterIds();
  const keep = (key: string): boolean => {
    const cluster = ctx.store.cluster(key);
    if (!cluster || !idSets.every((ids) => ids.has(key))) return false;
    for (const f of filters) {
      if (f.Name === 'db-cluster-resource-id' && !f.Values.includes(cluster.resourceId)) return false;
      if (f.Name === 'engine' && !f.Values.includes(cluster.engine)) return false;
      if (f.Name === 'domain' || f.Name === 'clone-group-id') return false;
    }
    return true;
  };
  const page = paginate(keys, params.string('Marker'), max, keep);
  let xml = '<DBClusters>';
  for (const key of page.keys) xml += `<DBCluster>${renderCluster(ctx.store.cluster(key)!, ctx)}</DBCluster>`;
  return `${xml}</DBClusters>${markerXml(page.nextMarker)}`;
};

/** Filters never fail on a malformed value: it matches nothing. */
function lenientName(ctx: ActionContext, value: string): string {
  try {
    return clusterName(ctx, value);
  } catch {
    return '';
  }
}

export const deleteDBCluster: ActionHandler = (ctx, params) => {
  const cluster = findCluster(ctx, params.required('DBClusterIdentifier'));
  const skip = params.boolean('SkipFinalSnapshot') ?? false;
  const finalId = params.string('FinalDBSnapshotIdentifier');
  if (skip && finalId !== undefined) {
    throw invalidCombination(
      'FinalDBSnapshotIdentifier can not be specified when deleting a DB cluster with SkipFinalSnapshot set to true.',
    );
  }
  if (!skip && finalId === undefined) {
    throw invalidCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is set to true.');
  }
  const finalSnapshotId = finalId === undefined ? undefined : v.snapshotIdentifier(finalId, 'FinalDBSnapshotIdentifier');
  if (cluster.deletionProtection) {
    throw invalidCombination('Cannot delete protected Cluster, please disable deletion protection and try again.');
  }
  const status = actualClusterStatus(cluster);
  if (status === 'deleting') throw invalidClusterState(`DB cluster ${cluster.identifier} is already being deleted.`);
  // RDS's own words: members must be gone or on their way.
  if (ctx.store.membersOf(cluster.identifier).some((m) => actualStatus(m) !== 'deleting')) {
    throw invalidClusterState('Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  }
  if (finalSnapshotId && (status === 'creating' || cluster.createdAt === undefined)) {
    throw invalidClusterState(`DB cluster ${cluster.identifier} is creating: a final snapshot cannot be taken.`);
  }
  if (finalSnapshotId && ctx.store.clusterSnapshots.has(finalSnapshotId)) throw clusterSnapshotAlreadyExists(finalSnapshotId);
  const started = beginClusterTransition(
    cluster,
    'delete',
    deleteClusterPhases(finalSnapshotId),
    ctx.store.transitionId(),
    ctx.now,
    ctx.timing,
  );
  if (finalSnapshotId)
    ctx.store.putClusterSnapshot(clusterSnapshotOf(cluster, finalSnapshotId, 'manual', ctx.now, ctx.store.vpcId, undefined));
  commitCluster(ctx, started);
  return clusterResult(started, ctx, currentClusterView(started));
};
