import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { CliSession, findAwsCli, type AwsCli, type CliResult } from './aws-cli-support.js';

/**
 * The AWS CLI and psql together, as an operator would use them: an instance created with the CLI,
 * reached at the endpoint the CLI reports with the master password, over TLS verified against the
 * emulator's authority; `rds.force_ssl` changed with the CLI takes effect on the running server.
 * The engine-level TLS cases are in databases/postgres.test.ts, and what snapshots, restores and
 * password changes do to data in real-databases.test.ts; this file only adds the CLI's path to them.
 */
const PASSWORD = 'cli-master-password-1';

function psqlRun(psql: string, conninfo: string, sql: string): Promise<CliResult> {
  // Only what psql needs: no PG* variables or ~/.psqlrc of whoever runs the tests.
  const env = { PATH: process.env.PATH ?? '', PGPASSWORD: PASSWORD, PGCONNECT_TIMEOUT: '10' };
  return new Promise((resolve) => {
    execFile(psql, ['-X', '-A', '-t', '-c', sql, conninfo], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function findPsql(): Promise<string | undefined> {
  for (const candidate of ['/usr/bin/psql', 'psql']) {
    const probe = await new Promise<number>((resolve) => execFile(candidate, ['--version'], (error) => resolve(error ? 1 : 0)));
    if (probe === 0) return candidate;
  }
  return undefined;
}

describe('AWS CLI against the emulator with real PostgreSQL: endpoint, password and rds.force_ssl seen by psql', function () {
  this.timeout(120_000);
  let cli: AwsCli;
  let emulator: RunningEmulator | undefined;
  let aws: CliSession | undefined;
  let psql: string | undefined;
  const started = new Set<number>();

  before(async function () {
    const found = await findAwsCli();
    if ('missing' in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    cli = found as AwsCli;
    psql = await findPsql();
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, databases: 'real', log: () => undefined });
    aws = await CliSession.open(cli, emulator.url, emulator.region);
  });
  after(async () => {
    await aws?.close();
    if (!emulator) return;
    for (const pid of emulator.pids()) started.add(pid);
    await emulator.stop();
    for (const pid of started) expect(isRunning(pid), `database process ${pid} still runs`).to.equal(false);
  });

  function isRunning(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  let endpoint: { Address: string; Port: number };
  const conninfo = (sslmode: string) =>
    `host=${endpoint.Address} port=${endpoint.Port} user=master dbname=app sslmode=${sslmode}` +
    (sslmode === 'verify-full' ? ` sslrootcert=${emulator!.caFile}` : '');

  function needPsql(context: Mocha.Context): void {
    if (!psql) {
      console.log('      skipped: psql (postgresql-client) is not installed');
      context.skip();
    }
  }

  it('creates an instance with the CLI on a custom parameter group; the CLI waiter sees it available; psql connects with verify-full', async function () {
    const group = (
      await aws!.json([
        'create-db-parameter-group',
        '--db-parameter-group-name',
        'cli-tls',
        '--db-parameter-group-family',
        'postgres17',
        '--description',
        'TLS by the CLI',
      ])
    ).DBParameterGroup;
    expect(group.DBParameterGroupFamily).to.equal('postgres17');
    const created = (
      await aws!.json([
        'create-db-instance',
        '--db-instance-identifier',
        'cli-db',
        '--db-instance-class',
        'db.t3.micro',
        '--engine',
        'postgres',
        '--engine-version',
        '17.4',
        '--master-username',
        'master',
        '--master-user-password',
        PASSWORD,
        '--allocated-storage',
        '20',
        '--db-name',
        'app',
        '--db-parameter-group-name',
        'cli-tls',
      ])
    ).DBInstance;
    expect([created.DBInstanceStatus, created.DBParameterGroups]).to.deep.equal([
      'creating',
      [{ DBParameterGroupName: 'cli-tls', ParameterApplyStatus: 'in-sync' }],
    ]);
    expect(await emulator!.settle()).to.deep.equal([]);
    for (const pid of emulator!.pids()) started.add(pid);

    const waited = await aws!.raw(['wait', 'db-instance-available', '--db-instance-identifier', 'cli-db']);
    expect(waited.code).to.equal(0);
    const inst = (await aws!.json(['describe-db-instances', '--db-instance-identifier', 'cli-db'])).DBInstances[0];
    expect(inst.DBInstanceStatus).to.equal('available');
    expect(inst.Endpoint.Address).to.equal('127.0.0.1');
    endpoint = inst.Endpoint;

    needPsql(this);
    const verified = await psqlRun(
      psql!,
      conninfo('verify-full'),
      'SELECT current_user, current_database(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(verified.stderr).to.equal('');
    expect(verified.stdout.trim()).to.equal('master|app|t');
  });

  it('sslmode=disable is refused while rds.force_ssl is 1 and accepted once modify-db-parameter-group sets 0, without a reboot', async function () {
    needPsql(this);
    const [{ Parameters: parameters }, plainBefore] = await Promise.all([
      aws!.json(['describe-db-parameters', '--db-parameter-group-name', 'cli-tls']),
      psqlRun(psql!, conninfo('disable'), 'SELECT 1'),
    ]);
    expect(parameters.find((p: any) => p.ParameterName === 'rds.force_ssl')).to.include({ ParameterValue: '1', ApplyType: 'dynamic' });
    expect(plainBefore.code).to.not.equal(0);
    expect(plainBefore.stderr).to.include('no pg_hba.conf entry for host "127.0.0.1", user "master", database "app", no encryption');

    const serversBefore = emulator!.pids().sort();
    expect(
      await aws!.json([
        'modify-db-parameter-group',
        '--db-parameter-group-name',
        'cli-tls',
        '--parameters',
        'ParameterName=rds.force_ssl,ParameterValue=0,ApplyMethod=immediate',
      ]),
    ).to.deep.equal({ DBParameterGroupName: 'cli-tls' });
    expect(await emulator!.settle()).to.deep.equal([]);

    const inst = (await aws!.json(['describe-db-instances', '--db-instance-identifier', 'cli-db'])).DBInstances[0];
    expect([inst.DBInstanceStatus, inst.DBParameterGroups]).to.deep.equal([
      'available',
      [{ DBParameterGroupName: 'cli-tls', ParameterApplyStatus: 'in-sync' }],
    ]);
    const plainAfter = await psqlRun(psql!, conninfo('disable'), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    expect(plainAfter.stderr).to.equal('');
    expect(plainAfter.stdout.trim()).to.equal('f');
    // The same server processes: the change applied to the running server, no restart.
    expect(emulator!.pids().sort()).to.deep.equal(serversBefore);
    // TLS still works, verified, for those who ask for it.
    expect(
      (await psqlRun(psql!, conninfo('verify-full'), 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).stdout.trim(),
    ).to.equal('t');
  });

  it('create-db-instance-read-replica: the waiter sees it available, describe shows the replica fields, psql reads and cannot write', async function () {
    needPsql(this);
    const source = (await aws!.json(['describe-db-instances', '--db-instance-identifier', 'cli-db'])).DBInstances[0];
    expect(
      (await psqlRun(psql!, conninfo('verify-full'), "CREATE TABLE cli_t (v text); INSERT INTO cli_t VALUES ('from the source')")).stderr,
    ).to.equal('');
    const created = (
      await aws!.json([
        'create-db-instance-read-replica',
        '--db-instance-identifier',
        'cli-db-replica',
        '--source-db-instance-identifier',
        source.DBInstanceArn,
        '--db-instance-class',
        'db.t3.small',
        '--tags',
        'Key=role,Value=reader',
      ])
    ).DBInstance;
    expect([created.DBInstanceStatus, created.ReadReplicaSourceDBInstanceIdentifier]).to.deep.equal(['creating', 'cli-db']);
    // The waiter polls every 30 s; settled first, its first look already finds the replica available.
    expect(await emulator!.settle()).to.deep.equal([]);
    const waited = await aws!.raw(['wait', 'db-instance-available', '--db-instance-identifier', 'cli-db-replica']);
    expect(waited.code).to.equal(0);
    const replica = (await aws!.json(['describe-db-instances', '--db-instance-identifier', 'cli-db-replica'])).DBInstances[0];
    expect(replica).to.deep.include({
      DBInstanceStatus: 'available',
      DBInstanceClass: 'db.t3.small',
      BackupRetentionPeriod: 0,
      ReadReplicaSourceDBInstanceIdentifier: 'cli-db',
      StatusInfos: [{ StatusType: 'read replication', Normal: true, Status: 'replicating' }],
      TagList: [{ Key: 'role', Value: 'reader' }],
    });
    const listed = await aws!.json([
      'describe-db-instances',
      '--db-instance-identifier',
      'cli-db',
      '--query',
      'DBInstances[0].ReadReplicaDBInstanceIdentifiers',
    ]);
    expect(listed).to.deep.equal(['cli-db-replica']);
    for (const pid of emulator!.pids()) started.add(pid);

    const onReplica = `host=127.0.0.1 port=${replica.Endpoint.Port} user=master dbname=app sslmode=verify-full sslrootcert=${emulator!.caFile}`;
    expect((await psqlRun(psql!, onReplica, 'SELECT v FROM cli_t')).stdout.trim()).to.equal('from the source');
    const write = await psqlRun(psql!, onReplica, "INSERT INTO cli_t VALUES ('on the replica')");
    expect(write.stderr).to.include('cannot execute INSERT in a read-only transaction');

    const mode = await aws!.serviceError([
      'create-db-instance-read-replica',
      '--db-instance-identifier',
      'cli-db-replica-2',
      '--source-db-instance-identifier',
      'cli-db',
      '--replica-mode',
      'mounted',
    ]);
    expect([mode.code, mode.operation]).to.deep.equal(['InvalidParameterCombination', 'CreateDBInstanceReadReplica']);
    const finalSnapshot = await aws!.serviceError([
      'delete-db-instance',
      '--db-instance-identifier',
      'cli-db-replica',
      '--final-db-snapshot-identifier',
      'cli-db-replica-final',
    ]);
    expect([finalSnapshot.code, finalSnapshot.message]).to.deep.equal([
      'InvalidParameterCombination',
      'FinalDBSnapshotIdentifier can not be specified when deleting a replica instance',
    ]);
    const promoted = (await aws!.json(['promote-read-replica', '--db-instance-identifier', 'cli-db-replica'])).DBInstance;
    expect(promoted.DBInstanceStatus).to.equal('modifying');
    expect(await emulator!.settle()).to.deep.equal([]);
    expect((await aws!.raw(['wait', 'db-instance-available', '--db-instance-identifier', 'cli-db-replica'])).code).to.equal(0);
    expect((await psqlRun(psql!, onReplica, "INSERT INTO cli_t VALUES ('promoted')")).stderr).to.equal('');
  });
});
