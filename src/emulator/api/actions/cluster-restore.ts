/**
 * RestoreDBClusterFromSnapshot: a new cluster with the snapshot's data, master user and password,
 * engine and encryption; the request's groups, windows and Serverless v2 range, or the defaults
 * (as RDS: the default security group and cluster parameter group unless named); the snapshot's
 * tags unless Tags are given. Members are created afterwards (CreateDBInstance), as on RDS: the
 * first writer starts from the restored data.
 */
import { CLUSTER_DEFAULT_PORT, findClusterVersion } from '../../model/cluster-catalog.js';
import type { ClusterRecord, ClusterWork } from '../../model/cluster-types.js';
import { newClusterResourceId } from '../../model/ids.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { RdsError, clusterAlreadyExists, invalidClusterSnapshotState, invalidCombination, invalidValue } from '../errors.js';
import type { QueryParams } from '../query.js';
import { clusterResult } from '../render-cluster.js';
import * as v from '../validate.js';
import { resolveSubnetGroup } from './instances.js';
import { clusterEngine, clusterRetention, clusterWindows, resolveClusterVersion } from './clusters.js';
import { commitCluster, findCluster, findClusterParameterGroup, serverlessScaling, startNewCluster } from './cluster-common.js';
import { findClusterSnapshot } from './cluster-snapshots.js';

/** What a restore takes from its source (a snapshot or a source cluster). */
export interface ClusterOrigin {
  engine: ClusterRecord['engine'];
  engineVersion: string;
  masterUsername: string;
  masterPassword: string;
  databaseName?: string;
  port: number;
  storageEncrypted: boolean;
  kmsKeyId?: string;
  tags: ClusterRecord['tags'];
}

/** The new cluster of a restore, from its origin and the request; started `creating` with `work`. */
export function restoredCluster(
  ctx: ActionContext,
  params: QueryParams,
  identifier: string,
  origin: ClusterOrigin,
  work: ClusterWork,
  from: string,
): ClusterRecord {
  const requestedEngine = params.string('Engine');
  if (requestedEngine !== undefined && clusterEngine(requestedEngine) !== origin.engine) {
    throw invalidCombination(`The engine ${requestedEngine} does not match the source's engine ${origin.engine}.`);
  }
  const version =
    params.string('EngineVersion') === undefined
      ? (findClusterVersion(origin.engine, origin.engineVersion) ?? resolveClusterVersion(origin.engine, undefined))
      : resolveClusterVersion(origin.engine, params.string('EngineVersion'));
  const port = params.integer('Port') ?? origin.port ?? CLUSTER_DEFAULT_PORT[origin.engine];
  if (port < 1150 || port > 65535) throw invalidValue('The port number must be between 1150 and 65535.');
  const groupName = params.string('DBClusterParameterGroupName');
  const clusterParameterGroupName =
    groupName === undefined ? `default.${version.family}` : findClusterParameterGroup(ctx, groupName, version.family);
  const subnetGroup = resolveSubnetGroup(ctx, params.string('DBSubnetGroupName'));
  const { maintenance, backup } = clusterWindows(params);
  const tags = params.tags();
  if (tags) v.tags(tags);
  if (ctx.store.cluster(identifier)) throw clusterAlreadyExists();
  const kmsKeyId = params.string('KmsKeyId') ?? origin.kmsKeyId;
  const record: ClusterRecord = {
    identifier,
    resourceId: newClusterResourceId(),
    engine: origin.engine,
    engineVersion: version.version,
    masterUsername: origin.masterUsername,
    masterPassword: origin.masterPassword,
    databaseName: origin.databaseName,
    port,
    storageEncrypted: origin.storageEncrypted || kmsKeyId !== undefined,
    kmsKeyId,
    backupRetentionPeriod: clusterRetention(params.integer('BackupRetentionPeriod')) ?? 1,
    preferredBackupWindow: backup,
    preferredMaintenanceWindow: maintenance,
    deletionProtection: params.boolean('DeletionProtection') ?? false,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    iamDatabaseAuthenticationEnabled: params.boolean('EnableIAMDatabaseAuthentication') ?? false,
    clusterParameterGroupName,
    subnetGroupName: subnetGroup.name,
    vpcSecurityGroupIds: v.securityGroupIds(params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId') ?? [ctx.store.defaultSecurityGroupId]),
    availabilityZones: subnetGroup.subnets.map((s) => s.availabilityZone),
    serverlessV2: serverlessScaling(params),
    tags: (tags && tags.length > 0 ? tags : origin.tags).map((t) => ({ ...t })),
    status: 'available',
    pending: {},
    restoredFrom: from,
  };
  return startNewCluster(ctx, record, 'restore', work);
}

export const restoreDBClusterFromSnapshot: ActionHandler = (ctx, params) => {
  const identifier = v.instanceIdentifier(params.required('DBClusterIdentifier'), 'DBClusterIdentifier');
  params.required('Engine');
  const snapshot = findClusterSnapshot(ctx, params.required('SnapshotIdentifier'));
  if (snapshot.status !== 'available') {
    throw invalidClusterSnapshotState(`DB cluster snapshot ${snapshot.identifier} is not available (it is ${snapshot.status}).`);
  }
  const started = restoredCluster(
    ctx,
    params,
    identifier,
    snapshot,
    { kind: 'restore', snapshotId: snapshot.identifier },
    `snapshot ${snapshot.identifier}`,
  );
  commitCluster(ctx, started);
  return clusterResult(started, ctx);
};

/**
 * RestoreDBClusterToPointInTime: a new cluster with the source's data as it was at `RestoreTime`
 * (or its latest restorable time), inside the source's restorable window (else InvalidRestoreFault).
 * `RestoreType` full-copy (copy-on-write is refused here).
 */
export const restoreDBClusterToPointInTime: ActionHandler = (ctx, params) => {
  const identifier = v.instanceIdentifier(params.required('DBClusterIdentifier'), 'DBClusterIdentifier');
  const source = findCluster(ctx, params.required('SourceDBClusterIdentifier'));
  const restoreType = params.string('RestoreType') ?? 'full-copy';
  if (restoreType === 'copy-on-write') throw invalidCombination('This emulator restores full copies only (RestoreType full-copy).');
  if (restoreType !== 'full-copy') throw invalidValue(`Invalid RestoreType: ${restoreType}`);
  const restoreTime = params.timestamp('RestoreToTime');
  const useLatest = params.boolean('UseLatestRestorableTime') ?? false;
  if (restoreTime !== undefined && useLatest)
    throw invalidCombination('RestoreToTime and UseLatestRestorableTime cannot be used together.');
  if (restoreTime === undefined && !useLatest)
    throw invalidCombination('Either RestoreToTime or UseLatestRestorableTime must be specified.');
  const window = ctx.clusters.restorableWindow(source, ctx.now);
  if (!window) throw new RdsError('InvalidRestoreFault', `DB cluster ${source.identifier} has no restorable time yet.`);
  const target = useLatest ? window.latest : restoreTime!;
  if (target < window.earliest || target > window.latest) {
    throw new RdsError(
      'InvalidRestoreFault',
      `The restore time ${new Date(target).toISOString()} is outside the restorable window ${new Date(window.earliest).toISOString()} to ${new Date(window.latest).toISOString()}.`,
    );
  }
  const work = { kind: 'restore-point-in-time' as const, sourceClusterResourceId: source.resourceId, target };
  const started = restoredCluster(
    ctx,
    params,
    identifier,
    source,
    work,
    `cluster ${source.identifier} at ${new Date(target).toISOString()}`,
  );
  commitCluster(ctx, started);
  return clusterResult(started, ctx);
};
