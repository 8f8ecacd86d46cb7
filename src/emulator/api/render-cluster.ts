/**
 * A DBCluster and a DBClusterSnapshot as RDS returns them, member names as the SDK's model reads
 * them (AvailabilityZones/AvailabilityZone, DBClusterMembers/DBClusterMember, TagList/Tag…).
 */
import { visibleClusterView } from '../model/cluster-lifecycle.js';
import type { ClusterPending, ClusterRecord, ClusterSnapshotRecord, ClusterView } from '../model/cluster-types.js';
import type { ActionContext } from './context.js';
import { el, escapeXml, list, stringList, tagList, time } from './xml.js';

import { READER_HOST as READER_ADDRESS, WRITER_HOST as WRITER_ADDRESS } from '../runtime/endpoint-proxy.js';

function pendingXml(p: ClusterPending): string {
  const inner = (p.MasterUserPassword ? '<MasterUserPassword>****</MasterUserPassword>' : '') + el('EngineVersion', p.EngineVersion);
  return inner ? `<PendingModifiedValues>${inner}</PendingModifiedValues>` : '';
}

function membersXml(cluster: ClusterRecord, ctx: ActionContext): string {
  return list(
    'DBClusterMembers',
    'DBClusterMember',
    ctx.store.membersOf(cluster.identifier),
    (m) =>
      el('DBInstanceIdentifier', m.identifier) +
      el('IsClusterWriter', m.identifier === cluster.writer) +
      '<DBClusterParameterGroupStatus>in-sync</DBClusterParameterGroupStatus>' +
      el('PromotionTier', m.cluster?.promotionTier ?? 1),
  );
}

/** `view` overrides what the lag would show (a mutating call's own response shows its effect). */
export function renderCluster(
  cluster: ClusterRecord,
  ctx: ActionContext,
  view: ClusterView = visibleClusterView(cluster, ctx.now),
): string {
  const members = ctx.store.membersOf(cluster.identifier);
  const window = ctx.clusters.restorableWindow(cluster, ctx.now);
  const zones = new Set(members.map((m) => m.availabilityZone));
  return (
    '<AllocatedStorage>1</AllocatedStorage>' +
    stringList('AvailabilityZones', 'AvailabilityZone', cluster.availabilityZones) +
    el('BackupRetentionPeriod', cluster.backupRetentionPeriod) +
    el('DatabaseName', cluster.databaseName) +
    el('DBClusterIdentifier', cluster.identifier) +
    el('DBClusterParameterGroup', cluster.clusterParameterGroupName) +
    el('DBSubnetGroup', cluster.subnetGroupName) +
    el('Status', view.status) +
    time('EarliestRestorableTime', window?.earliest) +
    el('Endpoint', WRITER_ADDRESS) +
    el('ReaderEndpoint', READER_ADDRESS) +
    '<CustomEndpoints/>' +
    el('MultiAZ', zones.size > 1) +
    el('Engine', cluster.engine) +
    el('EngineVersion', cluster.engineVersion) +
    time('LatestRestorableTime', window?.latest) +
    el('Port', cluster.port) +
    el('MasterUsername', cluster.masterUsername) +
    '<DBClusterOptionGroupMemberships/>' +
    el('PreferredBackupWindow', cluster.preferredBackupWindow) +
    el('PreferredMaintenanceWindow', cluster.preferredMaintenanceWindow) +
    '<ReadReplicaIdentifiers/>' +
    membersXml(cluster, ctx) +
    list(
      'VpcSecurityGroups',
      'VpcSecurityGroupMembership',
      cluster.vpcSecurityGroupIds,
      (id) => `<VpcSecurityGroupId>${escapeXml(id)}</VpcSecurityGroupId><Status>active</Status>`,
    ) +
    '<HostedZoneId>Z2R2ITUGPM61AM</HostedZoneId>' +
    el('StorageEncrypted', cluster.storageEncrypted) +
    el('KmsKeyId', cluster.kmsKeyId) +
    el('DbClusterResourceId', cluster.resourceId) +
    el('DBClusterArn', ctx.arns.of('cluster', cluster.identifier)) +
    '<AssociatedRoles/>' +
    el('IAMDatabaseAuthenticationEnabled', cluster.iamDatabaseAuthenticationEnabled) +
    time('ClusterCreateTime', cluster.createdAt) +
    '<EnabledCloudwatchLogsExports/>' +
    pendingXml(view.pending) +
    '<EngineMode>provisioned</EngineMode>' +
    '<StorageType>aurora</StorageType>' +
    '<AutoMinorVersionUpgrade>true</AutoMinorVersionUpgrade>' +
    el('DeletionProtection', cluster.deletionProtection) +
    '<HttpEndpointEnabled>false</HttpEndpointEnabled>' +
    el('CopyTagsToSnapshot', cluster.copyTagsToSnapshot) +
    '<CrossAccountClone>false</CrossAccountClone>' +
    '<DomainMemberships/>' +
    tagList('TagList', cluster.tags) +
    '<NetworkType>IPV4</NetworkType>' +
    (cluster.serverlessV2
      ? `<ServerlessV2ScalingConfiguration>${el('MinCapacity', cluster.serverlessV2.minCapacity)}${el('MaxCapacity', cluster.serverlessV2.maxCapacity)}</ServerlessV2ScalingConfiguration>`
      : '') +
    '<EngineLifecycleSupport>open-source-rds-extended-support</EngineLifecycleSupport>'
  );
}

export function clusterResult(cluster: ClusterRecord, ctx: ActionContext, view?: ClusterView): string {
  return `<DBCluster>${renderCluster(cluster, ctx, view)}</DBCluster>`;
}

export function renderClusterSnapshot(s: ClusterSnapshotRecord, ctx: ActionContext, status: string = s.status): string {
  return (
    stringList('AvailabilityZones', 'AvailabilityZone', s.availabilityZones) +
    el('DBClusterSnapshotIdentifier', s.identifier) +
    el('DBClusterIdentifier', s.clusterIdentifier) +
    time('SnapshotCreateTime', s.createdAt) +
    el('Engine', s.engine) +
    '<EngineMode>provisioned</EngineMode>' +
    '<AllocatedStorage>1</AllocatedStorage>' +
    el('Status', status) +
    el('Port', s.port) +
    el('VpcId', s.vpcId) +
    time('ClusterCreateTime', s.clusterCreateTime) +
    el('MasterUsername', s.masterUsername) +
    el('EngineVersion', s.engineVersion) +
    el('LicenseModel', s.engine === 'aurora-postgresql' ? 'postgresql-license' : 'general-public-license') +
    el('SnapshotType', s.type) +
    el('PercentProgress', s.status === 'creating' ? 0 : 100) +
    el('StorageEncrypted', s.storageEncrypted) +
    el('KmsKeyId', s.kmsKeyId) +
    el('DBClusterSnapshotArn', ctx.arns.of('cluster-snapshot', s.identifier)) +
    '<IAMDatabaseAuthenticationEnabled>false</IAMDatabaseAuthenticationEnabled>' +
    tagList('TagList', s.tags) +
    el('DbClusterResourceId', s.clusterResourceId) +
    '<StorageType>aurora</StorageType>'
  );
}
