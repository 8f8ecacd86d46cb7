import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBParameterGroupCommand,
  RebootDBInstanceCommand,
  ResetDBParameterGroupCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { findMariadbd } from '../../src/emulator/parameters/read-settings.js';
import { rdsClient } from './helpers.js';

/** Parameter groups acting on the real servers: dynamic values once in-sync, static ones after a reboot. */
describe('emulator parameters on real servers', function () {
  this.timeout(300_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;

  before(async () => {
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
  });
  after(() => emulator.stop());

  const describe1 = async (id: string): Promise<DBInstance> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  const applyStatus = async (id: string) => (await describe1(id)).DBParameterGroups![0]!.ParameterApplyStatus;

  async function show(id: string, setting: string): Promise<string> {
    const inst = await describe1(id);
    const client = new pg.Client({
      host: inst.Endpoint!.Address,
      port: inst.Endpoint!.Port,
      user: 'master',
      password: 'master-password-1',
      database: 'postgres',
      ssl: { ca, rejectUnauthorized: true },
      connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    try {
      return (await client.query<Record<string, string>>(`SHOW ${setting}`)).rows[0]![setting]!;
    } finally {
      await client.end();
    }
  }

  const modify = (group: string, ParameterName: string, ParameterValue: string, ApplyMethod: 'immediate' | 'pending-reboot') =>
    rds.send(
      new ModifyDBParameterGroupCommand({ DBParameterGroupName: group, Parameters: [{ ParameterName, ParameterValue, ApplyMethod }] }),
    );

  it('PostgreSQL: work_mem changes in the running server; max_connections (a formula) after the reboot', async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'pg-acts', DBParameterGroupFamily: 'postgres17', Description: 'acts' }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'pg-acts',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        MasterUsername: 'master',
        MasterUserPassword: 'master-password-1',
        AllocatedStorage: 20,
        DBParameterGroupName: 'pg-acts',
      }),
    );
    await emulator.settle();
    const before = await show('pg-acts', 'max_connections');
    expect(await show('pg-acts', 'work_mem')).to.equal('4MB');

    await modify('pg-acts', 'work_mem', '16384', 'immediate');
    await emulator.settle();
    expect(await applyStatus('pg-acts')).to.equal('in-sync');
    expect(await show('pg-acts', 'work_mem')).to.equal('16MB');

    // db.t3.micro: 1 GiB, so LEAST(1073741824/9531392, 5000) = 112.
    await modify('pg-acts', 'max_connections', 'LEAST({DBInstanceClassMemory/9531392},5000)', 'pending-reboot');
    await emulator.settle();
    expect(await applyStatus('pg-acts')).to.equal('pending-reboot');
    expect(await show('pg-acts', 'max_connections')).to.equal(before);
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'pg-acts' }));
    await emulator.settle();
    expect(await applyStatus('pg-acts')).to.equal('in-sync');
    expect(await show('pg-acts', 'max_connections')).to.equal('112');

    // Reset: the dynamic value goes back at once.
    await rds.send(
      new ResetDBParameterGroupCommand({
        DBParameterGroupName: 'pg-acts',
        Parameters: [{ ParameterName: 'work_mem', ApplyMethod: 'immediate' }],
      }),
    );
    await emulator.settle();
    expect(await show('pg-acts', 'work_mem')).to.equal('4MB');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'pg-acts', SkipFinalSnapshot: true }));
    await emulator.settle();
  });

  it('MariaDB: max_connections and long_query_time change in the running server', async function () {
    if (!findMariadbd()) {
      console.log('    skipped: mariadbd is not installed (Debian: apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'my-acts', DBParameterGroupFamily: 'mariadb11.4', Description: 'acts' }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'my-acts',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'mariadb',
        MasterUsername: 'master',
        MasterUserPassword: 'master-password-1',
        AllocatedStorage: 20,
        DBParameterGroupName: 'my-acts',
      }),
    );
    await emulator.settle();
    const read = async (): Promise<Record<string, unknown>> => {
      const inst = await describe1('my-acts');
      const connection = await mysql.createConnection({
        host: inst.Endpoint!.Address,
        port: inst.Endpoint!.Port,
        user: 'master',
        password: 'master-password-1',
        ssl: { ca },
      });
      try {
        const [rows] = await connection.query(
          'SELECT @@GLOBAL.max_connections AS max_connections, @@GLOBAL.long_query_time AS long_query_time',
        );
        return (rows as Array<Record<string, unknown>>)[0]!;
      } finally {
        await connection.end();
      }
    };
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'my-acts',
        Parameters: [
          { ParameterName: 'max_connections', ParameterValue: '77', ApplyMethod: 'immediate' },
          { ParameterName: 'long_query_time', ParameterValue: '2.5', ApplyMethod: 'immediate' },
        ],
      }),
    );
    await emulator.settle();
    expect(await applyStatus('my-acts')).to.equal('in-sync');
    expect(await read()).to.deep.equal({ max_connections: 77, long_query_time: 2.5 });
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'my-acts', SkipFinalSnapshot: true }));
    await emulator.settle();
  });
});
