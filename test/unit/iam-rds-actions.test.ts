import { expect } from 'chai';
import { QueryParams } from '../../src/emulator/api/query.js';
import { type RecordView, needsOf } from '../../src/emulator/iam/rds-actions.js';

/**
 * What each RDS call is authorised on (the Service Authorization Reference's resource types per
 * action), as (permission, type:name) pairs, for calls as the SDK sends them.
 */

const view: RecordView = {
  defaults: (engine, version) =>
    engine === 'postgres' && (version === undefined || version.startsWith('16'))
      ? { parameterGroup: 'default.postgres16', optionGroup: 'default:postgres-16' }
      : undefined,
  instance: (id) =>
    id === 'src-db' ? { engine: 'postgres', engineVersion: '16.4', automatedBackupArn: 'arn:aws:rds:r:1:auto-backup:ab-x' } : undefined,
  snapshot: (id) => (id === 'snap-1' ? { engine: 'postgres', engineVersion: '16.4' } : undefined),
  automatedBackup: (dbi) =>
    dbi === 'db-ABC' ? { arn: 'arn:aws:rds:r:1:auto-backup:ab-y', engine: 'postgres', engineVersion: '16.2' } : undefined,
  clusterDefaults: (engine, version) =>
    engine === 'aurora-postgresql' && (version === undefined || version.startsWith('16')) ? 'default.aurora-postgresql16' : undefined,
  cluster: (id) => (id === 'src-cluster' ? { engine: 'aurora-postgresql' } : undefined),
};

function needs(action: string, params: Record<string, string>): string[] {
  return needsOf(action, QueryParams.fromSearchParams(new URLSearchParams(params)), view).map(
    (n) => `${n.action ?? action} ${n.name === undefined ? '*' : n.type ? `${n.type}:${n.name}` : n.name}`,
  );
}

const TAGS = { 'Tags.Tag.1.Key': 'Broker Name', 'Tags.Tag.1.Value': 'b' };

describe('unit: the resources each RDS call is authorised on', () => {
  const rows: [string, string, Record<string, string>, string[]][] = [
    [
      'CreateDBInstance: the instance and the default groups it will use',
      'CreateDBInstance',
      { DBInstanceIdentifier: 'New-DB', Engine: 'postgres', EngineVersion: '16.4' },
      [
        'CreateDBInstance db:new-db',
        'CreateDBInstance pg:default.postgres16',
        'CreateDBInstance og:default:postgres-16',
        'CreateDBInstance subgrp:default',
      ],
    ],
    [
      'CreateDBInstance with tags and named groups: rds:AddTagsToResource on the instance too',
      'CreateDBInstance',
      { DBInstanceIdentifier: 'n', Engine: 'postgres', DBParameterGroupName: 'mine', DBSubnetGroupName: 'sub', ...TAGS },
      [
        'CreateDBInstance db:n',
        'rds:AddTagsToResource db:n',
        'CreateDBInstance pg:mine',
        'CreateDBInstance og:default:postgres-16',
        'CreateDBInstance subgrp:sub',
      ],
    ],
    [
      'RestoreDBInstanceFromDBSnapshot: instance, snapshot, the snapshot engine’s default groups',
      'RestoreDBInstanceFromDBSnapshot',
      { DBInstanceIdentifier: 'r', DBSnapshotIdentifier: 'snap-1' },
      [
        'RestoreDBInstanceFromDBSnapshot db:r',
        'RestoreDBInstanceFromDBSnapshot snapshot:snap-1',
        'RestoreDBInstanceFromDBSnapshot pg:default.postgres16',
        'RestoreDBInstanceFromDBSnapshot og:default:postgres-16',
        'RestoreDBInstanceFromDBSnapshot subgrp:default',
      ],
    ],
    [
      'RestoreDBInstanceToPointInTime from a live instance: target, source, its automated backup, groups',
      'RestoreDBInstanceToPointInTime',
      { TargetDBInstanceIdentifier: 't', SourceDBInstanceIdentifier: 'src-db', UseLatestRestorableTime: 'true' },
      [
        'RestoreDBInstanceToPointInTime db:t',
        'RestoreDBInstanceToPointInTime db:src-db',
        'RestoreDBInstanceToPointInTime auto-backup:arn:aws:rds:r:1:auto-backup:ab-x',
        'RestoreDBInstanceToPointInTime pg:default.postgres16',
        'RestoreDBInstanceToPointInTime og:default:postgres-16',
        'RestoreDBInstanceToPointInTime subgrp:default',
      ],
    ],
    [
      'RestoreDBInstanceToPointInTime from a retained backup by resource id',
      'RestoreDBInstanceToPointInTime',
      { TargetDBInstanceIdentifier: 't', SourceDbiResourceId: 'db-ABC', DBParameterGroupName: 'p' },
      [
        'RestoreDBInstanceToPointInTime db:t',
        'RestoreDBInstanceToPointInTime auto-backup:arn:aws:rds:r:1:auto-backup:ab-y',
        'RestoreDBInstanceToPointInTime pg:p',
        'RestoreDBInstanceToPointInTime og:default:postgres-16',
        'RestoreDBInstanceToPointInTime subgrp:default',
      ],
    ],
    [
      'CreateDBInstanceReadReplica with tags: the replica, its source, the source engine’s default groups',
      'CreateDBInstanceReadReplica',
      { DBInstanceIdentifier: 'src-db-r1', SourceDBInstanceIdentifier: 'src-db', ...TAGS },
      [
        'CreateDBInstanceReadReplica db:src-db-r1',
        'rds:AddTagsToResource db:src-db-r1',
        'CreateDBInstanceReadReplica db:src-db',
        'CreateDBInstanceReadReplica pg:default.postgres16',
        'CreateDBInstanceReadReplica og:default:postgres-16',
        'CreateDBInstanceReadReplica subgrp:default',
      ],
    ],
    [
      'ModifyDBInstance: the instance alone',
      'ModifyDBInstance',
      { DBInstanceIdentifier: 'a', AllocatedStorage: '30' },
      ['ModifyDBInstance db:a'],
    ],
    [
      'ModifyDBInstance to another parameter group: that group too',
      'ModifyDBInstance',
      { DBInstanceIdentifier: 'a', DBParameterGroupName: 'G' },
      ['ModifyDBInstance db:a', 'ModifyDBInstance pg:g'],
    ],
    [
      'DeleteDBInstance with a final snapshot: rds:CreateDBSnapshot on it',
      'DeleteDBInstance',
      { DBInstanceIdentifier: 'a', FinalDBSnapshotIdentifier: 'f' },
      ['DeleteDBInstance db:a', 'rds:CreateDBSnapshot snapshot:f'],
    ],
    [
      'DeleteDBInstance without one',
      'DeleteDBInstance',
      { DBInstanceIdentifier: 'a', SkipFinalSnapshot: 'true' },
      ['DeleteDBInstance db:a'],
    ],
    [
      'CreateDBSnapshot with tags',
      'CreateDBSnapshot',
      { DBInstanceIdentifier: 'a', DBSnapshotIdentifier: 's', ...TAGS },
      ['CreateDBSnapshot db:a', 'CreateDBSnapshot snapshot:s', 'rds:AddTagsToResource snapshot:s'],
    ],
    ['DescribeDBInstances of one instance', 'DescribeDBInstances', { DBInstanceIdentifier: 'A' }, ['DescribeDBInstances db:a']],
    [
      'DescribeDBInstances of all (or by filter): db:*',
      'DescribeDBInstances',
      { 'Filters.Filter.1.Name': 'db-instance-id' },
      ['DescribeDBInstances db:*'],
    ],
    ['DescribeDBSnapshots of an instance', 'DescribeDBSnapshots', { DBInstanceIdentifier: 'a' }, ['DescribeDBSnapshots db:a']],
    ['DescribeDBSnapshots of all', 'DescribeDBSnapshots', { SnapshotType: 'manual' }, ['DescribeDBSnapshots snapshot:*']],
    [
      'DescribeDBInstanceAutomatedBackups of an instance',
      'DescribeDBInstanceAutomatedBackups',
      { DBInstanceIdentifier: 'a' },
      ['DescribeDBInstanceAutomatedBackups db:a'],
    ],
    [
      'CreateDBParameterGroup with tags',
      'CreateDBParameterGroup',
      { DBParameterGroupName: 'P', ...TAGS },
      ['CreateDBParameterGroup pg:p', 'rds:AddTagsToResource pg:p'],
    ],
    ['ModifyDBParameterGroup', 'ModifyDBParameterGroup', { DBParameterGroupName: 'p' }, ['ModifyDBParameterGroup pg:p']],
    ['DescribeDBParameterGroups of all', 'DescribeDBParameterGroups', {}, ['DescribeDBParameterGroups pg:*']],
    [
      'AddTagsToResource: the resource by its ARN',
      'AddTagsToResource',
      { ResourceName: 'arn:aws:rds:r:1:snapshot:s', ...TAGS },
      ['AddTagsToResource arn:aws:rds:r:1:snapshot:s'],
    ],
    [
      'DescribeDBEngineVersions: no resource types, so *',
      'DescribeDBEngineVersions',
      { Engine: 'postgres' },
      ['DescribeDBEngineVersions *'],
    ],
    [
      'DescribeCertificates: no resource types, so *',
      'DescribeCertificates',
      { CertificateIdentifier: 'rds-ca-rsa2048-g1' },
      ['DescribeCertificates *'],
    ],
    ['an action this table does not know: *', 'DescribeEvents', {}, ['DescribeEvents *']],
    ['a required identifier left out: *', 'RebootDBInstance', {}, ['RebootDBInstance *']],
    [
      'CreateDBCluster: the cluster, its default cluster parameter group and subnet group, tagging with Tags',
      'CreateDBCluster',
      { DBClusterIdentifier: 'Orders', Engine: 'aurora-postgresql', ...TAGS },
      [
        'CreateDBCluster cluster:orders',
        'rds:AddTagsToResource cluster:orders',
        'CreateDBCluster cluster-pg:default.aurora-postgresql16',
        'CreateDBCluster subgrp:default',
      ],
    ],
    [
      'CreateDBInstance of a cluster member: its cluster too',
      'CreateDBInstance',
      { DBInstanceIdentifier: 'orders-1', Engine: 'aurora-postgresql', DBClusterIdentifier: 'orders', DBSubnetGroupName: 'g' },
      ['CreateDBInstance db:orders-1', 'CreateDBInstance subgrp:g', 'CreateDBInstance cluster:orders'],
    ],
    [
      'DeleteDBCluster with a final snapshot: CreateDBClusterSnapshot on it',
      'DeleteDBCluster',
      { DBClusterIdentifier: 'orders', FinalDBSnapshotIdentifier: 'orders-final' },
      ['DeleteDBCluster cluster:orders', 'rds:CreateDBClusterSnapshot cluster-snapshot:orders-final'],
    ],
    [
      'RestoreDBClusterToPointInTime: the new cluster, the source, the source engine default group',
      'RestoreDBClusterToPointInTime',
      { DBClusterIdentifier: 'copy', SourceDBClusterIdentifier: 'src-cluster', UseLatestRestorableTime: 'true' },
      [
        'RestoreDBClusterToPointInTime cluster:copy',
        'RestoreDBClusterToPointInTime cluster:src-cluster',
        'RestoreDBClusterToPointInTime cluster-pg:default.aurora-postgresql16',
        'RestoreDBClusterToPointInTime subgrp:default',
      ],
    ],
    ['DescribeDBClusters of everything: on cluster:*', 'DescribeDBClusters', {}, ['DescribeDBClusters cluster:*']],
  ];
  for (const [name, action, params, expected] of rows) {
    it(name, () => {
      expect(needs(action, params)).to.deep.equal(expected);
    });
  }
});
