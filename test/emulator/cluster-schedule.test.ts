import { expect } from 'chai';
import {
  CreateDBClusterCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  ModifyDBClusterCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, rdsClient, startModelEmulator } from './helpers.js';

/** What clusters do on RDS's schedule, driven by the emulator's clock: daily automated snapshots, retention, a queued upgrade. */
describe('emulator DB clusters on their schedule', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;

  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(async () => {
    await emulator?.stop();
  });

  const automated = async () =>
    (await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: 'sched', SnapshotType: 'automated' })))
      .DBClusterSnapshots!;
  const describeCluster = async () => (await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'sched' }))).DBClusters![0]!;
  /** Moves the emulator's clock to the next 02:10 UTC at least `minHours` ahead. */
  async function advanceToBackupWindow(minHours: number): Promise<void> {
    const now = Date.parse((await admin(emulator, 'POST', 'clock', { advanceMs: 0 })).json.now);
    let target = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate(), 2, 10);
    while (target < now + minHours * 3600_000) target += 86_400_000;
    await admin(emulator, 'POST', 'clock', { advanceMs: target - now });
  }

  it('takes the day’s automated snapshot in the backup window and lets those past the retention go', async () => {
    await rds.send(
      new CreateDBClusterCommand({
        DBClusterIdentifier: 'sched',
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        MasterUsername: 'master',
        MasterUserPassword: 'cluster-password-1',
        BackupRetentionPeriod: 3,
        PreferredBackupWindow: '02:00-02:30',
        PreferredMaintenanceWindow: 'mon:04:00-mon:04:30',
      }),
    );
    await emulator.settle();
    expect(await automated()).to.have.length(1);
    await advanceToBackupWindow(21);
    await emulator.settle();
    expect((await automated()).map((s) => s.Status)).to.deep.equal(['available', 'available']);
    await advanceToBackupWindow(21);
    await emulator.settle();
    const three = await automated();
    expect(three).to.have.length(3);
    // Retention down to 1 day, an hour later: only the newest is younger than a day.
    await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'sched', BackupRetentionPeriod: 1 }));
    await admin(emulator, 'POST', 'clock', { advanceMs: 3600_000 });
    const left = await automated();
    const newest = three
      .map((s) => s.DBClusterSnapshotIdentifier!)
      .sort()
      .at(-1);
    expect(left.map((s) => s.DBClusterSnapshotIdentifier)).to.deep.equal([newest]);
  });

  it('applies an engine version queued without ApplyImmediately when the maintenance window comes', async () => {
    const queued = await rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: 'sched', EngineVersion: '16.6' }));
    expect(queued.DBCluster!.PendingModifiedValues).to.deep.equal({ EngineVersion: '16.6' });
    await admin(emulator, 'POST', 'clock', { advanceMs: 8 * 86_400_000 });
    await emulator.settle();
    const c = await describeCluster();
    expect([c.EngineVersion, c.PendingModifiedValues, c.Status]).to.deep.equal(['16.6', undefined, 'available']);
  });
});
