import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  CreateDBClusterCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBClusterToPointInTimeCommand,
  type DBCluster,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { rdsClient, rejection } from './helpers.js';

/**
 * Aurora PostgreSQL with real servers: the writer a PostgreSQL, each reader a hot standby of it;
 * the cluster endpoint reaches the writer, the reader endpoint the readers, both with TLS verified
 * against the emulator's CA; a cluster snapshot carries the data into a restored cluster, and the
 * data outlives the cluster's instances as Aurora's storage does.
 */
describe('emulator DB clusters with real databases (Aurora PostgreSQL)', function () {
  this.timeout(300_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;
  const password = 'cluster-password-1';

  const describeCluster = async (id: string): Promise<DBCluster> =>
    (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0]!;

  async function sql<T extends pg.QueryResultRow>(host: string, port: number, text: string, pass = password): Promise<T[]> {
    const client = new pg.Client({
      host,
      port,
      user: 'master',
      password: pass,
      database: 'app',
      ssl: { ca, rejectUnauthorized: true },
      connectionTimeoutMillis: 10_000,
    });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end();
    }
  }
  const writer = async (id: string, text: string, pass?: string) => {
    const c = await describeCluster(id);
    return sql(c.Endpoint!, c.Port!, text, pass);
  };
  const reader = async (id: string, text: string) => {
    const c = await describeCluster(id);
    return sql(c.ReaderEndpoint!, c.Port!, text);
  };
  async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${what} never happened`);
  }
  const member = (cluster: string, id: string) =>
    rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBClusterIdentifier: cluster,
        DBInstanceClass: 'db.r6g.large',
        Engine: 'aurora-postgresql',
      }),
    );

  before(async () => {
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
  });
  after(async () => {
    await emulator?.stop();
  });

  it('writer and reader: writes through the cluster endpoint, reads through the reader endpoint, which refuses writes', async () => {
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'aur',
        Engine: 'aurora-postgresql',
        MasterUsername: 'master',
        MasterUserPassword: password,
        DatabaseName: 'app',
      }),
    );
    // Both members at once, as a broker may ask: the reader waits for its writer.
    await member('aur', 'aur-1');
    await member('aur', 'aur-2');
    await emulator.settle();
    const c = await describeCluster('aur');
    expect(c.Status).to.equal('available');
    expect(c.Port).to.not.equal(5432);
    expect(c.DBClusterMembers!.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).to.deep.equal([
      ['aur-1', true],
      ['aur-2', false],
    ]);
    await writer('aur', "CREATE TABLE t (v text); INSERT INTO t VALUES ('first')");
    await eventually(async () => (await reader('aur', 'SELECT v FROM t')).length === 1, 'the row reaching the reader');
    const inRecovery = await reader('aur', 'SELECT pg_is_in_recovery() AS r');
    expect(inRecovery[0]!.r).to.equal(true);
    const refused = await rejection(reader('aur', "INSERT INTO t VALUES ('on the reader')"));
    expect(refused.message).to.equal('cannot execute INSERT in a read-only transaction');
    expect((await writer('aur', 'SELECT pg_is_in_recovery() AS r'))[0]!.r).to.equal(false);
  });

  it('a new master password works through the writer endpoint at once, the old one is refused', async () => {
    await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: 'aur', MasterUserPassword: 'cluster-password-2', ApplyImmediately: true }),
    );
    await emulator.settle();
    expect((await writer('aur', 'SELECT 1 AS one', 'cluster-password-2'))[0]!.one).to.equal(1);
    const old = await rejection(writer('aur', 'SELECT 1'));
    expect(old.message).to.contain('password authentication failed');
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'aur', MasterUserPassword: password, ApplyImmediately: true }));
    await emulator.settle();
  });

  it('a cluster snapshot restores into a new cluster with the rows, once it has a writer', async () => {
    await writer('aur', "INSERT INTO t VALUES ('second')");
    await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: 'aur', DBClusterSnapshotIdentifier: 'aur-snap' }));
    await emulator.settle();
    await writer('aur', "INSERT INTO t VALUES ('after the snapshot')");
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'aur-copy',
        SnapshotIdentifier: 'aur-snap',
        Engine: 'aurora-postgresql',
      }),
    );
    await member('aur-copy', 'aur-copy-1');
    await emulator.settle();
    const rows = await writer('aur-copy', 'SELECT v FROM t ORDER BY v');
    expect(rows.map((r) => r.v)).to.deep.equal(['first', 'second']);
  });

  it('a point-in-time restore between two writes holds the first and not the second', async () => {
    await eventually(async () => (await describeCluster('aur')).EarliestRestorableTime !== undefined, 'a base backup of the writer');
    await writer('aur', "INSERT INTO t VALUES ('before the point')");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const point = new Date();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await writer('aur', "INSERT INTO t VALUES ('after the point')");
    // The archive is cut every 2 s: wait until the restorable window reaches past the point.
    await eventually(
      async () => (await describeCluster('aur')).LatestRestorableTime!.getTime() > point.getTime() + 100,
      'the archive reaching past the point',
    );
    await rds.send(
      new RestoreDBClusterToPointInTimeCommand({ DBClusterIdentifier: 'aur-pitr', SourceDBClusterIdentifier: 'aur', RestoreToTime: point }),
    );
    await member('aur-pitr', 'aur-pitr-1');
    await emulator.settle();
    const rows = (await writer('aur-pitr', 'SELECT v FROM t')).map((r) => r.v);
    expect(rows).to.include('before the point');
    expect(rows).to.not.include('after the point');
  });

  it('the data outlives the instances: deleted members, a final snapshot, a restore from it', async () => {
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'aur-2' }));
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'aur-1' }));
    await emulator.settle();
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'aur', FinalDBSnapshotIdentifier: 'aur-final' }));
    await emulator.settle();
    const finals = (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: 'aur-final' })))
      .DBClusterSnapshots!;
    expect(finals[0]!.Status).to.equal('available');
    await rds.send(
      new RestoreDBClusterFromSnapshotCommand({
        DBClusterIdentifier: 'aur-back',
        SnapshotIdentifier: 'aur-final',
        Engine: 'aurora-postgresql',
      }),
    );
    await member('aur-back', 'aur-back-1');
    await emulator.settle();
    const rows = await writer('aur-back', 'SELECT v FROM t ORDER BY v');
    expect(rows.map((r) => r.v)).to.deep.equal(['after the point', 'after the snapshot', 'before the point', 'first', 'second']);
  });
  it('a failover: the writer deleted, a reader promoted takes writes, the other reader follows it', async () => {
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'fo',
        Engine: 'aurora-postgresql',
        MasterUsername: 'master',
        MasterUserPassword: password,
        DatabaseName: 'app',
      }),
    );
    for (const id of ['fo-1', 'fo-2', 'fo-3']) await member('fo', id);
    await emulator.settle();
    await writer('fo', 'CREATE TABLE t (v text)');
    await writer('fo', "INSERT INTO t VALUES ('before')");
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'fo-1' }));
    await emulator.settle();
    const c = await describeCluster('fo');
    expect(c.DBClusterMembers!.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).to.deep.equal([
      ['fo-2', true],
      ['fo-3', false],
    ]);
    await writer('fo', "INSERT INTO t VALUES ('after the failover')");
    await eventually(async () => (await reader('fo', 'SELECT v FROM t')).length === 2, 'the new row reaching the remaining reader');
    expect((await reader('fo', 'SELECT pg_is_in_recovery() AS r'))[0]!.r).to.equal(true);
  });
});
