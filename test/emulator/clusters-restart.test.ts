import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { CreateDBClusterCommand, CreateDBInstanceCommand, DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import { startEmulator } from '../../src/emulator/index.js';
import { rdsClient } from './helpers.js';

/** A cluster with its members and endpoints comes back after the emulator restarts with its state directory. */
describe('emulator DB clusters survive a restart with a state directory', function () {
  this.timeout(300_000);

  it('the cluster, its members and both endpoints are back on the same port, with the data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rds-emulator-clusters-'));
    const options = { stateDir: dir, speed: 0, visibilityLagMs: 0, log: () => undefined, handleSignals: false };
    let emulator = await startEmulator(options);
    try {
      let rds: RDSClient = rdsClient(emulator);
      const ca = readFileSync(emulator.caFile, 'utf8');
      const run = async (which: 'Endpoint' | 'ReaderEndpoint', text: string) => {
        const c = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'kept' }))).DBClusters![0]!;
        const client = new pg.Client({
          host: c[which],
          port: c.Port,
          user: 'master',
          password: 'cluster-password-1',
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
      await rds.send(
        new CreateDBClusterCommand({
          DBClusterIdentifier: 'kept',
          Engine: 'aurora-postgresql',
          MasterUsername: 'master',
          MasterUserPassword: 'cluster-password-1',
          DatabaseName: 'app',
        }),
      );
      for (const id of ['kept-1', 'kept-2']) {
        await rds.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: id,
            DBClusterIdentifier: 'kept',
            DBInstanceClass: 'db.t4g.medium',
            Engine: 'aurora-postgresql',
          }),
        );
      }
      await emulator.settle();
      await run('Endpoint', 'CREATE TABLE t (v text)');
      await run('Endpoint', "INSERT INTO t VALUES ('before')");
      const port = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'kept' }))).DBClusters![0]!.Port;
      await emulator.stop();

      emulator = await startEmulator(options);
      rds = rdsClient(emulator);
      const c = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'kept' }))).DBClusters![0]!;
      expect([c.Status, c.Port]).to.deep.equal(['available', port]);
      expect(c.DBClusterMembers!.map((m) => [m.DBInstanceIdentifier, m.IsClusterWriter])).to.deep.equal([
        ['kept-1', true],
        ['kept-2', false],
      ]);
      await run('Endpoint', "INSERT INTO t VALUES ('after the restart')");
      const deadline = Date.now() + 30_000;
      let seen: string[] = [];
      while (Date.now() < deadline && !seen.includes('after the restart')) {
        seen = await run('ReaderEndpoint', 'SELECT v FROM t ORDER BY v').catch(() => []);
        if (!seen.includes('after the restart')) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(seen).to.deep.equal(['after the restart', 'before']);
    } finally {
      await emulator.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
