import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createConnection } from 'mysql2/promise';
import { CreateDBClusterCommand, CreateDBInstanceCommand, DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { rdsClient, rejection } from './helpers.js';
import { findMariadbd } from '../sql/support/mariadbServer.js';

/** Aurora MySQL with real servers: mariadbd stands in for the writer, a binary-log replica of it for the reader. */
describe('emulator DB clusters with real databases (Aurora MySQL on MariaDB)', function () {
  this.timeout(300_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;

  async function sql(host: 'Endpoint' | 'ReaderEndpoint', text: string): Promise<Array<{ v: string }>> {
    const c = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'aurm' }))).DBClusters![0]!;
    const connection = await createConnection({
      host: c[host],
      port: c.Port,
      user: 'admin',
      password: 'cluster-password-1',
      database: 'app',
      ssl: { ca },
    });
    try {
      return (await connection.query(text))[0] as Array<{ v: string }>;
    } finally {
      await connection.end();
    }
  }

  before(async function () {
    // Only a missing server skips: any other failure is a failure of the test.
    if (!findMariadbd()) {
      console.log('      skipped: mariadbd is not installed (Debian: apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
  });
  after(async () => {
    await emulator?.stop();
  });

  it('writes through the cluster endpoint, reads through the reader endpoint, which is read-only', async () => {
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'aurm',
        Engine: 'aurora-mysql',
        MasterUsername: 'admin',
        MasterUserPassword: 'cluster-password-1',
        DatabaseName: 'app',
      }),
    );
    for (const id of ['aurm-1', 'aurm-2']) {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBClusterIdentifier: 'aurm',
          DBInstanceClass: 'db.r6g.large',
          Engine: 'aurora-mysql',
        }),
      );
    }
    await emulator.settle();
    await sql('Endpoint', 'CREATE TABLE t (v varchar(40) PRIMARY KEY)');
    await sql('Endpoint', "INSERT INTO t VALUES ('first')");
    const deadline = Date.now() + 60_000;
    let seen: string[] = [];
    while (Date.now() < deadline && seen.length === 0) {
      seen = (await sql('ReaderEndpoint', 'SELECT v FROM t').catch(() => [])).map((r) => r.v);
      if (seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(seen).to.deep.equal(['first']);
    const refused = await rejection(sql('ReaderEndpoint', "INSERT INTO t VALUES ('on the reader')"));
    expect(refused.message).to.contain('--read-only');
  });
});
