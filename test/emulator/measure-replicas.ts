/**
 * Figures for read replicas with real PostgreSQL, at speed 0: CreateDBInstanceReadReplica to
 * `available` (online copy of the source, start, streaming), and a row written on the source to
 * its first sight on the replica (polled every 5 ms). Not a test: `npx tsx test/emulator/measure-replicas.ts [rounds]`.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { CreateDBInstanceCommand, CreateDBInstanceReadReplicaCommand, DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
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
const describe1 = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
async function availableAfter(id: string, since: number): Promise<number> {
  while ((await describe1(id)).DBInstanceStatus !== 'available') await new Promise((r) => setTimeout(r, 5));
  return performance.now() - since;
}
async function client(id: string): Promise<pg.Client> {
  const c = new pg.Client({
    host: '127.0.0.1',
    port: (await describe1(id)).Endpoint!.Port,
    user: 'master',
    password: 'master-password-1',
    database: 'app',
    ssl: { ca, rejectUnauthorized: true },
  });
  await c.connect();
  return c;
}

try {
  const base = { DBInstanceClass: 'db.t3.micro', Engine: 'postgres', MasterUsername: 'master', MasterUserPassword: 'master-password-1' };
  await rds.send(new CreateDBInstanceCommand({ ...base, AllocatedStorage: 20, DBInstanceIdentifier: 'measure-source', DBName: 'app' }));
  await availableAfter('measure-source', performance.now());
  const source = await client('measure-source');
  await source.query('CREATE TABLE t (n int)');
  for (let round = 1; round <= rounds; round++) {
    const id = `measure-replica-${round}`;
    const started = performance.now();
    await rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: id, SourceDBInstanceIdentifier: 'measure-source' }));
    line('CreateDBInstanceReadReplica to available', await availableAfter(id, started), 'ms');
    const replica = await client(id);
    const written = performance.now();
    await source.query('INSERT INTO t VALUES ($1)', [round]);
    while ((await replica.query('SELECT 1 FROM t WHERE n = $1', [round])).rowCount === 0) await new Promise((r) => setTimeout(r, 5));
    line('row committed on the source to visible on the replica', performance.now() - written, 'ms');
    await replica.end();
  }
  await source.end();
} finally {
  await emulator.stop();
}
