/**
 * Aurora cluster members: CreateDBInstance with DBClusterIdentifier, and what DeleteDBInstance does
 * to a cluster. The first member is the writer; every later one is a reader, a hot standby of the
 * writer (the read-replica machinery, without the replica's own API surface). Storage, master
 * user, database name, backups and encryption are the cluster's: RDS refuses them on a member.
 */
import { CLUSTER_LICENSE_MODEL, SERVERLESS_CLASS, findClusterVersion, isAuroraClass } from '../../model/cluster-catalog.js';
import { actualClusterStatus } from '../../model/cluster-lifecycle.js';
import type { ClusterRecord } from '../../model/cluster-types.js';
import { newDbiResourceId } from '../../model/ids.js';
import { actualStatus, beginTransition, phase } from '../../model/lifecycle.js';
import type { InstanceRecord, Phase } from '../../model/types.js';
import { checkMaintenanceWindow } from '../../model/windows.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { instanceAlreadyExists, invalidClusterState, invalidCombination, invalidValue, parameterGroupNotFound } from '../errors.js';
import { instanceResult } from '../render-instance.js';
import { unsupportedCombinationMessage } from '../../model/instance-classes.js';
import * as v from '../validate.js';
import { commitCluster, findCluster } from './cluster-common.js';
import { commitInstance } from './common.js';
import { resolveZone } from './instances.js';

/** What RDS refuses on a member, and the setting of the cluster it points to instead. */
const CLUSTER_SETTINGS: [param: string, setting: string][] = [
  ['AllocatedStorage', 'allocated storage'],
  ['MaxAllocatedStorage', 'max allocated storage'],
  ['StorageType', 'storage type'],
  ['Iops', 'IOPS'],
  ['MasterUsername', 'master username'],
  ['MasterUserPassword', 'master user password'],
  ['DBName', 'database name'],
  ['BackupRetentionPeriod', 'backup retention period'],
  ['PreferredBackupWindow', 'preferred backup window'],
  ['StorageEncrypted', 'storage encryption'],
  ['KmsKeyId', 'KMS key'],
  ['VpcSecurityGroupIds', 'VPC security groups'],
  ['Port', 'port'],
  ['DeletionProtection', 'deletion protection'],
  ['MultiAZ', 'Multi-AZ (add readers instead)'],
];

function refuseClusterSettings(given: (name: string) => boolean): void {
  for (const [name, setting] of CLUSTER_SETTINGS) {
    if (given(name)) {
      throw invalidCombination(`The requested DB Instance will be a member of a DB Cluster. Set ${setting} for the DB Cluster.`);
    }
  }
}

export function memberClass(cluster: ClusterRecord, requested: string): string {
  // db.serverless has no size part, so it is not checked against the provisioned classes' shape.
  const instanceClass = requested === SERVERLESS_CLASS ? requested : v.instanceClass(requested);
  if (!isAuroraClass(instanceClass)) {
    throw invalidCombination(
      unsupportedCombinationMessage(instanceClass, cluster.engine, cluster.engineVersion, CLUSTER_LICENSE_MODEL[cluster.engine]),
    );
  }
  if (instanceClass === SERVERLESS_CLASS && !cluster.serverlessV2) {
    throw invalidCombination(
      'Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 DB instance.',
    );
  }
  return instanceClass;
}

/** Members use the DB parameter group named (of the cluster's family), or the family's default. */
export function memberParameterGroup(ctx: ActionContext, name: string | undefined, family: string): string {
  const fallback = `default.${family}`;
  if (name === undefined || name.toLowerCase() === fallback) return fallback;
  const group = ctx.store.parameterGroups.get(name.toLowerCase());
  if (!group) throw parameterGroupNotFound(name);
  if (group.family !== family) {
    throw invalidCombination(
      `The parameter group ${group.name} with DBParameterGroupFamily ${group.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${family}.`,
    );
  }
  return group.name;
}

export const createClusterMember: ActionHandler = (ctx, params) => {
  const identifier = v.instanceIdentifier(params.required('DBInstanceIdentifier'));
  const cluster = findCluster(ctx, params.required('DBClusterIdentifier'));
  const requestedClass = params.required('DBInstanceClass');
  const engine = params.required('Engine').toLowerCase();
  if (engine !== cluster.engine) {
    throw invalidCombination(
      `The engine name requested for your DB instance (${engine}) doesn't match the engine name of your DB cluster (${cluster.engine}).`,
    );
  }
  const requestedVersion = params.string('EngineVersion');
  if (requestedVersion !== undefined && findClusterVersion(cluster.engine, requestedVersion)?.version !== cluster.engineVersion) {
    throw invalidCombination(
      `The engine version of a DB cluster member is the cluster's (${cluster.engineVersion}); ${requestedVersion} was requested.`,
    );
  }
  refuseClusterSettings((name) => params.has(name));
  const instanceClass = memberClass(cluster, requestedClass);
  const family = findClusterVersion(cluster.engine, cluster.engineVersion)?.family ?? '';
  const parameterGroupName = memberParameterGroup(ctx, params.string('DBParameterGroupName'), family);
  const subnetGroup = ctx.store.subnetGroups.get(cluster.subnetGroupName);
  const availabilityZone = resolveZone(
    params,
    subnetGroup ? subnetGroup.subnets.map((s) => s.availabilityZone) : cluster.availabilityZones,
    false,
  );
  const maintenance = params.string('PreferredMaintenanceWindow')?.toLowerCase() ?? cluster.preferredMaintenanceWindow;
  const problem = checkMaintenanceWindow(maintenance);
  if (problem) throw invalidValue(problem);
  const promotionTier = params.integer('PromotionTier') ?? 1;
  if (promotionTier < 0 || promotionTier > 15) throw invalidValue('PromotionTier must be between 0 and 15.');
  const tags = v.tags(params.tags() ?? []);
  if (ctx.store.instance(identifier)) throw instanceAlreadyExists();
  const clusterStatus = actualClusterStatus(cluster);
  if (clusterStatus === 'deleting' || clusterStatus === 'failed') {
    throw invalidClusterState(`DB cluster ${cluster.identifier} is ${clusterStatus}: no instance can join it.`);
  }

  const record: InstanceRecord = {
    identifier,
    dbiResourceId: newDbiResourceId(),
    engine: cluster.engine === 'aurora-postgresql' ? 'postgres' : 'mysql',
    engineVersion: cluster.engineVersion,
    instanceClass,
    allocatedStorage: 1,
    storageType: 'aurora',
    masterUsername: cluster.masterUsername,
    masterPassword: cluster.masterPassword,
    dbName: cluster.databaseName,
    port: cluster.port,
    multiAZ: false,
    availabilityZone,
    // Backups are the cluster's: the member keeps none of its own (no automated instance backups).
    backupRetentionPeriod: 0,
    preferredBackupWindow: cluster.preferredBackupWindow,
    preferredMaintenanceWindow: maintenance,
    parameterGroupName,
    parameterApplyStatus: 'in-sync',
    vpcSecurityGroupIds: [...cluster.vpcSecurityGroupIds],
    subnetGroupName: cluster.subnetGroupName,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? false,
    deletionProtection: false,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? true,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? false,
    storageEncrypted: cluster.storageEncrypted,
    tags,
    status: 'available',
    pending: {},
    databaseReady: false,
    cluster: { identifier: cluster.identifier, engine: cluster.engine, promotionTier },
  };
  const writer = cluster.writer === undefined ? undefined : ctx.store.instance(cluster.writer);
  // The first member writes; every later one is a hot standby of the writer.
  const phases: Phase[] = writer
    ? [phase('creating', { work: { kind: 'create-replica', source: writer.identifier } })]
    : [phase('creating', { work: { kind: 'provision' } })];
  const started = beginTransition(record, 'create', phases, ctx.store.transitionId(), ctx.now, ctx.timing);
  commitInstance(ctx, started);
  if (!writer) commitCluster(ctx, { ...cluster, writer: identifier });
  return instanceResult(started, ctx);
};

/**
 * DeleteDBInstance of a member: no final snapshot (the cluster's data stays with the cluster). When
 * the writer goes, the reader with the best promotion tier (then the oldest name) takes over.
 */
export function checkMemberDeletion(ctx: ActionContext, member: InstanceRecord, params: { finalId?: string }): void {
  const cluster = member.cluster && ctx.store.cluster(member.cluster.identifier);
  const last = ctx.store
    .membersOf(member.cluster!.identifier)
    .every((m) => m.identifier === member.identifier || actualStatus(m) === 'deleting');
  // RDS's own words: a protected cluster keeps its last instance.
  if (cluster?.deletionProtection && last) {
    throw invalidCombination(
      'This database has deletion protection option enabled, to be able to delete the last Aurora DB instance, modify the Aurora cluster and disable deletion protection.',
    );
  }
  if (params.finalId !== undefined) {
    throw invalidCombination(
      'FinalDBSnapshotIdentifier can not be specified when deleting a DB instance that is a member of a DB cluster. Use CreateDBClusterSnapshot.',
    );
  }
}

export function memberDeleted(ctx: ActionContext, member: InstanceRecord): void {
  const cluster = member.cluster && ctx.store.cluster(member.cluster.identifier);
  if (!cluster || cluster.writer !== member.identifier) return;
  const candidates = ctx.store
    .membersOf(cluster.identifier)
    .filter((m) => m.identifier !== member.identifier && actualStatus(m) !== 'deleting')
    .sort((a, b) => a.cluster!.promotionTier - b.cluster!.promotionTier || a.identifier.localeCompare(b.identifier));
  const next = candidates[0];
  commitCluster(ctx, { ...cluster, writer: next?.identifier });
  if (next) failOver(ctx, next, candidates.slice(1));
}

/**
 * A failover: the new writer stops replicating and opens for writes (`modifying`, its server
 * promoted); every other reader is made again as a hot standby of it (`rebooting`), since it
 * followed the writer that goes. Members busy with something else keep it, as they are.
 */
function failOver(ctx: ActionContext, writer: InstanceRecord, readers: InstanceRecord[]): void {
  if (writer.transition || writer.status !== 'available') return;
  const promoted = beginTransition(
    writer,
    'promote',
    [phase('modifying', { work: { kind: 'promote' } })],
    ctx.store.transitionId(),
    ctx.now,
    ctx.timing,
  );
  commitInstance(ctx, promoted);
  for (const reader of readers) {
    if (reader.transition || reader.status !== 'available') continue;
    const phases = [phase('rebooting', { work: { kind: 'create-replica', source: writer.identifier } })];
    commitInstance(ctx, beginTransition(reader, 'reboot', phases, ctx.store.transitionId(), ctx.now, ctx.timing));
  }
}

/** Instance actions RDS refuses on a cluster member, pointing at the cluster's own. */
export function refuseOnMember(inst: InstanceRecord, action: 'snapshot' | 'replica' | 'restore'): void {
  if (!inst.cluster) return;
  const instead = {
    snapshot: 'CreateDBClusterSnapshot',
    replica: 'CreateDBInstance with DBClusterIdentifier (a reader)',
    restore: 'RestoreDBClusterToPointInTime',
  };
  throw invalidCombination(
    `The DB instance ${inst.identifier} is a member of the DB cluster ${inst.cluster.identifier}: use ${instead[action]} instead.`,
  );
}

/** ModifyDBInstance of a member: what is the cluster's is changed on the cluster (ModifyDBCluster). */
export function refuseMemberModification(inst: InstanceRecord, given: (name: string) => boolean): void {
  if (!inst.cluster) return;
  for (const [name, setting] of CLUSTER_SETTINGS) {
    if (given(name)) {
      throw invalidCombination(
        `The specified DB instance is a member of a DB cluster. Modify ${setting} for the DB cluster using ModifyDBCluster.`,
      );
    }
  }
  if (given('EngineVersion'))
    throw invalidCombination(
      'The specified DB instance is a member of a DB cluster. Modify the engine version for the DB cluster using ModifyDBCluster.',
    );
}
