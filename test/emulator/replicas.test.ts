import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createConnection } from 'mysql2/promise';
import {
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  PromoteReadReplicaCommand,
  RebootDBInstanceCommand,
  waitUntilDBInstanceAvailable,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { baseInstance, rdsClient, rejection } from './helpers.js';
import { findMariadbd } from '../sql/support/mariadbServer.js';

/**
 * Read replicas through the AWS SDK, with real PostgreSQL behind them: each replica a hot standby
 * streaming its source's WAL, a write on it refused by PostgreSQL itself, promotion to a writable
 * instance, the source's deletion promoting its replicas, and replication surviving a restart.
 */
describe('emulator read replicas (PostgreSQL, real databases)', function () {
  this.timeout(240_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;
  const password = baseInstance.MasterUserPassword;

  const describe1 = async (id: string): Promise<DBInstance> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  const available = (id: string) =>
    waitUntilDBInstanceAvailable({ client: rds, maxWaitTime: 180, minDelay: 1, maxDelay: 1 }, { DBInstanceIdentifier: id });

  async function sql<T extends pg.QueryResultRow>(id: string, text: string): Promise<T[]> {
    const inst = await describe1(id);
    const client = new pg.Client({
      host: inst.Endpoint!.Address,
      port: inst.Endpoint!.Port,
      user: baseInstance.MasterUsername,
      password,
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
  const values = async (id: string) => (await sql<{ v: string }>(id, 'SELECT v FROM t ORDER BY v')).map((r) => r.v);
  /** Polls the replica until the row is there (replication is asynchronous, as on RDS). */
  async function replicated(id: string, value: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if ((await values(id)).includes(value)) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`row ${value} never reached ${id}`);
  }

  before(async () => {
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
    await rds.send(
      new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'rr-source', DBName: 'app', EngineVersion: '16.4' }),
    );
    await available('rr-source');
    await sql('rr-source', "CREATE TABLE t (v text); INSERT INTO t VALUES ('first')");
  });
  after(async () => {
    await emulator?.stop();
  });

  it('creates a replica from the source ARN: creating, then available, inheriting the source with its own settings', async () => {
    const source = await describe1('rr-source');
    const created = await rds.send(
      new CreateDBInstanceReadReplicaCommand({
        DBInstanceIdentifier: 'rr-one',
        SourceDBInstanceIdentifier: source.DBInstanceArn,
        DBInstanceClass: 'db.t3.small',
        AvailabilityZone: 'us-east-1b',
        CopyTagsToSnapshot: true,
        Tags: [{ Key: 'role', Value: 'reader' }],
      }),
    );
    expect(created.DBInstance).to.include({ DBInstanceStatus: 'creating', ReadReplicaSourceDBInstanceIdentifier: 'rr-source' });
    await available('rr-one');
    const replica = await describe1('rr-one');
    expect(replica).to.deep.include({
      DBInstanceClass: 'db.t3.small',
      AvailabilityZone: 'us-east-1b',
      Engine: 'postgres',
      EngineVersion: '16.4',
      MasterUsername: 'master',
      DBName: 'app',
      BackupRetentionPeriod: 0,
      CopyTagsToSnapshot: true,
      ReadReplicaSourceDBInstanceIdentifier: 'rr-source',
      ReadReplicaDBInstanceIdentifiers: [],
      TagList: [{ Key: 'role', Value: 'reader' }],
      StatusInfos: [{ StatusType: 'read replication', Normal: true, Status: 'replicating' }],
    });
    expect(replica.Endpoint!.Port).to.not.equal(source.Endpoint!.Port);
    expect(replica.ReplicaMode).to.equal(undefined);
    expect((await describe1('rr-source')).ReadReplicaDBInstanceIdentifiers).to.deep.equal(['rr-one']);
    expect(await values('rr-one')).to.deep.equal(['first']);
  });

  it('streams a write on the source to the replica, and the replica refuses writes with PostgreSQL own error', async () => {
    await sql('rr-source', "INSERT INTO t VALUES ('second')");
    await replicated('rr-one', 'second');
    const refused = await rejection(sql('rr-one', "INSERT INTO t VALUES ('on the replica')"));
    expect(refused.message).to.equal('cannot execute INSERT in a read-only transaction');
  });

  it("refuses RDS's way: no backups on the source (nor on a replica as a source), ReplicaMode, a replica's final snapshot, a source's retention 0", async () => {
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'rr-nobackup', BackupRetentionPeriod: 0 }));
    await available('rr-nobackup');
    const noBackups = await rejection(
      rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'rr-x', SourceDBInstanceIdentifier: 'rr-nobackup' })),
    );
    expect([noBackups.name, noBackups.message]).to.deep.equal([
      'InvalidDBInstanceStateFault',
      'Automated backups are not enabled for this database instance. To enable automated backups, use ModifyDBInstance to set the backup retention period to a non-zero value.',
    ]);
    const mode = await rejection(
      rds.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: 'rr-x',
          SourceDBInstanceIdentifier: 'rr-source',
          ReplicaMode: 'mounted',
        }),
      ),
    );
    expect(mode.name).to.equal('InvalidParameterCombination');
    const cascade = await rejection(
      rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'rr-x', SourceDBInstanceIdentifier: 'rr-one' })),
    );
    expect(cascade.name).to.equal('InvalidDBInstanceStateFault');
    const finalSnapshot = await rejection(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'rr-one', FinalDBSnapshotIdentifier: 'rr-one-final' })),
    );
    expect([finalSnapshot.name, finalSnapshot.message]).to.deep.equal([
      'InvalidParameterCombination',
      'FinalDBSnapshotIdentifier can not be specified when deleting a replica instance',
    ]);
    const sourceWithoutBackups = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'rr-source', BackupRetentionPeriod: 0, ApplyImmediately: true })),
    );
    expect(sourceWithoutBackups.name).to.equal('InvalidParameterCombination');
    expect((await describe1('rr-one')).DBInstanceStatus).to.equal('available');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'rr-nobackup', SkipFinalSnapshot: true }));
  });

  it('reboots and modifies a replica; it keeps replicating', async () => {
    const rebooting = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'rr-one' }));
    expect(rebooting.DBInstance!.DBInstanceStatus).to.equal('rebooting');
    await available('rr-one');
    await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'rr-one', DBInstanceClass: 'db.t3.medium', ApplyImmediately: true }),
    );
    await emulator.settle();
    expect((await describe1('rr-one')).DBInstanceClass).to.equal('db.t3.medium');
    await sql('rr-source', "INSERT INTO t VALUES ('third')");
    await replicated('rr-one', 'third');
    // StatusInfos follows what the replica reports (refreshed every second, as RDS refreshes it).
    let status: string | undefined;
    for (let i = 0; i < 100 && status !== 'replicating'; i++) {
      status = (await describe1('rr-one')).StatusInfos?.[0]?.Status;
      if (status !== 'replicating') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).to.equal('replicating');
  });

  it('promotes a replica: modifying, then a writable standalone instance with backups', async () => {
    const promoting = await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'rr-one', BackupRetentionPeriod: 3 }));
    expect(promoting.DBInstance!.DBInstanceStatus).to.equal('modifying');
    await available('rr-one');
    const promoted = await describe1('rr-one');
    expect(promoted.ReadReplicaSourceDBInstanceIdentifier).to.equal(undefined);
    expect(promoted.StatusInfos ?? []).to.deep.equal([]);
    expect(promoted.BackupRetentionPeriod).to.equal(3);
    expect((await describe1('rr-source')).ReadReplicaDBInstanceIdentifiers).to.deep.equal([]);
    await sql('rr-one', "INSERT INTO t VALUES ('written on the promoted')");
    await sql('rr-source', "INSERT INTO t VALUES ('source only')");
    expect(await values('rr-one')).to.not.include('source only');
    const again = await rejection(rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'rr-one' })));
    expect(again.name).to.equal('InvalidDBInstanceStateFault');
  });

  it("deleting a source promotes its replicas to standalone instances, with the source's data", async () => {
    await rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'rr-two', SourceDBInstanceIdentifier: 'rr-source' }));
    await available('rr-two');
    await sql('rr-source', "INSERT INTO t VALUES ('last')");
    await replicated('rr-two', 'last');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'rr-source', SkipFinalSnapshot: true }));
    await emulator.settle();
    const standalone = await describe1('rr-two');
    expect(standalone.DBInstanceStatus).to.equal('available');
    expect(standalone.ReadReplicaSourceDBInstanceIdentifier).to.equal(undefined);
    await sql('rr-two', "INSERT INTO t VALUES ('writable')");
    expect(await values('rr-two')).to.include.members(['last', 'writable']);
    const gone = await rejection(describe1('rr-source'));
    expect(gone.name).to.equal('DBInstanceNotFoundFault');
  });
});

describe('emulator read replicas survive a restart with a state directory', function () {
  this.timeout(240_000);

  it('the replica streams again after the emulator restarted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rds-emulator-replicas-'));
    const options = { stateDir: dir, speed: 0, visibilityLagMs: 0, log: () => undefined, handleSignals: false };
    let emulator = await startEmulator(options);
    try {
      let rds = rdsClient(emulator);
      const ca = readFileSync(emulator.caFile, 'utf8');
      const wait = (id: string) =>
        waitUntilDBInstanceAvailable({ client: rds, maxWaitTime: 180, minDelay: 1, maxDelay: 1 }, { DBInstanceIdentifier: id });
      const run = async (id: string, text: string) => {
        const inst = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
        const client = new pg.Client({
          host: '127.0.0.1',
          port: inst.Endpoint!.Port,
          user: 'master',
          password: baseInstance.MasterUserPassword,
          database: 'app',
          ssl: { ca, rejectUnauthorized: true },
        });
        client.on('error', () => undefined);
        await client.connect();
        try {
          return (await client.query<{ v: string }>(text)).rows.map((r) => r.v);
        } finally {
          await client.end();
        }
      };
      await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'keep-source', DBName: 'app' }));
      await wait('keep-source');
      await run('keep-source', 'CREATE TABLE t (v text)');
      await run('keep-source', "INSERT INTO t VALUES ('before')");
      await rds.send(
        new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'keep-replica', SourceDBInstanceIdentifier: 'keep-source' }),
      );
      await wait('keep-replica');
      await emulator.stop();

      emulator = await startEmulator(options);
      rds = rdsClient(emulator);
      const replica = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'keep-replica' }))).DBInstances![0]!;
      expect(replica.ReadReplicaSourceDBInstanceIdentifier).to.equal('keep-source');
      await run('keep-source', "INSERT INTO t VALUES ('after the restart')");
      const deadline = Date.now() + 30_000;
      let seen: string[] = [];
      while (Date.now() < deadline && !seen.includes('after the restart')) {
        seen = await run('keep-replica', 'SELECT v FROM t ORDER BY v');
        if (!seen.includes('after the restart')) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(seen).to.deep.equal(['after the restart', 'before']);
      const refused = await rejection(run('keep-replica', "INSERT INTO t VALUES ('x')"));
      expect(refused.message).to.equal('cannot execute INSERT in a read-only transaction');
    } finally {
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('emulator read replicas (MySQL on MariaDB, real databases)', function () {
  this.timeout(240_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;

  async function sql(id: string, text: string): Promise<Array<{ v: string }>> {
    const inst = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
    const connection = await createConnection({
      host: '127.0.0.1',
      port: inst.Endpoint!.Port,
      user: 'master',
      password: baseInstance.MasterUserPassword,
      database: 'app',
      ssl: { ca },
    });
    try {
      return (await connection.query(text))[0] as Array<{ v: string }>;
    } finally {
      await connection.end();
    }
  }
  const available = (id: string) =>
    waitUntilDBInstanceAvailable({ client: rds, maxWaitTime: 180, minDelay: 1, maxDelay: 1 }, { DBInstanceIdentifier: id });

  before(async function () {
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
    // Only a missing server skips: any other failure to create the source is a failure of the test.
    if (!findMariadbd()) {
      console.log('      skipped: mariadbd is not installed (Debian: apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    await rds.send(
      new CreateDBInstanceCommand({
        ...baseInstance,
        Engine: 'mysql',
        EngineVersion: '8.0.39',
        DBInstanceIdentifier: 'my-source',
        DBName: 'app',
      }),
    );
    await available('my-source');
    await sql('my-source', 'CREATE TABLE t (v varchar(40) PRIMARY KEY)');
    await sql('my-source', "INSERT INTO t VALUES ('first')");
  });
  after(async () => {
    await emulator?.stop();
  });

  it('replicates the binary log to a read-only replica, refuses writes there, and promotes it', async () => {
    await rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: 'my-replica', SourceDBInstanceIdentifier: 'my-source' }));
    await available('my-replica');
    const replica = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'my-replica' }))).DBInstances![0]!;
    expect(replica).to.deep.include({
      Engine: 'mysql',
      ReadReplicaSourceDBInstanceIdentifier: 'my-source',
      StatusInfos: [{ StatusType: 'read replication', Normal: true, Status: 'replicating' }],
    });
    await sql('my-source', "INSERT INTO t VALUES ('second')");
    const deadline = Date.now() + 30_000;
    let seen: string[] = [];
    while (Date.now() < deadline && !seen.includes('second')) {
      seen = (await sql('my-replica', 'SELECT v FROM t ORDER BY v')).map((r) => r.v);
      if (!seen.includes('second')) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(seen).to.deep.equal(['first', 'second']);
    const refused = await rejection(sql('my-replica', "INSERT INTO t VALUES ('x')"));
    expect(refused.message).to.equal('The MariaDB server is running with the --read-only option so it cannot execute this statement');
    await rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: 'my-replica' }));
    await emulator.settle();
    await sql('my-replica', "INSERT INTO t VALUES ('promoted')");
    expect((await sql('my-replica', 'SELECT v FROM t ORDER BY v')).map((r) => r.v)).to.deep.equal(['first', 'promoted', 'second']);
  });
});
