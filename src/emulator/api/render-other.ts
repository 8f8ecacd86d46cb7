/** DBSnapshot, DBInstanceAutomatedBackup, DBParameterGroup, Parameter and DBEngineVersion as the SDK reads them. */
import { LICENSE_MODEL, findVersion, upgradeTargets, type EngineVersionInfo } from '../model/catalog.js';
import type { ParameterDefinition } from '../model/parameters.js';
import type { AutomatedBackupRecord, ParameterGroupRecord, SnapshotRecord } from '../model/types.js';
import type { ActionContext } from './context.js';
import { el, list, tagList, time } from './xml.js';

function optionGroupOf(engine: SnapshotRecord['engine'], version: string): string {
  const major = findVersion(engine, version)?.major ?? version;
  return `default:${engine}-${major.replace(/\./g, '-')}`;
}

export function renderSnapshot(s: SnapshotRecord, ctx: ActionContext, status: string = s.status): string {
  const done = s.status !== 'creating';
  return (
    el('DBSnapshotIdentifier', s.identifier) +
    el('DBInstanceIdentifier', s.instanceIdentifier) +
    (done ? time('SnapshotCreateTime', s.createdAt) : '') +
    el('Engine', s.engine) +
    el('AllocatedStorage', s.allocatedStorage) +
    el('Status', status) +
    el('Port', s.port) +
    el('AvailabilityZone', s.availabilityZone) +
    el('VpcId', s.vpcId) +
    time('InstanceCreateTime', s.instanceCreateTime) +
    el('MasterUsername', s.masterUsername) +
    el('EngineVersion', s.engineVersion) +
    el('LicenseModel', LICENSE_MODEL[s.engine]) +
    el('SnapshotType', s.type) +
    el('Iops', s.iops) +
    el('OptionGroupName', optionGroupOf(s.engine, s.engineVersion)) +
    el('PercentProgress', done ? 100 : 0) +
    el('StorageType', s.storageType) +
    el('StorageThroughput', s.storageThroughput) +
    '<Encrypted>false</Encrypted>' +
    el('DBSnapshotArn', ctx.arns.of('snapshot', s.identifier)) +
    '<IAMDatabaseAuthenticationEnabled>false</IAMDatabaseAuthenticationEnabled>' +
    '<ProcessorFeatures/>' +
    el('DbiResourceId', s.dbiResourceId) +
    tagList('TagList', s.tags) +
    (done ? time('OriginalSnapshotCreateTime', s.createdAt) : '') +
    (done ? time('SnapshotDatabaseTime', s.createdAt) : '') +
    '<SnapshotTarget>region</SnapshotTarget>' +
    '<DedicatedLogVolume>false</DedicatedLogVolume>' +
    '<MultiTenant>false</MultiTenant>' +
    el('BackupRetentionPeriod', s.backupRetentionPeriod) +
    el('PreferredBackupWindow', s.preferredBackupWindow)
  );
}

export function renderAutomatedBackup(
  b: AutomatedBackupRecord,
  ctx: ActionContext,
  window: { earliest?: number; latest?: number } | undefined,
): string {
  return (
    el('DBInstanceArn', ctx.arns.of('db', b.instanceIdentifier)) +
    el('DbiResourceId', b.dbiResourceId) +
    el('Region', ctx.region) +
    el('DBInstanceIdentifier', b.instanceIdentifier) +
    (window ? `<RestoreWindow>${time('EarliestTime', window.earliest)}${time('LatestTime', window.latest)}</RestoreWindow>` : '') +
    el('AllocatedStorage', b.allocatedStorage) +
    el('Status', b.status) +
    el('Port', b.port) +
    el('AvailabilityZone', b.availabilityZone) +
    el('VpcId', b.vpcId) +
    time('InstanceCreateTime', b.instanceCreateTime) +
    el('MasterUsername', b.masterUsername) +
    el('Engine', b.engine) +
    el('EngineVersion', b.engineVersion) +
    el('LicenseModel', LICENSE_MODEL[b.engine]) +
    el('OptionGroupName', optionGroupOf(b.engine, b.engineVersion)) +
    '<Encrypted>false</Encrypted>' +
    el('StorageType', b.storageType) +
    '<IAMDatabaseAuthenticationEnabled>false</IAMDatabaseAuthenticationEnabled>' +
    el('BackupRetentionPeriod', b.backupRetentionPeriod) +
    el('PreferredBackupWindow', b.preferredBackupWindow) +
    el('DBInstanceAutomatedBackupsArn', ctx.arns.of('auto-backup', b.backupId)) +
    '<DBInstanceAutomatedBackupsReplications/>' +
    '<BackupTarget>region</BackupTarget>' +
    '<MultiTenant>false</MultiTenant>' +
    tagList('TagList', b.tags) +
    '<DedicatedLogVolume>false</DedicatedLogVolume>'
  );
}

export function renderParameterGroup(g: ParameterGroupRecord, ctx: ActionContext): string {
  return (
    el('DBParameterGroupName', g.name) +
    el('DBParameterGroupFamily', g.family) +
    el('Description', g.description) +
    el('DBParameterGroupArn', ctx.arns.of('pg', g.name))
  );
}

export function renderParameter(def: ParameterDefinition, group: ParameterGroupRecord): string {
  const user = group.values[def.name];
  return (
    el('ParameterName', def.name) +
    el('ParameterValue', user ? user.value : def.defaultValue) +
    el('Description', def.description) +
    el('Source', user ? 'user' : def.source) +
    el('ApplyType', def.applyType) +
    el('DataType', def.dataType) +
    el('AllowedValues', def.allowedValues) +
    el('IsModifiable', String(def.isModifiable)) +
    el('ApplyMethod', user ? user.method : 'pending-reboot')
  );
}

export function renderEngineVersion(info: EngineVersionInfo): string {
  return (
    el('Engine', info.engine) +
    el('MajorEngineVersion', info.major) +
    el('EngineVersion', info.version) +
    el('DBParameterGroupFamily', info.family) +
    el('DBEngineDescription', info.description.split(' ').slice(0, -1).join(' ')) +
    el('DBEngineVersionDescription', info.description) +
    list(
      'ValidUpgradeTarget',
      'UpgradeTarget',
      upgradeTargets(info),
      (t) =>
        el('Engine', t.version.engine) +
        el('EngineVersion', t.version.version) +
        el('Description', t.version.description) +
        '<AutoUpgrade>false</AutoUpgrade>' +
        el('IsMajorVersionUpgrade', t.isMajorVersionUpgrade),
    ) +
    '<ExportableLogTypes/>' +
    '<SupportsLogExportsToCloudwatchLogs>true</SupportsLogExportsToCloudwatchLogs>' +
    '<SupportsReadReplica>true</SupportsReadReplica>' +
    '<Status>available</Status>' +
    '<TagList/>'
  );
}
