import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { inDailyWindow } from '../../src/emulator/runtime/daily-backups.js';
import { admin, rdsClient, until } from './helpers.js';

const DAY = 86_400_000;
const hhmm = (minuteOfDay: number) => {
  const m = ((minuteOfDay % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

describe('emulator daily automated backups: the window (pure)', () => {
  const at = (iso: string) => Date.parse(iso);
  it('is open from its start to its end, in UTC, every day', () => {
    expect(inDailyWindow('03:00-03:30', at('2026-12-03T03:00:00Z'))).to.equal(true);
    expect(inDailyWindow('03:00-03:30', at('2026-12-04T03:29:59Z'))).to.equal(true);
    expect(inDailyWindow('03:00-03:30', at('2026-12-03T03:30:00Z'))).to.equal(false);
    expect(inDailyWindow('03:00-03:30', at('2026-12-03T02:59:59Z'))).to.equal(false);
  });
  it('spans midnight when it ends before it starts', () => {
    expect(inDailyWindow('23:45-00:15', at('2026-12-03T23:50:00Z'))).to.equal(true);
    expect(inDailyWindow('23:45-00:15', at('2026-12-04T00:10:00Z'))).to.equal(true);
    expect(inDailyWindow('23:45-00:15', at('2026-12-04T00:20:00Z'))).to.equal(false);
  });
});

/** Real PostgreSQL behind the emulator: a day later, the day's backup holds what was written before it. */
describe('emulator daily automated backups (real PostgreSQL)', function () {
  this.timeout(180_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let ca: string;

  before(async () => {
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, log: () => undefined });
    rds = rdsClient(emulator);
    ca = readFileSync(emulator.caFile, 'utf8');
  });
  after(async () => {
    await emulator?.stop();
  });

  const automated = async (id: string) =>
    (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: id, SnapshotType: 'automated' }))).DBSnapshots ?? [];
  const endpoint = async (id: string) =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!.Endpoint!;
  async function query(id: string, sql: string): Promise<pg.QueryResultRow[]> {
    const { Address, Port } = await endpoint(id);
    const client = new pg.Client({
      host: Address,
      port: Port,
      user: 'master',
      password: 'master-password-1',
      database: 'app',
      ssl: { ca, rejectUnauthorized: true },
    });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  it('takes one backup a day in the backup window, which a restore finds with the data written before it', async () => {
    // A backup window that opens now (time of day), and a maintenance window half a day away.
    const minute = Math.floor((Date.now() % DAY) / 60_000);
    const backupWindow = `${hhmm(minute - 1)}-${hhmm(minute + 40)}`;
    // Half a day away, and never across midnight (a weekly window that does would need the next day's name).
    const maintenanceStart = (minute + 720) % 1440 > 1380 ? (minute + 660) % 1440 : (minute + 720) % 1440;
    const maintenanceWindow = `mon:${hhmm(maintenanceStart)}-mon:${hhmm(maintenanceStart + 30)}`;
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'daily',
        DBInstanceClass: 'db.t3.micro',
        Engine: 'postgres',
        MasterUsername: 'master',
        MasterUserPassword: 'master-password-1',
        AllocatedStorage: 20,
        DBName: 'app',
        BackupRetentionPeriod: 2,
        PreferredBackupWindow: backupWindow,
        PreferredMaintenanceWindow: maintenanceWindow,
      }),
    );
    expect(await emulator.settle()).to.deep.equal([]);
    const first = await automated('daily');
    expect(first.map((s) => s.Status)).to.deep.equal(['available']);
    // Nothing more the same day, even with the window open.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await automated('daily')).length).to.equal(1);

    await query('daily', "CREATE TABLE t (v text); INSERT INTO t VALUES ('written today')");
    expect((await admin(emulator, 'POST', 'clock', { advanceMs: DAY })).status).to.equal(200);
    const two = await until(
      () => automated('daily'),
      (list) => list.length === 2 && list.every((s) => s.Status === 'available'),
      1500,
    );
    const newest = two.sort((a, b) => b.SnapshotCreateTime!.getTime() - a.SnapshotCreateTime!.getTime())[0]!;
    expect(newest.DBSnapshotIdentifier).to.match(/^rds:daily-\d{4}-\d\d-\d\d-\d\d-\d\d$/);
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'daily-copy',
        DBSnapshotIdentifier: newest.DBSnapshotIdentifier,
        DBInstanceClass: 'db.t3.micro',
      }),
    );
    expect(await emulator.settle()).to.deep.equal([]);
    expect(await query('daily-copy', 'SELECT v FROM t')).to.deep.equal([{ v: 'written today' }]);

    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'daily-copy', SkipFinalSnapshot: true }));

    // Two days' retention: a day later the creation backup is past it and goes; yesterday's stays; today's is taken.
    expect((await admin(emulator, 'POST', 'clock', { advanceMs: DAY })).status).to.equal(200);
    const later = await until(
      () => automated('daily'),
      (list) =>
        list.length === 2 &&
        list.every((s) => s.Status === 'available') &&
        !list.some((s) => s.DBSnapshotIdentifier === first[0]!.DBSnapshotIdentifier),
      1500,
    );
    expect(later.map((s) => s.DBSnapshotIdentifier)).to.include(newest.DBSnapshotIdentifier);
  });
});
