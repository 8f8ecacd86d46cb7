import { expect } from 'chai';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  DescribeEngineDefaultParametersCommand,
  ModifyDBParameterGroupCommand,
  CreateDBClusterParameterGroupCommand,
  CreateDBClusterSnapshotCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterParameterGroupCommand,
  DeleteDBClusterSnapshotCommand,
  DescribeDBClusterParameterGroupsCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeEventsCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { rdsClient, rejection, startModelEmulator } from './helpers.js';

/** Cluster snapshots, restores from them, final snapshots and cluster parameter groups, through the SDK (no databases). */
const ARN = 'arn:aws:rds:us-east-1:123456789012';
const baseCluster = { Engine: 'aurora-mysql', MasterUsername: 'admin', MasterUserPassword: 'cluster-password-1' };

describe('emulator DB cluster snapshots and cluster parameter groups', function () {
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

  const snapshots = async (input: ConstructorParameters<typeof DescribeDBClusterSnapshotsCommand>[0] = {}) =>
    (await rds.send(new DescribeDBClusterSnapshotsCommand(input))).DBClusterSnapshots!;
  const describeCluster = async (id: string) =>
    (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0]!;

  it('a new cluster is held in creating; released, it takes its first automated snapshot and is available', async () => {
    emulator.hold('books');
    await rds.send(
      new CreateDBClusterCommand({
        ...baseCluster,
        DBClusterIdentifier: 'books',
        DatabaseName: 'shelf',
        CopyTagsToSnapshot: true,
        Tags: [{ Key: 'k', Value: 'v' }],
      }),
    );
    await emulator.settle();
    expect((await describeCluster('books')).Status).to.equal('creating');
    emulator.release('books');
    await emulator.settle();
    expect((await describeCluster('books')).Status).to.equal('available');
    const auto = await snapshots({ DBClusterIdentifier: 'books', SnapshotType: 'automated' });
    expect(auto).to.have.length(1);
    expect(auto[0]!.DBClusterSnapshotIdentifier).to.match(/^rds:books-\d{4}-\d\d-\d\d-\d\d-\d\d$/);
    expect(auto[0]!.Status).to.equal('available');
    expect(auto[0]!.Engine).to.equal('aurora-mysql');
    expect(auto[0]!.TagList).to.deep.equal([{ Key: 'k', Value: 'v' }]);
  });

  it('CreateDBClusterSnapshot: the cluster shows backing-up, the snapshot creating then available; refused while busy', async () => {
    emulator.hold('books');
    const created = await rds.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: 'books',
        DBClusterSnapshotIdentifier: 'books-snap-1',
        Tags: [{ Key: 'own', Value: 'tag' }],
      }),
    );
    const s = created.DBClusterSnapshot!;
    expect([s.Status, s.SnapshotType, s.DBClusterIdentifier, s.Engine, s.MasterUsername]).to.deep.equal([
      'creating',
      'manual',
      'books',
      'aurora-mysql',
      'admin',
    ]);
    expect(s.DBClusterSnapshotArn).to.equal(`${ARN}:cluster-snapshot:books-snap-1`);
    expect(s.TagList).to.deep.equal([{ Key: 'own', Value: 'tag' }]);
    expect(JSON.stringify(created)).not.to.contain('cluster-password-1');
    expect((await describeCluster('books')).Status).to.equal('backing-up');
    const busy = await rejection(
      rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'books', DBClusterSnapshotIdentifier: 'books-snap-2' })),
    );
    expect(busy.name).to.equal('InvalidDBClusterStateFault');
    const inUse = await rejection(rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'books-snap-1' })));
    expect(inUse.name).to.equal('InvalidDBClusterSnapshotStateFault');
    emulator.release('books');
    await emulator.settle();
    expect((await snapshots({ DBClusterSnapshotIdentifier: 'books-snap-1' }))[0]!.Status).to.equal('available');
    const again = await rejection(
      rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'books', DBClusterSnapshotIdentifier: 'books-snap-1' })),
    );
    expect(again.name).to.equal('DBClusterSnapshotAlreadyExistsFault');
  });

  it('DescribeDBClusterSnapshots filters by cluster, identifier or ARN, type and engine; unknown ones are not found', async () => {
    const byFilter = await snapshots({
      Filters: [
        { Name: 'snapshot-type', Values: ['manual'] },
        { Name: 'db-cluster-id', Values: [`${ARN}:cluster:books`] },
      ],
    });
    expect(byFilter.map((s) => s.DBClusterSnapshotIdentifier)).to.deep.equal(['books-snap-1']);
    const byArn = await snapshots({ DBClusterSnapshotIdentifier: `${ARN}:cluster-snapshot:books-snap-1` });
    expect(byArn).to.have.length(1);
    expect(await snapshots({ Filters: [{ Name: 'engine', Values: ['aurora-postgresql'] }] })).to.deep.equal([]);
    const missing = await rejection(snapshots({ DBClusterSnapshotIdentifier: 'nope' }));
    expect(missing.name).to.equal('DBClusterSnapshotNotFoundFault');
    const badFilter = await rejection(snapshots({ Filters: [{ Name: 'db-instance-id', Values: ['x'] }] }));
    expect(badFilter.name).to.equal('InvalidParameterValue');
  });

  it('RestoreDBClusterFromSnapshot: the snapshot engine, master user and tags; the request groups and range', async () => {
    const restored = await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'books-copy',
        SnapshotIdentifier: 'books-snap-1',
        Engine: 'aurora-mysql',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 2 },
      }),
    );
    const c = restored.DBCluster!;
    expect([c.Status, c.Engine, c.EngineVersion, c.MasterUsername, c.DatabaseName]).to.deep.equal([
      'creating',
      'aurora-mysql',
      '8.0.mysql_aurora.3.08.0',
      'admin',
      'shelf',
    ]);
    expect(c.TagList).to.deep.equal([{ Key: 'own', Value: 'tag' }]);
    expect(c.ServerlessV2ScalingConfiguration).to.deep.equal({ MinCapacity: 0.5, MaxCapacity: 2 });
    await emulator.settle();
    expect((await describeCluster('books-copy')).Status).to.equal('available');
    const wrongEngine = await rejection(
      rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: 'x2',
          SnapshotIdentifier: 'books-snap-1',
          Engine: 'aurora-postgresql',
        }),
      ),
    );
    expect(wrongEngine.name).to.equal('InvalidParameterCombination');
    const exists = await rejection(
      rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: 'books',
          SnapshotIdentifier: 'books-snap-1',
          Engine: 'aurora-mysql',
        }),
      ),
    );
    expect(exists.name).to.equal('DBClusterAlreadyExistsFault');
    const noSnapshot = await rejection(
      rds.send(new RestoreDBClusterFromSnapshotCommand({ DBClusterIdentifier: 'x2', SnapshotIdentifier: 'nope', Engine: 'aurora-mysql' })),
    );
    expect(noSnapshot.name).to.equal('DBClusterSnapshotNotFoundFault');
  });

  it('RestoreDBClusterToPointInTime: inside the restorable window only; the source engine and master user', async () => {
    const source = await describeCluster('books');
    expect(source.EarliestRestorableTime).to.be.instanceOf(Date);
    expect(source.LatestRestorableTime!.getTime()).to.be.at.least(source.EarliestRestorableTime!.getTime());
    const early = await rejection(
      rds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: 'books-pitr',
          SourceDBClusterIdentifier: 'books',
          RestoreToTime: new Date(source.EarliestRestorableTime!.getTime() - 3600_000),
        }),
      ),
    );
    expect(early.name).to.equal('InvalidRestoreFault');
    const both = await rejection(
      rds.send(
        new RestoreDBClusterToPointInTimeCommand({
          DBClusterIdentifier: 'books-pitr',
          SourceDBClusterIdentifier: 'books',
          RestoreToTime: source.EarliestRestorableTime,
          UseLatestRestorableTime: true,
        }),
      ),
    );
    expect(both.name).to.equal('InvalidParameterCombination');
    const restored = await rds.send(
      new RestoreDBClusterToPointInTimeCommand({
        DBClusterIdentifier: 'books-pitr',
        SourceDBClusterIdentifier: 'books',
        UseLatestRestorableTime: true,
      }),
    );
    expect([restored.DBCluster!.Status, restored.DBCluster!.Engine, restored.DBCluster!.MasterUsername]).to.deep.equal([
      'creating',
      'aurora-mysql',
      'admin',
    ]);
    await emulator.settle();
    expect((await describeCluster('books-pitr')).Status).to.equal('available');
  });

  it('DeleteDBCluster with a final snapshot keeps it (manual) and drops the automated ones; manual snapshots can be deleted', async () => {
    const taken = await rejection(
      rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'books', FinalDBSnapshotIdentifier: 'books-snap-1' })),
    );
    expect(taken.name).to.equal('DBClusterSnapshotAlreadyExistsFault');
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'books', FinalDBSnapshotIdentifier: 'books-final' }));
    await emulator.settle();
    const left = await snapshots({ DBClusterIdentifier: 'books' });
    expect(left.map((s) => [s.DBClusterSnapshotIdentifier, s.SnapshotType, s.Status])).to.deep.equal([
      ['books-final', 'manual', 'available'],
      ['books-snap-1', 'manual', 'available'],
    ]);
    const automated = await snapshots({ DBClusterIdentifier: 'books-copy', SnapshotType: 'automated' });
    const refused = await rejection(
      rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: automated[0]!.DBClusterSnapshotIdentifier })),
    );
    expect(refused.name).to.equal('InvalidDBClusterSnapshotStateFault');
    const deleted = await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: 'books-snap-1' }));
    expect(deleted.DBClusterSnapshot!.Status).to.equal('deleted');
    expect((await snapshots({ DBClusterIdentifier: 'books' })).map((s) => s.DBClusterSnapshotIdentifier)).to.deep.equal(['books-final']);
  });

  it('DB parameter groups of Aurora families: defaults, custom ones with the server parameters, used by a member', async () => {
    const defaults = await rds.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: 'default.aurora-postgresql16' }));
    expect(defaults.DBParameterGroups![0]!.DBParameterGroupFamily).to.equal('aurora-postgresql16');
    await rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: 'aurora-members',
        DBParameterGroupFamily: 'aurora-postgresql16',
        Description: 'm',
      }),
    );
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'aurora-members',
        Parameters: [{ ParameterName: 'work_mem', ParameterValue: '8192', ApplyMethod: 'immediate' }],
      }),
    );
    const user = await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: 'aurora-members', Source: 'user' }));
    expect(user.Parameters!.map((p) => [p.ParameterName, p.ParameterValue])).to.deep.equal([['work_mem', '8192']]);
    const engineDefaults = await rds.send(new DescribeEngineDefaultParametersCommand({ DBParameterGroupFamily: 'aurora-postgresql16' }));
    expect(engineDefaults.EngineDefaults!.Parameters!.length).to.be.greaterThan(20);
    await rds.send(
      new CreateDBClusterCommand({
        ...baseCluster,
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        MasterUsername: 'master',
        DBClusterIdentifier: 'pg-members',
      }),
    );
    const created = await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'pg-members-1',
        DBClusterIdentifier: 'pg-members',
        DBInstanceClass: 'db.r6g.large',
        Engine: 'aurora-postgresql',
        DBParameterGroupName: 'aurora-members',
      }),
    );
    expect(created.DBInstance!.DBParameterGroups![0]!.DBParameterGroupName).to.equal('aurora-members');
    const wrong = await rejection(
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: 'pg-members-2',
          DBClusterIdentifier: 'pg-members',
          DBInstanceClass: 'db.r6g.large',
          Engine: 'aurora-postgresql',
          DBParameterGroupName: 'default.postgres16',
        }),
      ),
    );
    expect(wrong.name).to.equal('InvalidParameterCombination');
    await emulator.settle();
  });

  it('DescribeEvents tells the clusters and their snapshots, by source type and identifier', async () => {
    const clusterEvents = await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'books' }));
    expect(clusterEvents.Events!.map((e) => [e.Message, e.EventCategories])).to.deep.equal([
      ['DB cluster created', ['creation']],
      ['DB cluster deleted', ['deletion']],
    ]);
    expect(clusterEvents.Events![0]!.SourceArn).to.equal(`${ARN}:cluster:books`);
    const restored = await rds.send(new DescribeEventsCommand({ SourceType: 'db-cluster', SourceIdentifier: 'books-copy' }));
    expect(restored.Events!.map((e) => e.Message)).to.deep.equal(['DB cluster created', 'Restored from snapshot books-snap-1']);
    const snapshotEvents = await rds.send(
      new DescribeEventsCommand({ SourceType: 'db-cluster-snapshot', SourceIdentifier: 'books-final' }),
    );
    expect(snapshotEvents.Events!.map((e) => e.Message)).to.deep.equal([
      'Creating manual cluster snapshot',
      'Manual cluster snapshot created',
    ]);
  });

  it('cluster parameter groups: defaults per family, create, use, refused deletion while used or default', async () => {
    const defaults = (await rds.send(new DescribeDBClusterParameterGroupsCommand({}))).DBClusterParameterGroups!.map(
      (g) => g.DBClusterParameterGroupName,
    );
    expect(defaults).to.include.members(['default.aurora-postgresql16', 'default.aurora-postgresql17', 'default.aurora-mysql8.0']);
    const created = await rds.send(
      new CreateDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: 'Shop-PG',
        DBParameterGroupFamily: 'aurora-postgresql16',
        Description: 'shop',
      }),
    );
    expect(created.DBClusterParameterGroup).to.deep.include({
      DBClusterParameterGroupName: 'shop-pg',
      DBParameterGroupFamily: 'aurora-postgresql16',
      DBClusterParameterGroupArn: `${ARN}:cluster-pg:shop-pg`,
    });
    const badFamily = await rejection(
      rds.send(
        new CreateDBClusterParameterGroupCommand({
          DBClusterParameterGroupName: 'x',
          DBParameterGroupFamily: 'postgres16',
          Description: 'x',
        }),
      ),
    );
    expect(badFamily.name).to.equal('InvalidParameterValue');
    const wrongFamily = await rejection(
      rds.send(new CreateDBClusterCommand({ ...baseCluster, DBClusterIdentifier: 'uses-pg', DBClusterParameterGroupName: 'shop-pg' })),
    );
    expect(wrongFamily.name).to.equal('InvalidParameterCombination');
    await rds.send(
      new CreateDBClusterCommand({
        Engine: 'aurora-postgresql',
        EngineVersion: '16',
        MasterUsername: 'master',
        MasterUserPassword: 'cluster-password-1',
        DBClusterIdentifier: 'uses-pg',
        DBClusterParameterGroupName: 'shop-pg',
      }),
    );
    expect((await describeCluster('uses-pg')).DBClusterParameterGroup).to.equal('shop-pg');
    const used = await rejection(rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'shop-pg' })));
    expect(used.name).to.equal('InvalidDBParameterGroupStateFault');
    const builtIn = await rejection(
      rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'default.aurora-mysql8.0' })),
    );
    expect(builtIn.name).to.equal('InvalidParameterValue');
    await emulator.settle();
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'uses-pg', SkipFinalSnapshot: true }));
    await emulator.settle();
    await rds.send(new DeleteDBClusterParameterGroupCommand({ DBClusterParameterGroupName: 'shop-pg' }));
    const gone = await rejection(rds.send(new DescribeDBClusterParameterGroupsCommand({ DBClusterParameterGroupName: 'shop-pg' })));
    expect(gone.name).to.equal('DBClusterParameterGroupNotFoundFault');
  });
});
