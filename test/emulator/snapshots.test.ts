import { expect } from 'chai';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceAutomatedBackupCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

const ARN = 'arn:aws:rds:us-east-1:123456789012';

describe('emulator snapshots, restores and automated backups', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());

  const inst = async (id: string): Promise<DBInstance> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  async function create(id: string, extra: Record<string, unknown> = {}): Promise<DBInstance> {
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: id, ...extra }));
    await emulator.settle();
    return inst(id);
  }

  it('takes a manual snapshot: the instance shows backing-up, the snapshot creating, then both are done', async () => {
    await create('snap-src', {
      Tags: [{ Key: 'tenant', Value: 'org-1' }],
      CopyTagsToSnapshot: true,
      VpcSecurityGroupIds: ['sg-0123456789abcdef0'],
    });
    emulator.hold('snap-src');
    const answer = await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'snap-src', DBSnapshotIdentifier: 'Snap-One' }));
    expect(answer.DBSnapshot!.Status).to.equal('creating');
    expect(answer.DBSnapshot!.DBSnapshotIdentifier).to.equal('snap-one');
    expect(answer.DBSnapshot!.TagList).to.deep.equal([{ Key: 'tenant', Value: 'org-1' }]);
    expect((await inst('snap-src')).DBInstanceStatus).to.equal('backing-up');
    expect(await emulator.step('snap-src')).to.equal('available');
    emulator.release('snap-src');
    const snapshot = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'snap-one' }))).DBSnapshots![0]!;
    expect(snapshot.Status).to.equal('available');
    expect(snapshot.PercentProgress).to.equal(100);
    expect(snapshot.SnapshotCreateTime).to.be.instanceOf(Date);
    expect(snapshot.Engine).to.equal('postgres');
    expect(snapshot.MasterUsername).to.equal('master');
    expect(snapshot.DbiResourceId).to.equal((await inst('snap-src')).DbiResourceId);
    // Tags given with the request replace the copied ones.
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'snap-src',
        DBSnapshotIdentifier: 'snap-two',
        Tags: [{ Key: 'kind', Value: 'explicit' }],
      }),
    );
    await emulator.settle();
    expect((await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'snap-two' }))).DBSnapshots![0]!.TagList).to.deep.equal([
      { Key: 'kind', Value: 'explicit' },
    ]);
  });

  it('restores from a snapshot: the source master user, the default security group and parameter group, the snapshot tags', async () => {
    emulator.hold('snap-restored');
    const answer = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'snap-restored', DBSnapshotIdentifier: 'snap-one' }),
    );
    expect(answer.DBInstance!.DBInstanceStatus).to.equal('creating');
    expect(await emulator.step('snap-restored')).to.equal('backing-up');
    expect(await emulator.step('snap-restored')).to.equal('available');
    emulator.release('snap-restored');
    const restored = await inst('snap-restored');
    const source = await inst('snap-src');
    expect(restored.MasterUsername).to.equal('master');
    expect(restored.DbiResourceId).not.to.equal(source.DbiResourceId);
    expect(restored.VpcSecurityGroups!.map((g) => g.VpcSecurityGroupId)).not.to.include('sg-0123456789abcdef0');
    expect(restored.DBParameterGroups![0]!.DBParameterGroupName).to.equal('default.postgres17');
    expect(restored.TagList).to.deep.equal([{ Key: 'tenant', Value: 'org-1' }]);
    const named = await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'snap-restored-2',
        DBSnapshotIdentifier: `${ARN}:snapshot:snap-one`,
        Tags: [{ Key: 'origin', Value: 'restore' }],
      }),
    );
    expect(named.DBInstance!.TagList).to.deep.equal([{ Key: 'origin', Value: 'restore' }]);
    await emulator.settle();
  });

  it('deletes a manual snapshot and answers with its last state', async () => {
    const answer = await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'snap-two' }));
    expect(answer.DBSnapshot!.Status).to.equal('deleted');
    expect((await rejection(rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'snap-two' })))).name).to.equal(
      'DBSnapshotNotFoundFault',
    );
  });

  it('tags instances and snapshots by ARN', async () => {
    const instanceArn = `${ARN}:db:snap-src`;
    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName: instanceArn,
        Tags: [
          { Key: 'tenant', Value: 'org-2' },
          { Key: 'step', Value: 'pending' },
        ],
      }),
    );
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: instanceArn }))).TagList).to.deep.equal([
      { Key: 'tenant', Value: 'org-2' },
      { Key: 'step', Value: 'pending' },
    ]);
    await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: instanceArn, TagKeys: ['step', 'absent'] }));
    expect((await inst('snap-src')).TagList).to.deep.equal([{ Key: 'tenant', Value: 'org-2' }]);
    const snapshotArn = `${ARN}:snapshot:snap-one`;
    await rds.send(new AddTagsToResourceCommand({ ResourceName: snapshotArn, Tags: [{ Key: 'kept', Value: 'yes' }] }));
    expect((await rds.send(new ListTagsForResourceCommand({ ResourceName: snapshotArn }))).TagList).to.deep.equal([
      { Key: 'tenant', Value: 'org-1' },
      { Key: 'kept', Value: 'yes' },
    ]);
    expect((await rejection(rds.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}:db:nothing` })))).name).to.equal(
      'DBInstanceNotFoundFault',
    );
    expect((await rejection(rds.send(new ListTagsForResourceCommand({ ResourceName: `${ARN}:snapshot:nothing` })))).name).to.equal(
      'DBSnapshotNotFoundFault',
    );
    expect(
      (await rejection(rds.send(new ListTagsForResourceCommand({ ResourceName: 'arn:aws:rds:eu-west-1:999999999999:db:x' })))).name,
    ).to.equal('InvalidParameterValue');
    expect(
      (await rejection(rds.send(new AddTagsToResourceCommand({ ResourceName: instanceArn, Tags: [{ Key: 'aws:reserved', Value: 'x' }] }))))
        .name,
    ).to.equal('InvalidParameterValue');
  });

  it('restores to a point in time of a live instance, by latest time or a time in its window', async () => {
    const source = await create('pitr-live');
    const backups = await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: 'pitr-live' }));
    const backup = backups.DBInstanceAutomatedBackups![0]!;
    expect(backup.Status).to.equal('active');
    expect(backup.DbiResourceId).to.equal(source.DbiResourceId);
    expect(backup.DBInstanceAutomatedBackupsArn).to.match(/^arn:aws:rds:us-east-1:123456789012:auto-backup:ab-[a-z0-9]{26}$/);
    expect(backup.RestoreWindow!.EarliestTime).to.be.instanceOf(Date);
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: 'pitr-live',
        TargetDBInstanceIdentifier: 'pitr-latest',
        UseLatestRestorableTime: true,
      }),
    );
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceIdentifier: 'pitr-live',
        TargetDBInstanceIdentifier: 'pitr-at',
        RestoreTime: backup.RestoreWindow!.EarliestTime,
      }),
    );
    await emulator.settle();
    expect((await inst('pitr-latest')).DBInstanceStatus).to.equal('available');
    expect((await inst('pitr-at')).MasterUsername).to.equal('master');
  });

  it('keeps automated backups of a deleted instance when asked, restorable by resource id and ARN, until deleted', async () => {
    const source = await create('pitr-gone', { Tags: [{ Key: 'tenant', Value: 'org-9' }] });
    await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'pitr-gone', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }),
    );
    await emulator.settle();
    const retained = (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: source.DbiResourceId })))
      .DBInstanceAutomatedBackups![0]!;
    expect(retained.Status).to.equal('retained');
    expect(retained.DBInstanceIdentifier).to.equal('pitr-gone');
    expect(retained.TagList).to.deep.equal([{ Key: 'tenant', Value: 'org-9' }]);
    expect(retained.RestoreWindow!.LatestTime!.getTime()).to.be.at.least(retained.RestoreWindow!.EarliestTime!.getTime());
    const automated = await rds.send(new DescribeDBSnapshotsCommand({ DbiResourceId: source.DbiResourceId }));
    expect(automated.DBSnapshots!.map((s) => s.SnapshotType)).to.deep.equal(['automated']);
    // The instance is gone: its identifier no longer restores, its resource id and backup ARN do.
    const byName = await rejection(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: 'pitr-gone',
          TargetDBInstanceIdentifier: 'pitr-x',
          UseLatestRestorableTime: true,
        }),
      ),
    );
    expect(byName.name).to.equal('DBInstanceNotFoundFault');
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDbiResourceId: source.DbiResourceId,
        TargetDBInstanceIdentifier: 'pitr-by-id',
        UseLatestRestorableTime: true,
      }),
    );
    await rds.send(
      new RestoreDBInstanceToPointInTimeCommand({
        SourceDBInstanceAutomatedBackupsArn: retained.DBInstanceAutomatedBackupsArn,
        TargetDBInstanceIdentifier: 'pitr-by-arn',
        RestoreTime: retained.RestoreWindow!.LatestTime,
      }),
    );
    await emulator.settle();
    expect((await inst('pitr-by-id')).DBInstanceStatus).to.equal('available');
    expect((await inst('pitr-by-arn')).DBInstanceStatus).to.equal('available');

    const live = (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DBInstanceIdentifier: 'pitr-live' })))
      .DBInstanceAutomatedBackups![0]!;
    const active = await rejection(rds.send(new DeleteDBInstanceAutomatedBackupCommand({ DbiResourceId: live.DbiResourceId })));
    expect(active.name).to.equal('InvalidDBInstanceAutomatedBackupStateFault');
    const deleted = await rds.send(
      new DeleteDBInstanceAutomatedBackupCommand({ DBInstanceAutomatedBackupsArn: retained.DBInstanceAutomatedBackupsArn }),
    );
    expect(deleted.DBInstanceAutomatedBackup!.Status).to.equal('deleting');
    expect(
      (await rejection(rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: source.DbiResourceId })))).name,
    ).to.equal('DBInstanceAutomatedBackupNotFoundFault');
    expect((await rds.send(new DescribeDBSnapshotsCommand({ DbiResourceId: source.DbiResourceId }))).DBSnapshots).to.deep.equal([]);
  });

  it('deletes automated backups with the instance by default (DeleteAutomatedBackups defaults to true)', async () => {
    const source = await create('pitr-dropped');
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'pitr-dropped', SkipFinalSnapshot: true }));
    await emulator.settle();
    expect(
      (await rejection(rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: source.DbiResourceId })))).name,
    ).to.equal('DBInstanceAutomatedBackupNotFoundFault');
    expect((await rds.send(new DescribeDBSnapshotsCommand({ DbiResourceId: source.DbiResourceId }))).DBSnapshots).to.deep.equal([]);
  });

  it('lets retained backups expire with their retention period', async () => {
    const source = await create('pitr-expiring', { BackupRetentionPeriod: 2 });
    await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'pitr-expiring', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }),
    );
    await emulator.settle();
    await admin(emulator, 'POST', 'clock', { advanceMs: 86_400_000 });
    expect(
      (await rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: source.DbiResourceId }))).DBInstanceAutomatedBackups,
    ).to.have.length(1);
    const clock = await admin(emulator, 'POST', 'clock', { advanceMs: 86_400_000 + 60_000 });
    expect(clock.json.offsetMs).to.equal(2 * 86_400_000 + 60_000);
    expect(
      (await rejection(rds.send(new DescribeDBInstanceAutomatedBackupsCommand({ DbiResourceId: source.DbiResourceId })))).name,
    ).to.equal('DBInstanceAutomatedBackupNotFoundFault');
  });
});
