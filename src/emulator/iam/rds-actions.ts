/**
 * What each RDS call is authorised on, after the Service Authorization Reference ("Actions,
 * resources, and condition keys for Amazon RDS"): the resources of every type the action lists that
 * the request involves — the defaults RDS picks included (CreateDBInstance without a parameter group
 * still uses, and is authorised on, `pg:default.<family>`) — and the permissions RDS checks on top
 * (rds:AddTagsToResource when a create carries Tags; rds:CreateDBSnapshot for DeleteDBInstance's
 * final snapshot). Pure: existing records are read through a view.
 */
import type { QueryParams } from '../api/query.js';

/** RDS resource types, as their ARNs spell them. */
export type ResourceType =
  | 'db'
  | 'snapshot'
  | 'pg'
  | 'og'
  | 'subgrp'
  | 'secgrp'
  | 'auto-backup'
  | 'es'
  | 'cluster'
  | 'cluster-snapshot'
  | 'cluster-pg';

export interface Need {
  /** Another action than the call's own (a permission RDS checks as well). */
  action?: string;
  /** A resource of this type and name (or a full ARN as the caller gave it); none: `*`. */
  type?: ResourceType;
  name?: string;
  /** Context keys that hold for this resource only (a new instance's engine, class…). */
  context?: Record<string, string>;
}

export interface Defaults {
  parameterGroup: string;
  optionGroup: string;
}

/** What the mapping needs to know of existing records. */
export interface RecordView {
  /** The default groups of an engine version (or of the engine's default version). */
  defaults(engine: string, version?: string): Defaults | undefined;
  instance(identifier: string): { engine: string; engineVersion: string; automatedBackupArn?: string } | undefined;
  snapshot(identifier: string): { engine: string; engineVersion: string } | undefined;
  /** The default cluster parameter group of an Aurora engine version (or of the engine's default version). */
  clusterDefaults(engine: string, version?: string): string | undefined;
  cluster(identifier: string): { engine: string } | undefined;
  automatedBackup(dbiResourceIdOrArn: string): { arn: string; engine: string; engineVersion: string } | undefined;
}

type Mapping = (params: QueryParams, view: RecordView) => Need[];

const lower = (value: string | undefined) => (value === undefined || value.startsWith('arn:') ? value : value.toLowerCase());

function need(type: ResourceType, name: string | undefined, extra: Partial<Need> = {}): Need[] {
  return name === undefined || name === '' ? [] : [{ type, name: lower(name), ...extra }];
}

/** `db:*` for a describe of everything of a type, the resource itself when one is named. */
function oneOrAll(type: ResourceType, name: string | undefined): Need[] {
  return [{ type, name: name === undefined || name === '' ? '*' : lower(name) }];
}

function tagsGiven(params: QueryParams): boolean {
  return (params.tags()?.length ?? 0) > 0;
}

/** rds:AddTagsToResource on the resource a create makes, when the create carries tags. */
function tagOnCreate(params: QueryParams, type: ResourceType, name: string | undefined): Need[] {
  return tagsGiven(params) ? need(type, name, { action: 'rds:AddTagsToResource', context: { 'rds:tagsfromrequest': 'true' } }) : [];
}

/** The groups a new instance uses: the ones named, else the engine version's defaults. */
function groups(params: QueryParams, defaults: Defaults | undefined): Need[] {
  return [
    ...need('pg', params.string('DBParameterGroupName') ?? defaults?.parameterGroup),
    ...need('og', params.string('OptionGroupName') ?? defaults?.optionGroup),
    ...need('subgrp', params.string('DBSubnetGroupName') ?? 'default'),
    ...(params.list('DBSecurityGroups', 'DBSecurityGroupName') ?? []).flatMap((name) => need('secgrp', name)),
  ];
}

/** Context keys of the db resource a create or restore makes, from the request. */
function newInstanceContext(params: QueryParams, engine: string | undefined): Record<string, string> {
  const context: Record<string, string> = { 'rds:vpc': 'true' };
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined) context[key] = value;
  };
  set('rds:databaseengine', engine?.toLowerCase());
  set('rds:databaseclass', params.string('DBInstanceClass'));
  set('rds:databasename', params.string('DBName'));
  set('rds:multiaz', params.string('MultiAZ')?.toLowerCase() ?? 'false');
  set('rds:storagesize', params.string('AllocatedStorage'));
  set('rds:piops', params.string('Iops') ?? '0');
  set('rds:storageencrypted', params.string('StorageEncrypted')?.toLowerCase() ?? 'false');
  return context;
}

function newInstance(params: QueryParams, identifier: string | undefined, engine: string | undefined): Need[] {
  return [...need('db', identifier, { context: newInstanceContext(params, engine) }), ...tagOnCreate(params, 'db', identifier)];
}

const createDBInstance: Mapping = (params, view) => {
  const engine = params.string('Engine');
  const defaults = engine === undefined ? undefined : view.defaults(engine.toLowerCase(), params.string('EngineVersion'));
  // A cluster member is authorised on its cluster too, as the reference lists `cluster` for CreateDBInstance.
  return [
    ...newInstance(params, params.string('DBInstanceIdentifier'), engine),
    ...groups(params, defaults),
    ...need('cluster', params.string('DBClusterIdentifier')),
  ];
};

/** The cluster parameter group and subnet group a new cluster uses: the ones named, else the defaults. */
function clusterGroups(params: QueryParams, defaultGroup: string | undefined): Need[] {
  return [
    ...need('cluster-pg', params.string('DBClusterParameterGroupName') ?? defaultGroup),
    ...need('subgrp', params.string('DBSubnetGroupName') ?? 'default'),
  ];
}

function newCluster(params: QueryParams, identifier: string | undefined, engine: string | undefined): Need[] {
  const context: Record<string, string> = { 'rds:storageencrypted': params.string('StorageEncrypted')?.toLowerCase() ?? 'false' };
  if (engine !== undefined) context['rds:databaseengine'] = engine.toLowerCase();
  return [...need('cluster', identifier, { context }), ...tagOnCreate(params, 'cluster', identifier)];
}

const createDBCluster: Mapping = (params, view) => {
  const engine = params.string('Engine');
  const defaultGroup = engine === undefined ? undefined : view.clusterDefaults(engine.toLowerCase(), params.string('EngineVersion'));
  return [...newCluster(params, params.string('DBClusterIdentifier'), engine), ...clusterGroups(params, defaultGroup)];
};

const restoreClusterFromSnapshot: Mapping = (params, view) => {
  const engine = params.string('Engine');
  const defaultGroup = engine === undefined ? undefined : view.clusterDefaults(engine.toLowerCase(), params.string('EngineVersion'));
  return [
    ...newCluster(params, params.string('DBClusterIdentifier'), engine),
    ...need('cluster-snapshot', params.string('SnapshotIdentifier')),
    ...clusterGroups(params, defaultGroup),
  ];
};

const restoreClusterToPointInTime: Mapping = (params, view) => {
  const sourceId = params.string('SourceDBClusterIdentifier');
  const engine = sourceId === undefined ? undefined : view.cluster(lower(sourceId)!)?.engine;
  const defaultGroup = engine === undefined ? undefined : view.clusterDefaults(engine, params.string('EngineVersion'));
  return [
    ...newCluster(params, params.string('DBClusterIdentifier'), engine),
    ...need('cluster', sourceId),
    ...clusterGroups(params, defaultGroup),
  ];
};

const modifyDBCluster: Mapping = (params) => [
  ...need('cluster', params.string('DBClusterIdentifier')),
  ...need('cluster-pg', params.string('DBClusterParameterGroupName')),
];

const deleteDBCluster: Mapping = (params) => [
  ...need('cluster', params.string('DBClusterIdentifier')),
  ...need('cluster-snapshot', params.string('FinalDBSnapshotIdentifier'), { action: 'rds:CreateDBClusterSnapshot' }),
];

const createDBClusterSnapshot: Mapping = (params) => [
  ...need('cluster', params.string('DBClusterIdentifier')),
  ...need('cluster-snapshot', params.string('DBClusterSnapshotIdentifier')),
  ...tagOnCreate(params, 'cluster-snapshot', params.string('DBClusterSnapshotIdentifier')),
];

const describeDBClusterSnapshots: Mapping = (params) => {
  const snapshot = params.string('DBClusterSnapshotIdentifier');
  const cluster = params.string('DBClusterIdentifier');
  if (snapshot === undefined && cluster === undefined) return oneOrAll('cluster-snapshot', undefined);
  return [...need('cluster-snapshot', snapshot), ...need('cluster', cluster)];
};

const onClusterParameterGroup: Mapping = (params) => need('cluster-pg', params.string('DBClusterParameterGroupName'));

const createClusterParameterGroup: Mapping = (params) => [
  ...need('cluster-pg', params.string('DBClusterParameterGroupName')),
  ...tagOnCreate(params, 'cluster-pg', params.string('DBClusterParameterGroupName')),
];

const restoreFromSnapshot: Mapping = (params, view) => {
  const snapshotId = params.string('DBSnapshotIdentifier');
  const snapshot = snapshotId === undefined ? undefined : view.snapshot(lower(snapshotId)!);
  const defaults = snapshot && view.defaults(snapshot.engine, snapshot.engineVersion);
  return [
    ...newInstance(params, params.string('DBInstanceIdentifier'), snapshot?.engine),
    ...need('snapshot', snapshotId),
    ...groups(params, defaults),
  ];
};

const restoreToPointInTime: Mapping = (params, view) => {
  const sourceId = params.string('SourceDBInstanceIdentifier');
  const source = sourceId === undefined ? undefined : view.instance(lower(sourceId)!);
  const backupRef = params.string('SourceDBInstanceAutomatedBackupsArn') ?? params.string('SourceDbiResourceId');
  const backup = backupRef === undefined ? undefined : view.automatedBackup(backupRef);
  const backupArn = params.string('SourceDBInstanceAutomatedBackupsArn') ?? backup?.arn ?? source?.automatedBackupArn;
  const origin = source ?? backup;
  const defaults = origin && view.defaults(origin.engine, origin.engineVersion);
  return [
    ...newInstance(params, params.string('TargetDBInstanceIdentifier'), origin?.engine),
    ...need('db', sourceId),
    ...need('auto-backup', backupArn),
    ...groups(params, defaults),
  ];
};

const readReplica: Mapping = (params, view) => {
  const sourceId = params.string('SourceDBInstanceIdentifier');
  const source = sourceId === undefined ? undefined : view.instance(lower(sourceId)!);
  const defaults = source && view.defaults(source.engine, source.engineVersion);
  return [
    ...newInstance(params, params.string('DBInstanceIdentifier'), source?.engine),
    ...need('db', sourceId),
    ...groups(params, defaults),
  ];
};

const modifyDBInstance: Mapping = (params) => [
  ...need('db', params.string('DBInstanceIdentifier')),
  ...need('pg', params.string('DBParameterGroupName')),
  ...need('og', params.string('OptionGroupName')),
  ...need('subgrp', params.string('DBSubnetGroupName')),
  ...(params.list('DBSecurityGroups', 'DBSecurityGroupName') ?? []).flatMap((name) => need('secgrp', name)),
];

const onInstance: Mapping = (params) => need('db', params.string('DBInstanceIdentifier'));

const deleteDBInstance: Mapping = (params) => [
  ...need('db', params.string('DBInstanceIdentifier')),
  ...need('snapshot', params.string('FinalDBSnapshotIdentifier'), { action: 'rds:CreateDBSnapshot' }),
];

const createDBSnapshot: Mapping = (params) => [
  ...need('db', params.string('DBInstanceIdentifier')),
  ...need('snapshot', params.string('DBSnapshotIdentifier')),
  ...tagOnCreate(params, 'snapshot', params.string('DBSnapshotIdentifier')),
];

const describeDBSnapshots: Mapping = (params) => {
  const snapshot = params.string('DBSnapshotIdentifier');
  const instance = params.string('DBInstanceIdentifier');
  if (snapshot === undefined && instance === undefined) return oneOrAll('snapshot', undefined);
  return [...need('snapshot', snapshot), ...need('db', instance)];
};

const automatedBackup = (params: QueryParams, view: RecordView): string | undefined => {
  const dbi = params.string('DbiResourceId');
  return params.string('DBInstanceAutomatedBackupsArn') ?? (dbi === undefined ? undefined : (view.automatedBackup(dbi)?.arn ?? dbi));
};

const describeAutomatedBackups: Mapping = (params, view) => {
  const instance = params.string('DBInstanceIdentifier');
  const backup = automatedBackup(params, view);
  if (instance === undefined && backup === undefined) return oneOrAll('auto-backup', undefined);
  return [...need('db', instance), ...need('auto-backup', backup)];
};

const onParameterGroup: Mapping = (params) => need('pg', params.string('DBParameterGroupName'));

const createParameterGroup: Mapping = (params) => [
  ...need('pg', params.string('DBParameterGroupName')),
  ...tagOnCreate(params, 'pg', params.string('DBParameterGroupName')),
];

const onSubnetGroup: Mapping = (params) => need('subgrp', params.string('DBSubnetGroupName'));

const createSubnetGroup: Mapping = (params) => [
  ...need('subgrp', params.string('DBSubnetGroupName')),
  ...tagOnCreate(params, 'subgrp', params.string('DBSubnetGroupName')),
];

/** The resource named by ARN (tags): typed by its ARN. */
const byResourceName: Mapping = (params) => {
  const arn = params.string('ResourceName');
  return arn === undefined ? [] : [{ name: arn }];
};

const MAPPINGS: ReadonlyMap<string, Mapping> = new Map<string, Mapping>([
  ['CreateDBInstance', createDBInstance],
  ['RestoreDBInstanceFromDBSnapshot', restoreFromSnapshot],
  ['RestoreDBInstanceToPointInTime', restoreToPointInTime],
  ['CreateDBInstanceReadReplica', readReplica],
  ['ModifyDBInstance', modifyDBInstance],
  ['RebootDBInstance', onInstance],
  ['PromoteReadReplica', onInstance],
  ['StartDBInstance', onInstance],
  ['StopDBInstance', onInstance],
  ['DeleteDBInstance', deleteDBInstance],
  ['DescribeDBInstances', (params) => oneOrAll('db', params.string('DBInstanceIdentifier'))],
  ['CreateDBSnapshot', createDBSnapshot],
  ['DeleteDBSnapshot', (params) => need('snapshot', params.string('DBSnapshotIdentifier'))],
  ['DescribeDBSnapshots', describeDBSnapshots],
  ['DescribeDBInstanceAutomatedBackups', describeAutomatedBackups],
  ['DeleteDBInstanceAutomatedBackup', (params, view) => need('auto-backup', automatedBackup(params, view))],
  ['CreateDBParameterGroup', createParameterGroup],
  ['ModifyDBParameterGroup', onParameterGroup],
  ['ResetDBParameterGroup', onParameterGroup],
  ['DeleteDBParameterGroup', onParameterGroup],
  ['DescribeDBParameters', onParameterGroup],
  ['DescribeDBParameterGroups', (params) => oneOrAll('pg', params.string('DBParameterGroupName'))],
  ['CreateDBSubnetGroup', createSubnetGroup],
  ['DeleteDBSubnetGroup', onSubnetGroup],
  ['DescribeDBSubnetGroups', (params) => oneOrAll('subgrp', params.string('DBSubnetGroupName'))],
  ['CreateDBCluster', createDBCluster],
  ['RestoreDBClusterFromSnapshot', restoreClusterFromSnapshot],
  ['RestoreDBClusterToPointInTime', restoreClusterToPointInTime],
  ['ModifyDBCluster', modifyDBCluster],
  ['DeleteDBCluster', deleteDBCluster],
  ['DescribeDBClusters', (params) => oneOrAll('cluster', params.string('DBClusterIdentifier'))],
  ['CreateDBClusterSnapshot', createDBClusterSnapshot],
  ['DeleteDBClusterSnapshot', (params) => need('cluster-snapshot', params.string('DBClusterSnapshotIdentifier'))],
  ['DescribeDBClusterSnapshots', describeDBClusterSnapshots],
  ['CreateDBClusterParameterGroup', createClusterParameterGroup],
  ['DeleteDBClusterParameterGroup', onClusterParameterGroup],
  ['DescribeDBClusterParameterGroups', (params) => oneOrAll('cluster-pg', params.string('DBClusterParameterGroupName'))],
  ['AddTagsToResource', byResourceName],
  ['RemoveTagsFromResource', byResourceName],
  ['ListTagsForResource', byResourceName],
]);

/**
 * The permissions a call needs. Actions the reference lists without resource types
 * (DescribeDBEngineVersions, DescribeEvents, DescribeOrderableDBInstanceOptions,
 * DescribeEngineDefaultParameters…) and actions not mapped here are authorised on `*`.
 */
export function needsOf(action: string, params: QueryParams, view: RecordView): Need[] {
  const mapping = MAPPINGS.get(action);
  const needs = mapping ? mapping(params, view) : [];
  // A required identifier left out: the action itself answers MissingParameter; `*` still has to be allowed.
  return needs.length > 0 ? needs : [{}];
}
