import { expect } from 'chai';
import {
  AddTagsToResourceCommand,
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RemoveTagsFromResourceCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, rdsClient, rejection, startModelEmulator, until } from './helpers.js';

/** Aurora DB clusters and their members through the real SDK, against the emulator without databases. */
const ARN = 'arn:aws:rds:us-east-1:123456789012';
const baseCluster = { Engine: 'aurora-postgresql', MasterUsername: 'master', MasterUserPassword: 'cluster-password-1' };

describe('emulator DB clusters (Aurora): model and API', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;

  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(async () => {
    await emulator?.stop();
  });

  const describeCluster = async (id: string) =>
    (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0]!;
  const describeInstance = async (id: string) =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  const member = (cluster: string, id: string, extra: Record<string, unknown> = {}) =>
    rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBClusterIdentifier: cluster,
        DBInstanceClass: 'db.r6g.large',
        Engine: 'aurora-postgresql',
        ...extra,
      }),
    );

  it('CreateDBCluster answers creating with the settings asked for; the cluster becomes available', async () => {
    emulator.hold('Orders');
    const created = await rds.send(
      new CreateDBClusterCommand({
        ...baseCluster,
        DBClusterIdentifier: 'Orders',
        EngineVersion: '16.4',
        DatabaseName: 'app',
        StorageEncrypted: true,
        BackupRetentionPeriod: 7,
        PreferredBackupWindow: '02:00-02:30',
        PreferredMaintenanceWindow: 'mon:04:00-mon:04:30',
        DeletionProtection: true,
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 8 },
        Tags: [{ Key: 'team', Value: 'shop' }],
      }),
    );
    const c = created.DBCluster!;
    expect(c.DBClusterIdentifier).to.equal('orders');
    expect(c.Status).to.equal('creating');
    expect(c.Engine).to.equal('aurora-postgresql');
    expect(c.EngineVersion).to.equal('16.4');
    expect(c.EngineMode).to.equal('provisioned');
    expect(c.DatabaseName).to.equal('app');
    expect(c.MasterUsername).to.equal('master');
    expect(c.StorageEncrypted).to.equal(true);
    expect(c.BackupRetentionPeriod).to.equal(7);
    expect(c.PreferredBackupWindow).to.equal('02:00-02:30');
    expect(c.PreferredMaintenanceWindow).to.equal('mon:04:00-mon:04:30');
    expect(c.DeletionProtection).to.equal(true);
    expect(c.DBClusterParameterGroup).to.equal('default.aurora-postgresql16');
    expect(c.ServerlessV2ScalingConfiguration).to.deep.equal({ MinCapacity: 0.5, MaxCapacity: 8 });
    expect(c.Port).to.equal(5432);
    expect(c.Endpoint).to.equal('127.0.0.1');
    expect(c.ReaderEndpoint).to.equal('127.0.0.2');
    expect(c.DBClusterArn).to.equal(`${ARN}:cluster:orders`);
    expect(c.DbClusterResourceId).to.match(/^cluster-[A-Z0-9]{26}$/);
    expect(c.TagList).to.deep.equal([{ Key: 'team', Value: 'shop' }]);
    expect(c.AvailabilityZones).to.deep.equal(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect(c.DBClusterMembers).to.deep.equal([]);
    expect(c.ClusterCreateTime).to.equal(undefined);
    expect(JSON.stringify(created)).not.to.contain('cluster-password-1');
    expect((await describeCluster('orders')).Status).to.equal('creating');
    emulator.release('orders');
    const available = await until(
      () => describeCluster('orders'),
      (x) => x.Status === 'available',
    );
    expect(available.ClusterCreateTime).to.be.instanceOf(Date);
  });

  it('refuses what RDS refuses: duplicates, unknown clusters, engines, versions, retention, capacity steps', async () => {
    expect((await rejection(rds.send(new CreateDBClusterCommand({ ...baseCluster, DBClusterIdentifier: 'orders' })))).name).to.equal(
      'DBClusterAlreadyExistsFault',
    );
    const missing = await rejection(rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })));
    expect(missing.name).to.equal('DBClusterNotFoundFault');
    expect(missing.$metadata.httpStatusCode).to.equal(404);
    const engine = await rejection(rds.send(new CreateDBClusterCommand({ ...baseCluster, Engine: 'postgres', DBClusterIdentifier: 'x1' })));
    expect(engine.name).to.equal('InvalidParameterValue');
    const version = await rejection(
      rds.send(new CreateDBClusterCommand({ ...baseCluster, EngineVersion: '9.6', DBClusterIdentifier: 'x1' })),
    );
    expect(version.name).to.equal('InvalidParameterCombination');
    const retention = await rejection(
      rds.send(new CreateDBClusterCommand({ ...baseCluster, BackupRetentionPeriod: 0, DBClusterIdentifier: 'x1' })),
    );
    expect(retention.name).to.equal('InvalidParameterValue');
    const step = await rejection(
      rds.send(
        new CreateDBClusterCommand({
          ...baseCluster,
          DBClusterIdentifier: 'x1',
          ServerlessV2ScalingConfiguration: { MinCapacity: 0.7, MaxCapacity: 4 },
        }),
      ),
    );
    expect(step.name).to.equal('InvalidParameterValue');
    const noPassword = await rejection(
      rds.send(new CreateDBClusterCommand({ Engine: 'aurora-mysql', MasterUsername: 'admin', DBClusterIdentifier: 'x1' })),
    );
    expect(noPassword.name).to.equal('InvalidParameterValue');
    const group = await rejection(
      rds.send(new CreateDBClusterCommand({ ...baseCluster, DBClusterIdentifier: 'x1', DBClusterParameterGroupName: 'missing-group' })),
    );
    expect(group.name).to.equal('DBClusterParameterGroupNotFoundFault');
    expect(
      (await rds.send(new DescribeDBClustersCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['x1'] }] }))).DBClusters,
    ).to.deep.equal([]);
  });

  it('members: the first is the writer, the next a reader; engine, class and cluster settings checked as RDS does', async () => {
    const writer = await member('orders', 'orders-1');
    expect(writer.DBInstance!.DBInstanceStatus).to.equal('creating');
    expect(writer.DBInstance!.DBClusterIdentifier).to.equal('orders');
    expect(writer.DBInstance!.Engine).to.equal('aurora-postgresql');
    await member('orders', 'orders-2', { DBInstanceClass: 'db.serverless', PromotionTier: 2 });
    const mismatch = await rejection(member('orders', 'orders-3', { Engine: 'aurora-mysql' }));
    expect(mismatch.name).to.equal('InvalidParameterCombination');
    expect(mismatch.message).to.contain("doesn't match the engine name of your DB cluster");
    const storage = await rejection(member('orders', 'orders-3', { AllocatedStorage: 20 }));
    expect(storage.name).to.equal('InvalidParameterCombination');
    expect(storage.message).to.contain('Set allocated storage for the DB Cluster');
    const password = await rejection(member('orders', 'orders-3', { MasterUserPassword: 'other-password-1' }));
    expect(password.message).to.contain('Set master user password for the DB Cluster');
    const micro = await rejection(member('orders', 'orders-3', { DBInstanceClass: 'db.t3.micro' }));
    expect(micro.name).to.equal('InvalidParameterCombination');
    const noCluster = await rejection(member('nope', 'orders-3'));
    expect(noCluster.name).to.equal('DBClusterNotFoundFault');

    await emulator.settle();
    const c = await describeCluster('orders');
    expect(c.DBClusterMembers).to.deep.equal([
      { DBInstanceIdentifier: 'orders-1', IsClusterWriter: true, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 1 },
      { DBInstanceIdentifier: 'orders-2', IsClusterWriter: false, DBClusterParameterGroupStatus: 'in-sync', PromotionTier: 2 },
    ]);
    const w = await describeInstance('orders-1');
    expect(w.DBInstanceStatus).to.equal('available');
    expect(w.StorageType).to.equal('aurora');
    expect(w.BackupRetentionPeriod).to.equal(7);
    expect(w.DBParameterGroups![0]!.DBParameterGroupName).to.equal('default.aurora-postgresql16');
    expect(w.MasterUsername).to.equal('master');
    const byCluster = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: [`${ARN}:cluster:orders`] }] }),
    );
    expect(byCluster.DBInstances!.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['orders-1', 'orders-2']);
    const byEngine = await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'engine', Values: ['aurora-postgresql'] }] }));
    expect(byEngine.DBInstances!.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['orders-1', 'orders-2']);
  });

  it('a member is refused instance snapshots and changes of what belongs to the cluster', async () => {
    const snapshot = await rejection(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'orders-1', DBSnapshotIdentifier: 's1' })),
    );
    expect(snapshot.name).to.equal('InvalidParameterCombination');
    expect(snapshot.message).to.contain('CreateDBClusterSnapshot');
    const retention = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'orders-1', BackupRetentionPeriod: 3 })),
    );
    expect(retention.message).to.contain('ModifyDBCluster');
  });

  it('ModifyDBInstance of a member: its class (Aurora classes, db.serverless) now or queued, its promotion tier', async () => {
    const queued = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'orders-1', DBInstanceClass: 'db.r6g.xlarge' }));
    expect(queued.DBInstance!.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.r6g.xlarge' });
    expect(queued.DBInstance!.DBInstanceClass).to.equal('db.r6g.large');
    const micro = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'orders-1', DBInstanceClass: 'db.t3.micro' })),
    );
    expect(micro.name).to.equal('InvalidParameterCombination');
    const now = await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'orders-1',
        DBInstanceClass: 'db.serverless',
        PromotionTier: 0,
        ApplyImmediately: true,
      }),
    );
    expect(now.DBInstance!.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.serverless' });
    await emulator.settle();
    const w = await describeInstance('orders-1');
    expect([w.DBInstanceClass, w.DBInstanceStatus, w.PromotionTier, w.PendingModifiedValues]).to.deep.equal([
      'db.serverless',
      'available',
      0,
      {},
    ]);
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'orders-1',
        DBInstanceClass: 'db.r6g.large',
        PromotionTier: 1,
        ApplyImmediately: true,
      }),
    );
    await emulator.settle();
  });

  it('ModifyDBCluster: protection at once, capacity through modifying, password through resetting-master-credentials', async () => {
    emulator.hold('orders');
    const modified = await rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: 'orders',
        DeletionProtection: false,
        BackupRetentionPeriod: 3,
        ServerlessV2ScalingConfiguration: { MinCapacity: 1, MaxCapacity: 16 },
        MasterUserPassword: 'new-cluster-password-2',
        ApplyImmediately: true,
      }),
    );
    expect(modified.DBCluster!.Status).to.equal('modifying');
    expect(modified.DBCluster!.DeletionProtection).to.equal(false);
    expect(modified.DBCluster!.BackupRetentionPeriod).to.equal(3);
    expect(modified.DBCluster!.ServerlessV2ScalingConfiguration).to.deep.equal({ MinCapacity: 0.5, MaxCapacity: 8 });
    const busy = await rejection(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', DeletionProtection: true })));
    expect(busy.name).to.equal('InvalidDBClusterStateFault');
    emulator.release('orders');
    const done = await until(
      () => describeCluster('orders'),
      (x) => x.Status === 'available',
    );
    expect(done.ServerlessV2ScalingConfiguration).to.deep.equal({ MinCapacity: 1, MaxCapacity: 16 });
    expect(done.PendingModifiedValues).to.equal(undefined);
  });

  it('ModifyDBCluster EngineVersion: pending without ApplyImmediately; upgrading with it, members follow; a major needs the flag', async () => {
    const queued = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', EngineVersion: '16.6' }));
    expect(queued.DBCluster!.PendingModifiedValues).to.deep.equal({ EngineVersion: '16.6' });
    expect(queued.DBCluster!.EngineVersion).to.equal('16.4');
    const major = await rejection(
      rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', EngineVersion: '17.4', ApplyImmediately: true })),
    );
    expect(major.name).to.equal('InvalidParameterCombination');
    const now = await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', EngineVersion: '16.6', ApplyImmediately: true }),
    );
    expect(now.DBCluster!.Status).to.equal('upgrading');
    await emulator.settle();
    expect((await describeCluster('orders')).EngineVersion).to.equal('16.6');
    expect((await describeInstance('orders-2')).EngineVersion).to.equal('16.6');
  });

  it('tags on the cluster ARN: add, list, remove; TagList in the describe', async () => {
    const arn = `${ARN}:cluster:orders`;
    await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: [{ Key: 'env', Value: 'test' }] }));
    const listed = await rds.send(new ListTagsForResourceCommand({ ResourceName: arn }));
    expect(listed.TagList).to.deep.equal([
      { Key: 'team', Value: 'shop' },
      { Key: 'env', Value: 'test' },
    ]);
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['team'] }));
    expect((await describeCluster('orders')).TagList).to.deep.equal([{ Key: 'env', Value: 'test' }]);
    const unknown = await rejection(rds.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}:cluster:nope` })));
    expect(unknown.name).to.equal('DBClusterNotFoundFault');
  });

  it('admin API: GET clusters shows each cluster with its writer and members; POST fail-cluster fails one', async () => {
    const listed = await admin(emulator, 'GET', 'clusters');
    const orders = listed.json.clusters.find((c: any) => c.identifier === 'orders');
    expect(orders).to.deep.include({
      engine: 'aurora-postgresql',
      status: 'available',
      writer: 'orders-1',
      members: ['orders-1', 'orders-2'],
      transition: null,
    });
    await rds.send(new CreateDBClusterCommand({ ...baseCluster, DBClusterIdentifier: 'to-fail' }));
    const failed = await admin(emulator, 'POST', 'fail-cluster', { cluster: 'to-fail', reason: 'storage lost' });
    expect(failed.status).to.equal(200);
    const c = await describeCluster('to-fail');
    expect(c.Status).to.equal('failed');
    const refused = await rejection(rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'to-fail', DeletionProtection: true })));
    expect(refused.name).to.equal('InvalidDBClusterStateFault');
    expect((await admin(emulator, 'POST', 'fail-cluster', { cluster: 'nope' })).status).to.equal(404);
    expect((await admin(emulator, 'POST', 'fail-cluster', {})).status).to.equal(400);
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'to-fail', SkipFinalSnapshot: true }));
    await emulator.settle();
  });

  it('DescribeDBClusters pages with Marker/MaxRecords and filters by engine', async () => {
    for (let n = 1; n <= 21; n++) {
      await rds.send(
        new CreateDBClusterCommand({
          ...baseCluster,
          Engine: 'aurora-mysql',
          MasterUsername: 'admin',
          DBClusterIdentifier: `page-${String(n).padStart(2, '0')}`,
        }),
      );
    }
    const first = await rds.send(
      new DescribeDBClustersCommand({ MaxRecords: 20, Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] }),
    );
    expect(first.DBClusters).to.have.length(20);
    expect(first.Marker).to.be.a('string');
    const second = await rds.send(
      new DescribeDBClustersCommand({ MaxRecords: 20, Marker: first.Marker, Filters: [{ Name: 'engine', Values: ['aurora-mysql'] }] }),
    );
    expect(second.DBClusters!.map((c) => c.DBClusterIdentifier)).to.deep.equal(['page-21']);
    expect(second.Marker).to.equal(undefined);
    expect(first.DBClusters![0]!.Port).to.equal(3306);
    expect(first.DBClusters![0]!.EngineVersion).to.equal('8.0.mysql_aurora.3.08.0');
    expect(first.DBClusters![0]!.DBClusterParameterGroup).to.equal('default.aurora-mysql8.0');
    const bad = await rejection(rds.send(new DescribeDBClustersCommand({ MaxRecords: 10 })));
    expect(bad.name).to.equal('InvalidParameterValue');
  });

  it('DeleteDBCluster: refused while members exist or under deletion protection; the writer failing over to a reader', async () => {
    const withMembers = await rejection(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'orders', SkipFinalSnapshot: true })));
    expect(withMembers.name).to.equal('InvalidDBClusterStateFault');
    expect(withMembers.message).to.equal('Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
    const finalSnapshotOnMember = await rejection(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders-1', FinalDBSnapshotIdentifier: 'member-final' })),
    );
    expect(finalSnapshotOnMember.name).to.equal('InvalidParameterCombination');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders-1' }));
    const failedOver = await describeCluster('orders');
    expect(failedOver.DBClusterMembers!.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier).to.equal('orders-2');
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', DeletionProtection: true }));
    const lastMember = await rejection(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders-2' })));
    expect(lastMember.name).to.equal('InvalidParameterCombination');
    expect(lastMember.message).to.contain('to be able to delete the last Aurora DB instance');
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', DeletionProtection: false }));
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'orders-2' }));
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', DeletionProtection: true }));
    const protectedOne = await rejection(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'orders', SkipFinalSnapshot: true })));
    expect(protectedOne.name).to.equal('InvalidParameterCombination');
    expect(protectedOne.message).to.contain('deletion protection');
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'orders', DeletionProtection: false }));
    const neither = await rejection(rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'orders' })));
    expect(neither.name).to.equal('InvalidParameterCombination');
    // Members on their way out do not hold the cluster back, as on RDS.
    const deleting = await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'orders', SkipFinalSnapshot: true }));
    expect(deleting.DBCluster!.Status).to.equal('deleting');
    await emulator.settle();
    expect((await rejection(describeCluster('orders'))).name).to.equal('DBClusterNotFoundFault');
    expect(
      (await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-cluster-id', Values: ['orders'] }] }))).DBInstances,
    ).to.deep.equal([]);
  });
});

describe('emulator Aurora engines in the catalog calls', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(async () => {
    await emulator?.stop();
  });

  it('DescribeOrderableDBInstanceOptions for aurora-postgresql: member classes with Aurora storage, db.serverless included, no db.t3.micro', async () => {
    const out = await rds.send(
      new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-postgresql', EngineVersion: '16.4', MaxRecords: 1000 }),
    );
    const rows = out.OrderableDBInstanceOptions!;
    const classes = new Set(rows.map((r) => r.DBInstanceClass));
    expect(classes.has('db.serverless')).to.equal(true);
    expect(classes.has('db.r6g.large')).to.equal(true);
    expect(classes.has('db.t3.micro')).to.equal(false);
    expect(new Set(rows.map((r) => r.StorageType))).to.deep.equal(new Set(['aurora', 'aurora-iopt1']));
    expect(rows.every((r) => r.SupportsClusters === true && r.LicenseModel === 'postgresql-license')).to.equal(true);
    const one = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'aurora-mysql', DBInstanceClass: 'db.t4g.medium' }));
    expect(one.OrderableDBInstanceOptions!.map((r) => r.EngineVersion)).to.include('8.0.mysql_aurora.3.08.0');
  });
});
