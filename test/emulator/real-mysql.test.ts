import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  ModifyDBParameterGroupCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { rdsClient } from './helpers.js';

const mariadbd = [...(process.env.PATH ?? '').split(':'), '/usr/sbin'].some((dir) => dir && existsSync(join(dir, 'mariadbd')));

/** MySQL instances on real mariadbd servers, through the same API. */
describe('emulator with real MySQL databases', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;

  before(async function () {
    if (!mariadbd) {
      console.log('    skipped: mariadbd is not installed (Debian: apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
  });
  after(async () => {
    if (!emulator) return;
    const pids = emulator.pids();
    await emulator.stop();
    for (const pid of pids) expect(() => process.kill(pid, 0), `process ${pid}`).to.throw();
  });

  async function connect(id: string, ssl: boolean) {
    const inst = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
    return mysql.createConnection({
      host: inst.Endpoint!.Address,
      port: inst.Endpoint!.Port,
      user: 'admin1',
      password: 'mysql-password-1',
      database: 'app',
      ssl: ssl ? { ca } : undefined,
    });
  }

  it('creates, snapshots and restores a MySQL instance with its rows; require_secure_transport applies at once', async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'mysql-tls', DBParameterGroupFamily: 'mysql8.0', Description: 'tls' }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'mysql-src',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'mysql',
        EngineVersion: '8.0',
        MasterUsername: 'admin1',
        MasterUserPassword: 'mysql-password-1',
        AllocatedStorage: 20,
        DBName: 'app',
        DBParameterGroupName: 'mysql-tls',
      }),
    );
    expect(await emulator.settle()).to.deep.equal([]);
    const plain = await connect('mysql-src', false);
    await plain.query('CREATE TABLE t (x int)');
    await plain.query('INSERT INTO t VALUES (1), (2)');
    await plain.end();

    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'mysql-tls',
        Parameters: [{ ParameterName: 'require_secure_transport', ParameterValue: '1', ApplyMethod: 'immediate' }],
      }),
    );
    await emulator.settle();
    const refused = await connect('mysql-src', false).then(
      (c) => c.end().then(() => 'accepted'),
      (error: Error) => error.message,
    );
    // MariaDB refuses a plain-text login of a TLS-only account as "Access denied".
    expect(refused).to.match(/secure transport|Access denied/i);
    const tls = await connect('mysql-src', true);
    await tls.end();

    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'mysql-src', DBSnapshotIdentifier: 'mysql-snap' }));
    await emulator.settle();
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'mysql-restored', DBSnapshotIdentifier: 'mysql-snap' }),
    );
    expect(await emulator.settle()).to.deep.equal([]);
    const restored = await connect('mysql-restored', true);
    const [rows] = await restored.query('SELECT x FROM t ORDER BY x');
    await restored.end();
    expect(rows).to.deep.equal([{ x: 1 }, { x: 2 }]);
  });
});
