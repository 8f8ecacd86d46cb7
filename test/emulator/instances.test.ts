import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RebootDBInstanceCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

/** Each instance action through the real SDK, one status at a time (the instance is held between steps). */
describe('emulator instance lifecycle', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());

  const describe1 = async (id: string): Promise<DBInstance> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;

  async function availableInstance(id: string, extra: Record<string, unknown> = {}): Promise<DBInstance> {
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: id, ...extra }));
    expect(await emulator.settle()).to.deep.equal([]);
    return describe1(id);
  }

  it('creates: creating, then backing-up with an automated snapshot, then available', async () => {
    emulator.hold('life-create');
    const created = await rds.send(
      new CreateDBInstanceCommand({
        ...baseInstance,
        DBInstanceIdentifier: 'Life-Create',
        DBName: 'app',
        Tags: [{ Key: 'owner', Value: 'team-a' }],
      }),
    );
    expect(created.DBInstance!.DBInstanceStatus).to.equal('creating');
    expect(created.DBInstance!.DBInstanceIdentifier).to.equal('life-create');
    expect(created.DBInstance!.Endpoint).to.equal(undefined);
    expect(created.DBInstance!.InstanceCreateTime).to.equal(undefined);
    expect((await describe1('life-create')).DBInstanceStatus).to.equal('creating');

    expect(await emulator.step('life-create')).to.equal('backing-up');
    const backingUp = await describe1('life-create');
    expect(backingUp.DBInstanceStatus).to.equal('backing-up');
    expect(backingUp.InstanceCreateTime).to.be.instanceOf(Date);
    const snapshots = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'life-create' }));
    expect(snapshots.DBSnapshots!.map((s) => [s.SnapshotType, s.Status])).to.deep.equal([['automated', 'creating']]);
    expect(snapshots.DBSnapshots![0]!.DBSnapshotIdentifier).to.match(/^rds:life-create-\d{4}-\d\d-\d\d-\d\d-\d\d$/);

    expect(await emulator.step('life-create')).to.equal('available');
    emulator.release('life-create');
    const ready = await describe1('life-create');
    expect(ready.DBInstanceStatus).to.equal('available');
    expect(ready.Endpoint!.Address).to.equal('127.0.0.1');
    expect(ready.Endpoint!.Port).to.equal(5432);
    expect(ready.DBName).to.equal('app');
    expect(ready.MasterUsername).to.equal('master');
    expect(ready.DbiResourceId).to.match(/^db-[A-Z0-9]{26}$/);
    expect(ready.DBInstanceArn).to.equal('arn:aws:rds:us-east-1:123456789012:db:life-create');
    expect(ready.TagList).to.deep.equal([{ Key: 'owner', Value: 'team-a' }]);
    expect(ready.BackupRetentionPeriod).to.equal(1);
    expect(ready.LatestRestorableTime).to.be.instanceOf(Date);
    expect(ready.PendingModifiedValues).to.deep.equal({});
    expect(ready.DBParameterGroups).to.deep.equal([{ DBParameterGroupName: 'default.postgres17', ParameterApplyStatus: 'in-sync' }]);
    expect(ready.VpcSecurityGroups).to.have.length(1);
    expect(ready.VpcSecurityGroups![0]!.Status).to.equal('active');
    expect(ready.DBSubnetGroup!.DBSubnetGroupName).to.equal('default');
    const after = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'life-create', SnapshotType: 'automated' }));
    expect(after.DBSnapshots![0]!.Status).to.equal('available');
  });

  it('modifies later: changes wait as PendingModifiedValues until the maintenance window', async () => {
    await availableInstance('life-later');
    const answer = await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-later', DBInstanceClass: 'db.m5.large', MultiAZ: true }),
    );
    expect(answer.DBInstance!.DBInstanceStatus).to.equal('available');
    expect(answer.DBInstance!.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.m5.large', MultiAZ: true });
    await emulator.settle();
    const waiting = await describe1('life-later');
    expect(waiting.DBInstanceStatus).to.equal('available');
    expect(waiting.DBInstanceClass).to.equal('db.t3.micro');
    expect(waiting.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.m5.large', MultiAZ: true });

    emulator.hold('life-later');
    expect((await admin(emulator, 'POST', 'maintenance', { instance: 'life-later' })).status).to.equal(200);
    const modifying = await describe1('life-later');
    expect(modifying.DBInstanceStatus).to.equal('modifying');
    expect(modifying.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.m5.large', MultiAZ: true });
    emulator.release('life-later');
    await emulator.settle();
    const done = await describe1('life-later');
    expect(done.DBInstanceStatus).to.equal('available');
    expect(done.DBInstanceClass).to.equal('db.m5.large');
    expect(done.MultiAZ).to.equal(true);
    expect(done.PendingModifiedValues).to.deep.equal({});
  });

  it('applies queued changes by itself once the maintenance window opens', async () => {
    await availableInstance('life-window-opens');
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-window-opens', DBInstanceClass: 'db.m5.xlarge' }));
    expect((await describe1('life-window-opens')).PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.m5.xlarge' });
    // A week later the weekly window has certainly opened.
    await admin(emulator, 'POST', 'clock', { advanceMs: 7 * 86_400_000 });
    await emulator.settle();
    const applied = await describe1('life-window-opens');
    expect(applied.DBInstanceClass).to.equal('db.m5.xlarge');
    expect(applied.PendingModifiedValues).to.deep.equal({});
  });

  it('modifies now: modifying with the values pending, then applied; a queued change goes along', async () => {
    await availableInstance('life-now');
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-now', MultiAZ: true }));
    emulator.hold('life-now');
    const sg = 'sg-0aaaabbbbccccdddd';
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'life-now',
        ApplyImmediately: true,
        DBInstanceClass: 'db.r6g.large',
        VpcSecurityGroupIds: [sg],
        BackupRetentionPeriod: 7,
      }),
    );
    const modifying = await describe1('life-now');
    expect(modifying.DBInstanceStatus).to.equal('modifying');
    expect(modifying.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.r6g.large', MultiAZ: true });
    expect(await emulator.step('life-now')).to.equal('available');
    emulator.release('life-now');
    const done = await describe1('life-now');
    expect(done.DBInstanceClass).to.equal('db.r6g.large');
    expect(done.MultiAZ).to.equal(true);
    expect(done.BackupRetentionPeriod).to.equal(7);
    expect(done.VpcSecurityGroups).to.deep.equal([{ VpcSecurityGroupId: sg, Status: 'active' }]);
    expect(done.PendingModifiedValues).to.deep.equal({});
  });

  it('changes storage: rounds a small increase up to 10%, then modifying and storage-optimization', async () => {
    await availableInstance('life-storage', { AllocatedStorage: 100 });
    emulator.hold('life-storage');
    const answer = await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-storage', AllocatedStorage: 101, ApplyImmediately: true }),
    );
    expect(answer.DBInstance!.PendingModifiedValues!.AllocatedStorage).to.equal(110);
    expect((await describe1('life-storage')).DBInstanceStatus).to.equal('modifying');
    expect(await emulator.step('life-storage')).to.equal('storage-optimization');
    expect((await describe1('life-storage')).AllocatedStorage).to.equal(110);
    expect(await emulator.step('life-storage')).to.equal('available');
    emulator.release('life-storage');
    const smaller = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-storage', AllocatedStorage: 50, ApplyImmediately: true })),
    );
    expect(smaller.name).to.equal('InvalidParameterValue');
  });

  it('changes the master password through resetting-master-credentials, masked as ****', async () => {
    await availableInstance('life-password');
    emulator.hold('life-password');
    const answer = await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-password', MasterUserPassword: 'a-new-password-2' }),
    );
    expect(answer.DBInstance!.PendingModifiedValues).to.deep.equal({ MasterUserPassword: '****' });
    const resetting = await describe1('life-password');
    expect(resetting.DBInstanceStatus).to.equal('resetting-master-credentials');
    expect(resetting.PendingModifiedValues).to.deep.equal({ MasterUserPassword: '****' });
    emulator.release('life-password');
    await emulator.settle();
    expect((await describe1('life-password')).PendingModifiedValues).to.deep.equal({});
  });

  it('upgrades the engine: minor at once, major only with AllowMajorVersionUpgrade, onto the new default group', async () => {
    await availableInstance('life-upgrade', { EngineVersion: '15.7' });
    emulator.hold('life-upgrade');
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-upgrade', EngineVersion: '15.10', ApplyImmediately: true }));
    expect((await describe1('life-upgrade')).DBInstanceStatus).to.equal('upgrading');
    expect((await describe1('life-upgrade')).PendingModifiedValues).to.deep.equal({ EngineVersion: '15.10' });
    emulator.release('life-upgrade');
    await emulator.settle();
    expect((await describe1('life-upgrade')).EngineVersion).to.equal('15.10');

    const refused = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-upgrade', EngineVersion: '16.4', ApplyImmediately: true })),
    );
    expect(refused.name).to.equal('InvalidParameterCombination');
    expect(refused.message).to.include('AllowMajorVersionUpgrade');
    const downgrade = await rejection(
      rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: 'life-upgrade',
          EngineVersion: '14.12',
          ApplyImmediately: true,
          AllowMajorVersionUpgrade: true,
        }),
      ),
    );
    expect(downgrade.name).to.equal('InvalidParameterCombination');

    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'life-upgrade',
        EngineVersion: '16.4',
        AllowMajorVersionUpgrade: true,
        ApplyImmediately: true,
      }),
    );
    await emulator.settle();
    const upgraded = await describe1('life-upgrade');
    expect(upgraded.EngineVersion).to.equal('16.4');
    expect(upgraded.DBParameterGroups![0]!.DBParameterGroupName).to.equal('default.postgres16');
  });

  it('reboots: rebooting, then available; ForceFailover only for Multi-AZ', async () => {
    await availableInstance('life-reboot');
    const failover = await rejection(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'life-reboot', ForceFailover: true })));
    expect(failover.name).to.equal('InvalidParameterCombination');
    emulator.hold('life-reboot');
    const answer = await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'life-reboot' }));
    expect(answer.DBInstance!.DBInstanceStatus).to.equal('rebooting');
    expect((await describe1('life-reboot')).DBInstanceStatus).to.equal('rebooting');
    expect(await emulator.step('life-reboot')).to.equal('available');
    emulator.release('life-reboot');
    await emulator.settle();
    expect((await describe1('life-reboot')).DBInstanceStatus).to.equal('available');
  });

  it('deletes with a final snapshot that carries the tags when CopyTagsToSnapshot is on', async () => {
    await availableInstance('life-delete', { CopyTagsToSnapshot: true, Tags: [{ Key: 'tenant', Value: 'org-1' }] });
    emulator.hold('life-delete');
    const answer = await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'life-delete', FinalDBSnapshotIdentifier: 'life-delete-final' }),
    );
    expect(answer.DBInstance!.DBInstanceStatus).to.equal('deleting');
    const final = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'life-delete-final' }))).DBSnapshots![0]!;
    expect(final.Status).to.equal('creating');
    expect(final.SnapshotType).to.equal('manual');
    expect(final.TagList).to.deep.equal([{ Key: 'tenant', Value: 'org-1' }]);
    expect((await describe1('life-delete')).DBInstanceStatus).to.equal('deleting');
    expect(await emulator.step('life-delete')).to.equal('deleting');
    expect(
      (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'life-delete-final' }))).DBSnapshots![0]!.Status,
    ).to.equal('available');
    emulator.release('life-delete');
    await emulator.settle();
    const gone = await rejection(describe1('life-delete'));
    expect(gone.name).to.equal('DBInstanceNotFoundFault');
    expect(gone.$metadata.httpStatusCode).to.equal(404);
    const kept = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'life-delete-final' }))).DBSnapshots![0]!;
    expect(kept.Status).to.equal('available');
    expect(kept.DBInstanceIdentifier).to.equal('life-delete');
  });

  it('checks and applies maintenance and backup windows', async () => {
    await availableInstance('life-windows', { PreferredMaintenanceWindow: 'Mon:01:00-Mon:02:00', PreferredBackupWindow: '05:00-05:30' });
    const created = await describe1('life-windows');
    expect([created.PreferredMaintenanceWindow, created.PreferredBackupWindow]).to.deep.equal(['mon:01:00-mon:02:00', '05:00-05:30']);
    const overlap = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-windows', PreferredBackupWindow: '01:15-01:45' })),
    );
    expect(overlap.name).to.equal('InvalidParameterValue');
    const short = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-windows', PreferredMaintenanceWindow: 'tue:01:00-tue:01:10' })),
    );
    expect(short.name).to.equal('InvalidParameterValue');
    const malformed = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-windows', PreferredBackupWindow: '25:00-26:00' })),
    );
    expect(malformed.name).to.equal('InvalidParameterValue');
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'life-windows',
        PreferredMaintenanceWindow: 'sat:22:00-sat:23:00',
        PreferredBackupWindow: '02:00-02:30',
      }),
    );
    await emulator.settle();
    const changed = await describe1('life-windows');
    expect([changed.PreferredMaintenanceWindow, changed.PreferredBackupWindow]).to.deep.equal(['sat:22:00-sat:23:00', '02:00-02:30']);
  });

  it('refuses to delete while deletion protection is on, and deletes once it is off', async () => {
    await availableInstance('life-protected', { DeletionProtection: true });
    const refused = await rejection(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'life-protected', SkipFinalSnapshot: true })),
    );
    expect(refused.name).to.equal('InvalidParameterCombination');
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'life-protected', DeletionProtection: false }));
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'life-protected', SkipFinalSnapshot: true }));
    await emulator.settle();
    expect((await rejection(describe1('life-protected'))).name).to.equal('DBInstanceNotFoundFault');
  });

  it('drops the first backup that a deletion during backing-up prevents, keeping the retained backup honest', async () => {
    emulator.hold('life-cut');
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'life-cut' }));
    expect(await emulator.step('life-cut')).to.equal('backing-up');
    await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'life-cut', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }),
    );
    emulator.release('life-cut');
    await emulator.settle();
    const left = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'life-cut' }));
    expect(left.DBSnapshots!.filter((s) => s.Status === 'creating')).to.deep.equal([]);
  });

  it('deletes an instance that is still creating when no final snapshot is asked for', async () => {
    emulator.hold('life-early');
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'life-early' }));
    const refused = await rejection(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'life-early', FinalDBSnapshotIdentifier: 'never' })),
    );
    expect(refused.name).to.equal('InvalidDBInstanceStateFault');
    await rds.send(
      new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'life-early', SkipFinalSnapshot: true, DeleteAutomatedBackups: false }),
    );
    emulator.release('life-early');
    await emulator.settle();
    expect((await rejection(describe1('life-early'))).name).to.equal('DBInstanceNotFoundFault');
    // The first backup never happened: no snapshot is left pretending to be under way.
    const left = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'life-early' }));
    expect(left.DBSnapshots!.filter((s) => s.Status === 'creating')).to.deep.equal([]);
  });
});
