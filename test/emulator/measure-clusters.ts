/**
 * Figures for Aurora PostgreSQL clusters with real servers, at speed 0: from CreateDBCluster (and the
 * writer and a reader asked for at once) to a row written through the cluster endpoint being read
 * through the reader endpoint. Not a test: `npx tsx test/emulator/measure-clusters.ts [rounds]`.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  CreateDBClusterCommand,
  CreateDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator } from '../../src/emulator/index.js';

const rounds = Number(process.argv[2] ?? 3);
const line = (metric: string, value: number, unit: string) =>
  console.log(JSON.stringify({ metric, value: Math.round(value * 10) / 10, unit }));

const emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
const rds = new RDSClient({
  endpoint: emulator.url,
  region: emulator.region,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
});
const ca = readFileSync(emulator.caFile, 'utf8');

async function query(host: string, port: number, text: string): Promise<unknown[]> {
  const c = new pg.Client({
    host,
    port,
    user: 'master',
    password: 'cluster-password-1',
    database: 'app',
    ssl: { ca, rejectUnauthorized: true },
  });
  c.on('error', () => undefined);
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}
const status = async (id: string) =>
  (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!.DBInstanceStatus;

try {
  for (let round = 1; round <= rounds; round++) {
    const id = `measure-${round}`;
    const start = performance.now();
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: id,
        Engine: 'aurora-postgresql',
        MasterUsername: 'master',
        MasterUserPassword: 'cluster-password-1',
        DatabaseName: 'app',
      }),
    );
    for (const member of [`${id}-1`, `${id}-2`]) {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: member,
          DBClusterIdentifier: id,
          DBInstanceClass: 'db.r6g.large',
          Engine: 'aurora-postgresql',
        }),
      );
    }
    while ((await status(`${id}-1`)) !== 'available') await new Promise((r) => setTimeout(r, 5));
    const writerAt = performance.now() - start;
    while ((await status(`${id}-2`)) !== 'available') await new Promise((r) => setTimeout(r, 5));
    const readerAt = performance.now() - start;
    const c = (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters![0]!;
    await query(c.Endpoint!, c.Port!, 'CREATE TABLE t (v int)');
    await query(c.Endpoint!, c.Port!, 'INSERT INTO t VALUES (1)');
    for (;;) {
      const rows = await query(c.ReaderEndpoint!, c.Port!, 'SELECT v FROM t').catch(() => []);
      if (rows.length > 0) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const usable = performance.now() - start;
    line('writer available after CreateDBCluster', writerAt / 1000, 's');
    line('reader available after CreateDBCluster', readerAt / 1000, 's');
    line('a row through the cluster endpoint read through the reader endpoint, after CreateDBCluster', usable / 1000, 's');
  }
} finally {
  await emulator.stop();
}
