/**
 * Figures for the emulator with real PostgreSQL: CreateDBInstance to available at speed 0, snapshot
 * and restore of a database holding about 10 MB, and memory per running instance (PSS of the
 * server's processes, Linux). Not a test: `npx tsx test/emulator/measure-databases.ts`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import pg from 'pg';
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator } from '../../src/emulator/index.js';

const line = (metric: string, value: number, unit: string) =>
  console.log(JSON.stringify({ metric, value: Math.round(value * 10) / 10, unit }));

/** Proportional set size of a process and its children, in KiB. */
function pssKb(rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone
    }
  }
  let total = 0;
  const visit = (pid: number) => {
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1]);
    } catch {
      // gone
    }
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(rootPid);
  return total;
}

const emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
const rds = new RDSClient({ endpoint: emulator.url, region: emulator.region, credentials: { accessKeyId: 't', secretAccessKey: 't' } });
try {
  const ca = readFileSync(emulator.caFile, 'utf8');
  let started = performance.now();
  await rds.send(
    new CreateDBInstanceCommand({
      DBInstanceIdentifier: 'measure',
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      MasterUsername: 'master',
      MasterUserPassword: 'master-password-1',
      AllocatedStorage: 20,
      DBName: 'app',
    }),
  );
  await emulator.settle();
  line('create_to_available', performance.now() - started, 'ms');
  const port = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'measure' }))).DBInstances![0]!.Endpoint!.Port!;
  line('pss_per_idle_instance', pssKb(emulator.pids()[0]!) / 1024, 'MiB');
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'master', password: 'master-password-1', database: 'app', ssl: { ca } });
  await client.connect();
  await client.query(
    `CREATE TABLE filler AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS payload FROM generate_series(1, 100000) g`,
  );
  const size = (await client.query<{ bytes: string }>(`SELECT pg_total_relation_size('filler') AS bytes`)).rows[0]!.bytes;
  await client.end();
  line('table_size', Number(size) / 1024 / 1024, 'MiB');
  started = performance.now();
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'measure', DBSnapshotIdentifier: 'measure-snap' }));
  await emulator.settle();
  line('snapshot', performance.now() - started, 'ms');
  started = performance.now();
  await rds.send(
    new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'measure-restored', DBSnapshotIdentifier: 'measure-snap' }),
  );
  await emulator.settle();
  line('restore_to_available', performance.now() - started, 'ms');
} finally {
  await emulator.stop();
}
