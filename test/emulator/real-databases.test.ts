import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  RebootDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { rdsClient, until } from './helpers.js';

/** The emulator with real PostgreSQL clusters behind its instances: what RDS does to data, done to data. */
describe('emulator with real databases', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;
  const pids = new Set<number>();

  before(async () => {
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
  });
  after(async () => {
    for (const pid of emulator.pids()) pids.add(pid);
    await emulator.stop();
    expect(pids.size).to.be.greaterThan(0);
    for (const pid of pids) expect(isRunning(pid), `database process ${pid} still runs`).to.equal(false);
  });

  function isRunning(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  const describe1 = async (id: string): Promise<DBInstance> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;

  async function connect(id: string, user: string, password: string, ssl: boolean | 'verify' = 'verify'): Promise<pg.Client> {
    const inst = await describe1(id);
    const client = new pg.Client({
      host: inst.Endpoint!.Address,
      port: inst.Endpoint!.Port,
      user,
      password,
      database: 'app',
      ssl: ssl === false ? false : { ca, rejectUnauthorized: true },
      connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    return client;
  }

  async function query<T extends pg.QueryResultRow>(id: string, user: string, password: string, sql: string): Promise<T[]> {
    const client = await connect(id, user, password);
    try {
      return (await client.query<T>(sql)).rows;
    } finally {
      await client.end();
    }
  }

  async function refusal(id: string, user: string, password: string, ssl: boolean | 'verify' = 'verify'): Promise<string> {
    try {
      const client = await connect(id, user, password, ssl);
      await client.end();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the connection was accepted');
  }

  it('creates a real cluster with the master user and database, reachable over verified TLS', async () => {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'real-src',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        MasterUsername: 'master',
        MasterUserPassword: 'master-password-1',
        AllocatedStorage: 20,
        DBName: 'app',
      }),
    );
    expect(await emulator.settle()).to.deep.equal([]);
    const inst = await describe1('real-src');
    expect(inst.DBInstanceStatus).to.equal('available');
    expect(inst.Endpoint!.Port).not.to.equal(5432);
    for (const pid of emulator.pids()) pids.add(pid);
    const rows = await query(
      'real-src',
      'master',
      'master-password-1',
      'SELECT current_user AS who, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(rows).to.deep.equal([{ who: 'master', ssl: true }]);
    await query(
      'real-src',
      'master',
      'master-password-1',
      `
      CREATE TABLE things (id int PRIMARY KEY, name text);
      INSERT INTO things VALUES (1, 'one'), (2, 'two');
      CREATE ROLE app_user LOGIN PASSWORD 'app-user-password';
      GRANT SELECT ON things TO app_user;`,
    );
  });

  it('snapshot then restore carries the rows, the master password and a role with its password', async () => {
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'real-src', DBSnapshotIdentifier: 'real-snap' }));
    await emulator.settle();
    // Written after the snapshot: must not come back.
    await query('real-src', 'master', 'master-password-1', `INSERT INTO things VALUES (3, 'after the snapshot')`);
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'real-restored', DBSnapshotIdentifier: 'real-snap' }),
    );
    expect(await emulator.settle()).to.deep.equal([]);
    expect((await describe1('real-restored')).DBInstanceStatus).to.equal('available');
    for (const pid of emulator.pids()) pids.add(pid);
    const rows = await query('real-restored', 'app_user', 'app-user-password', 'SELECT id, name FROM things ORDER BY id');
    expect(rows).to.deep.equal([
      { id: 1, name: 'one' },
      { id: 2, name: 'two' },
    ]);
    const master = await query('real-restored', 'master', 'master-password-1', 'SELECT current_user AS who');
    expect(master).to.deep.equal([{ who: 'master' }]);
  });

  it('changes the master password: the old one is refused, the new one accepted', async () => {
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'real-restored', MasterUserPassword: 'master-password-2' }));
    await emulator.settle();
    expect(await refusal('real-restored', 'master', 'master-password-1')).to.match(/password authentication failed/);
    expect(await query('real-restored', 'master', 'master-password-2', 'SELECT 1 AS ok')).to.deep.equal([{ ok: 1 }]);
    // The source kept its own password.
    expect(await query('real-src', 'master', 'master-password-1', 'SELECT 1 AS ok')).to.deep.equal([{ ok: 1 }]);
  });

  it('rds.force_ssl: plain text refused while 1, accepted once the group sets 0, without a reboot', async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'real-tls', DBParameterGroupFamily: 'postgres17', Description: 'tls' }),
    );
    await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'real-src', DBParameterGroupName: 'real-tls', ApplyImmediately: true }),
    );
    await emulator.settle();
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'real-src' }));
    await emulator.settle();
    for (const pid of emulator.pids()) pids.add(pid);
    expect((await describe1('real-src')).DBParameterGroups![0]).to.deep.equal({
      DBParameterGroupName: 'real-tls',
      ParameterApplyStatus: 'in-sync',
    });
    expect(await refusal('real-src', 'master', 'master-password-1', false)).to.match(/no pg_hba\.conf entry .*no encryption/);
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'real-tls',
        Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '0', ApplyMethod: 'immediate' }],
      }),
    );
    await emulator.settle();
    expect((await describe1('real-src')).DBParameterGroups![0]!.ParameterApplyStatus).to.equal('in-sync');
    const plain = await connect('real-src', 'master', 'master-password-1', false);
    const ssl = await plain.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    await plain.end();
    expect(ssl.rows).to.deep.equal([{ ssl: false }]);
  });

  it('restores to a point in time between two writes of a deleted instance, from its retained backups', async () => {
    await query('real-src', 'master', 'master-password-1', `CREATE TABLE moments (n int); INSERT INTO moments VALUES (1)`);
    const between = new Date(Date.now() + 1000);
    // Wait until the clock has passed the chosen moment, then write the second row after it.
    await until(
      async () => Date.now(),
      (now) => now > between.getTime() + 200,
    );
    await query('real-src', 'master', 'master-password-1', `INSERT INTO moments VALUES (2)`);
    const written = Date.now();
    // Both writes must be restorable (archived) before the instance goes, as on RDS.
    const source = await until(
      () => describe1('real-src'),
      (inst) => inst.LatestRestorableTime!.getTime() > written,
      3000,
    );
    await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'real-src', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }),
    );
    await emulator.settle();
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDbiResourceId: source.DbiResourceId,
        TargetDBInstanceIdentifier: 'real-pitr',
        RestoreTime: between,
      }),
    );
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDbiResourceId: source.DbiResourceId,
        TargetDBInstanceIdentifier: 'real-latest',
        UseLatestRestorableTime: true,
      }),
    );
    expect(await emulator.settle()).to.deep.equal([]);
    for (const pid of emulator.pids()) pids.add(pid);
    expect(await query('real-pitr', 'master', 'master-password-1', 'SELECT n FROM moments ORDER BY n')).to.deep.equal([{ n: 1 }]);
    expect(await query('real-latest', 'master', 'master-password-1', 'SELECT n FROM moments ORDER BY n')).to.deep.equal([
      { n: 1 },
      { n: 2 },
    ]);
  });
});
