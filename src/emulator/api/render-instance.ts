/**
 * A DBInstance as DescribeDBInstances returns it, member names as the SDK's model reads them
 * (TagList/Tag, VpcSecurityGroups/VpcSecurityGroupMembership, DBParameterGroups/DBParameterGroup…).
 */
import { DEFAULT_FEATURES, renderFeatures } from './instance-features.js';
import { describedPerformance } from './storage.js';
import { LICENSE_MODEL, findVersion } from '../model/catalog.js';
import { CLUSTER_LICENSE_MODEL } from '../model/cluster-catalog.js';
import { visibleState } from '../model/lifecycle.js';
import type { InstanceRecord, PendingChanges, SubnetGroupRecord, VisibleState } from '../model/types.js';
import type { ActionContext } from './context.js';
import { el, escapeXml, list, tagList, time } from './xml.js';

const YEAR_MS = 365 * 24 * 3600_000;

function pendingXml(p: PendingChanges): string {
  const inner =
    el('DBInstanceClass', p.DBInstanceClass) +
    el('AllocatedStorage', p.AllocatedStorage) +
    (p.MasterUserPassword ? '<MasterUserPassword>****</MasterUserPassword>' : '') +
    el('BackupRetentionPeriod', p.BackupRetentionPeriod) +
    el('MultiAZ', p.MultiAZ) +
    el('EngineVersion', p.EngineVersion) +
    el('Iops', p.Iops || undefined) +
    el('StorageType', p.StorageType) +
    el('StorageThroughput', p.StorageThroughput || undefined);
  return inner ? `<PendingModifiedValues>${inner}</PendingModifiedValues>` : '<PendingModifiedValues/>';
}

export function subnetGroupXml(group: SubnetGroupRecord, arn: string): string {
  return (
    el('DBSubnetGroupName', group.name) +
    el('DBSubnetGroupDescription', group.description) +
    el('VpcId', group.vpcId) +
    '<SubnetGroupStatus>Complete</SubnetGroupStatus>' +
    list(
      'Subnets',
      'Subnet',
      group.subnets,
      (s) =>
        el('SubnetIdentifier', s.id) +
        `<SubnetAvailabilityZone>${el('Name', s.availabilityZone)}</SubnetAvailabilityZone>` +
        '<SubnetOutpost/><SubnetStatus>Active</SubnetStatus>',
    ) +
    el('DBSubnetGroupArn', arn) +
    '<SupportedNetworkTypes><member>IPV4</member></SupportedNetworkTypes>'
  );
}

function optionGroupName(inst: InstanceRecord): string {
  if (inst.cluster) {
    const major = inst.cluster.engine === 'aurora-mysql' ? '8.0' : inst.engineVersion.split('.')[0]!;
    return `default:${inst.cluster.engine}-${major.replace(/\./g, '-')}`;
  }
  const major = findVersion(inst.engine, inst.engineVersion)?.major ?? inst.engineVersion;
  return `default:${inst.engine}-${major.replace(/\./g, '-')}`;
}

/** StatusInfos of a read replica: its replication as the replica itself reports it. */
function statusInfos(inst: InstanceRecord, ctx: ActionContext): string {
  const state = inst.createdAt === undefined ? undefined : ctx.fleet.replicationOf(inst);
  if (!state) return '';
  return (
    '<StatusInfos><DBInstanceStatusInfo><StatusType>read replication</StatusType>' +
    el('Normal', state.status === 'replicating') +
    el('Status', state.status) +
    el('Message', state.message) +
    '</DBInstanceStatusInfo></StatusInfos>'
  );
}

/** `view` overrides what the lag would show (a mutating call's own response shows its effect). */
export function renderInstance(inst: InstanceRecord, ctx: ActionContext, view: VisibleState = visibleState(inst, ctx.now)): string {
  const exists = inst.createdAt !== undefined;
  const window = exists ? ctx.fleet.restorableWindow(inst) : undefined;
  const subnetGroup = ctx.store.subnetGroups.get(inst.subnetGroupName);
  const showEndpoint = exists && view.status !== 'creating';
  const performance = describedPerformance(inst);
  // A cluster member shows the cluster's engine and backups (its server is only what stands in for it).
  const cluster = inst.cluster ? ctx.store.cluster(inst.cluster.identifier) : undefined;
  return (
    el('DBInstanceIdentifier', inst.identifier) +
    el('DBInstanceClass', inst.instanceClass) +
    el('Engine', inst.cluster?.engine ?? inst.engine) +
    el('DBInstanceStatus', view.status) +
    el('MasterUsername', inst.masterUsername) +
    el('DBName', inst.dbName) +
    (showEndpoint
      ? `<Endpoint><Address>127.0.0.1</Address><Port>${inst.port}</Port><HostedZoneId>Z2R2ITUGPM61AM</HostedZoneId></Endpoint>`
      : '') +
    el('AllocatedStorage', inst.allocatedStorage) +
    time('InstanceCreateTime', inst.createdAt) +
    el('PreferredBackupWindow', inst.preferredBackupWindow) +
    el('BackupRetentionPeriod', cluster?.backupRetentionPeriod ?? inst.backupRetentionPeriod) +
    '<DBSecurityGroups/>' +
    list(
      'VpcSecurityGroups',
      'VpcSecurityGroupMembership',
      inst.vpcSecurityGroupIds,
      (id) => `<VpcSecurityGroupId>${escapeXml(id)}</VpcSecurityGroupId><Status>active</Status>`,
    ) +
    `<DBParameterGroups><DBParameterGroup>${el('DBParameterGroupName', view.parameterGroupName ?? inst.parameterGroupName)}` +
    `${el('ParameterApplyStatus', view.parameterApplyStatus)}</DBParameterGroup></DBParameterGroups>` +
    (exists ? el('AvailabilityZone', inst.availabilityZone) : '') +
    (subnetGroup ? `<DBSubnetGroup>${subnetGroupXml(subnetGroup, ctx.arns.of('subgrp', subnetGroup.name))}</DBSubnetGroup>` : '') +
    el('PreferredMaintenanceWindow', inst.preferredMaintenanceWindow) +
    pendingXml(view.pending) +
    time('LatestRestorableTime', window?.latest) +
    el('MultiAZ', inst.multiAZ) +
    el('EngineVersion', inst.engineVersion) +
    el('AutoMinorVersionUpgrade', inst.autoMinorVersionUpgrade) +
    el('ReadReplicaSourceDBInstanceIdentifier', inst.readReplicaSource) +
    list('ReadReplicaDBInstanceIdentifiers', 'ReadReplicaDBInstanceIdentifier', ctx.store.replicasOf(inst.identifier), escapeXml) +
    el('LicenseModel', inst.cluster ? CLUSTER_LICENSE_MODEL[inst.cluster.engine] : LICENSE_MODEL[inst.engine]) +
    el('Iops', performance.iops) +
    `<OptionGroupMemberships><OptionGroupMembership><OptionGroupName>${optionGroupName(inst)}</OptionGroupName><Status>in-sync</Status></OptionGroupMembership></OptionGroupMemberships>` +
    el('PubliclyAccessible', inst.publiclyAccessible) +
    el('DBClusterIdentifier', inst.cluster?.identifier) +
    (inst.cluster ? el('PromotionTier', inst.cluster.promotionTier) : '') +
    statusInfos(inst, ctx) +
    el('StorageType', inst.storageType) +
    el('StorageThroughput', performance.storageThroughput) +
    '<DbInstancePort>0</DbInstancePort>' +
    el('StorageEncrypted', inst.storageEncrypted) +
    el('DbiResourceId', inst.dbiResourceId) +
    renderFeatures(inst.features) +
    '<DomainMemberships/>' +
    el('CopyTagsToSnapshot', inst.copyTagsToSnapshot) +
    el('DBInstanceArn', ctx.arns.of('db', inst.identifier)) +
    el('DeletionProtection', inst.deletionProtection) +
    '<AssociatedRoles/>' +
    el('MaxAllocatedStorage', inst.maxAllocatedStorage) +
    tagList('TagList', inst.tags) +
    '<CustomerOwnedIpEnabled>false</CustomerOwnedIpEnabled>' +
    '<NetworkType>IPV4</NetworkType>' +
    '<BackupTarget>region</BackupTarget>' +
    (exists
      ? `<CertificateDetails><CAIdentifier>${(inst.features ?? DEFAULT_FEATURES).caCertificateIdentifier}</CAIdentifier>${time('ValidTill', inst.createdAt! + YEAR_MS)}</CertificateDetails>`
      : '') +
    '<DedicatedLogVolume>false</DedicatedLogVolume>' +
    '<IsStorageConfigUpgradeAvailable>false</IsStorageConfigUpgradeAvailable>' +
    '<EngineLifecycleSupport>open-source-rds-extended-support</EngineLifecycleSupport>'
  );
}

export function instanceResult(inst: InstanceRecord, ctx: ActionContext, view?: VisibleState): string {
  return `<DBInstance>${renderInstance(inst, ctx, view)}</DBInstance>`;
}
