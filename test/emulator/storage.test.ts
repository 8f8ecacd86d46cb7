import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeEventsCommand,
  ModifyDBInstanceCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

/** Storage type, IOPS, throughput and the autoscaling ceiling, through the real SDK, as RDS validates and describes them. */
describe('emulator: storage type, IOPS, throughput and autoscaling', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());

  const describe1 = async (id: string): Promise<DBInstance> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  const create = (id: string, extra: Record<string, unknown> = {}) =>
    rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: id, ...extra }));
  const modify = (id: string, extra: Record<string, unknown>) =>
    rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: id, ...extra }));

  it("describes gp3's baseline below 400 GiB, and no IOPS for gp2", async () => {
    await create('st-gp3-small', { StorageType: 'gp3', AllocatedStorage: 50 });
    await create('st-gp2', { StorageType: 'gp2' });
    await emulator.settle();
    expect(await describe1('st-gp3-small')).to.deep.include({
      StorageType: 'gp3',
      AllocatedStorage: 50,
      Iops: 3000,
      StorageThroughput: 125,
    });
    const gp2 = await describe1('st-gp2');
    expect(gp2.StorageType).to.equal('gp2');
    expect(gp2.Iops).to.equal(undefined);
    expect(gp2.StorageThroughput).to.equal(undefined);
    expect(gp2.MaxAllocatedStorage).to.equal(undefined);
  });

  it('creates gp3 from 400 GiB with provisioned IOPS and throughput, io1 with IOPS, and an autoscaling ceiling', async () => {
    await create('st-gp3-big', {
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 15000,
      StorageThroughput: 750,
      MaxAllocatedStorage: 1000,
    });
    await create('st-io1', { StorageType: 'io1', AllocatedStorage: 100, Iops: 3000 });
    await emulator.settle();
    expect(await describe1('st-gp3-big')).to.deep.include({
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 15000,
      StorageThroughput: 750,
      MaxAllocatedStorage: 1000,
    });
    const io1 = await describe1('st-io1');
    expect(io1).to.deep.include({ StorageType: 'io1', Iops: 3000 });
    expect(io1.StorageThroughput).to.equal(undefined);
  });

  it('a snapshot describes the storage, and a restore from it keeps the provisioned IOPS and throughput', async () => {
    const snapshot = await rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'st-gp3-big', DBSnapshotIdentifier: 'st-gp3-snap' }),
    );
    expect(snapshot.DBSnapshot).to.deep.include({ StorageType: 'gp3', AllocatedStorage: 400, Iops: 15000, StorageThroughput: 750 });
    await emulator.settle();
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'st-gp3-restored', DBSnapshotIdentifier: 'st-gp3-snap' }),
    );
    await emulator.settle();
    expect(await describe1('st-gp3-restored')).to.deep.include({
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 15000,
      StorageThroughput: 750,
    });
  });

  const refusals: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'IOPS on gp3 below 400 GiB',
      { StorageType: 'gp3', AllocatedStorage: 399, Iops: 12000 },
      'InvalidParameterCombination',
      /less than 400/,
    ],
    [
      'throughput on gp3 below 400 GiB',
      { StorageType: 'gp3', AllocatedStorage: 100, StorageThroughput: 500 },
      'InvalidParameterCombination',
      /less than 400/,
    ],
    ['gp3 IOPS beyond 64000', { StorageType: 'gp3', AllocatedStorage: 400, Iops: 70000 }, 'InvalidParameterValue', /12000 and 64000/],
    [
      'gp3 throughput beyond a quarter MiB/s per IOPS',
      { StorageType: 'gp3', AllocatedStorage: 400, Iops: 12000, StorageThroughput: 4000 },
      'InvalidParameterCombination',
      /ratio/,
    ],
    ['io1 without IOPS', { StorageType: 'io1', AllocatedStorage: 100 }, 'InvalidParameterCombination', /Iops is required/],
    ['io1 at more than 50 IOPS per GiB', { StorageType: 'io1', AllocatedStorage: 100, Iops: 6000 }, 'InvalidParameterCombination', /ratio/],
    ['io2 below 1000 IOPS', { StorageType: 'io2', AllocatedStorage: 100, Iops: 500 }, 'InvalidParameterValue', /1000 and 256000/],
    ['IOPS on gp2', { StorageType: 'gp2', Iops: 1000 }, 'InvalidParameterCombination', /IOPS for storage type gp2/],
    ['IOPS on standard', { StorageType: 'standard', Iops: 1000 }, 'InvalidParameterCombination', /IOPS for storage type standard/],
    [
      'throughput on io1',
      { StorageType: 'io1', AllocatedStorage: 100, Iops: 1000, StorageThroughput: 500 },
      'InvalidParameterCombination',
      /only to gp3/,
    ],
    ['an unknown storage type', { StorageType: 'gp4' }, 'InvalidParameterValue', /Invalid storage type/],
    [
      'magnetic storage on a Graviton class (not in the orderable options)',
      { StorageType: 'standard', DBInstanceClass: 'db.t4g.micro' },
      'InvalidParameterCombination',
      /Storage type standard is not supported with DB instance class db\.t4g\.micro/,
    ],
    [
      'a ceiling less than 10% above the storage',
      { AllocatedStorage: 100, MaxAllocatedStorage: 105 },
      'InvalidParameterCombination',
      /110 GiB or more/,
    ],
    ['a ceiling beyond the largest size', { MaxAllocatedStorage: 70000 }, 'InvalidParameterCombination', /at most 65536/],
  ];
  for (const [index, [title, extra, code, message]] of refusals.entries()) {
    it(`refuses ${title} (${code})`, async () => {
      const error = await rejection(create(`st-bad-${index}`, extra));
      expect(error.name).to.equal(code);
      expect(error.message).to.match(message);
      expect(error.$metadata.httpStatusCode).to.equal(400);
    });
  }

  it('modifies: growing gp3 to 400 GiB with IOPS shows them pending, then applies them through storage-optimization', async () => {
    await create('st-grow', { StorageType: 'gp3', AllocatedStorage: 100 });
    await emulator.settle();
    const refused = await rejection(modify('st-grow', { Iops: 12000, ApplyImmediately: true }));
    expect(refused.name).to.equal('InvalidParameterCombination');
    const answer = await modify('st-grow', { AllocatedStorage: 400, Iops: 12000, StorageThroughput: 600, ApplyImmediately: true });
    expect(answer.DBInstance?.PendingModifiedValues).to.deep.include({ AllocatedStorage: 400, Iops: 12000, StorageThroughput: 600 });
    await emulator.settle();
    expect(await describe1('st-grow')).to.deep.include({ AllocatedStorage: 400, Iops: 12000, StorageThroughput: 600 });
  });

  it('modifies: io1 to gp3 under 400 GiB drops the provisioned IOPS; a change queued for the window shows as pending', async () => {
    await create('st-convert', { StorageType: 'io1', AllocatedStorage: 100, Iops: 2000 });
    await emulator.settle();
    const queued = await modify('st-convert', { StorageType: 'gp3', ApplyImmediately: false });
    expect(queued.DBInstance?.PendingModifiedValues?.StorageType).to.equal('gp3');
    expect((await describe1('st-convert')).PendingModifiedValues?.StorageType).to.equal('gp3');
    await modify('st-convert', { ApplyImmediately: true });
    await emulator.settle();
    expect(await describe1('st-convert')).to.deep.include({ StorageType: 'gp3', Iops: 3000, StorageThroughput: 125 });
  });

  it('modifies the ceiling: at least 10% above the storage; 0 turns autoscaling off', async () => {
    await create('st-ceiling', { AllocatedStorage: 100, MaxAllocatedStorage: 200 });
    await emulator.settle();
    const refused = await rejection(modify('st-ceiling', { MaxAllocatedStorage: 109 }));
    expect(refused.name).to.equal('InvalidParameterCombination');
    const growing = await rejection(modify('st-ceiling', { AllocatedStorage: 190, ApplyImmediately: true }));
    expect(growing.name, 'the ceiling already set must stay 10% above grown storage').to.equal('InvalidParameterCombination');
    await modify('st-ceiling', { MaxAllocatedStorage: 500 });
    expect((await describe1('st-ceiling')).MaxAllocatedStorage).to.equal(500);
    await modify('st-ceiling', { MaxAllocatedStorage: 0 });
    expect((await describe1('st-ceiling')).MaxAllocatedStorage).to.equal(undefined);
  });

  it('modifies: a class change that the storage type does not come with is refused', async () => {
    await create('st-magnetic', { StorageType: 'standard', AllocatedStorage: 20 });
    await emulator.settle();
    const refused = await rejection(modify('st-magnetic', { DBInstanceClass: 'db.m7g.large', ApplyImmediately: true }));
    expect(refused.name).to.equal('InvalidParameterCombination');
    expect(refused.message).to.match(/standard is not supported with DB instance class db\.m7g\.large/);
    await modify('st-magnetic', { DBInstanceClass: 'db.m7g.large', StorageType: 'gp3', ApplyImmediately: true });
    await emulator.settle();
    expect(await describe1('st-magnetic')).to.deep.include({ DBInstanceClass: 'db.m7g.large', StorageType: 'gp3' });
  });

  it('refuses a storage decrease (InvalidParameterValue)', async () => {
    await create('st-shrink', { AllocatedStorage: 50 });
    await emulator.settle();
    const error = await rejection(modify('st-shrink', { AllocatedStorage: 40, ApplyImmediately: true }));
    expect(error.name).to.equal('InvalidParameterValue');
    expect(error.message).to.match(/cannot be reduced/);
  });

  it('storage-full: only a storage increase is taken, and the instance is available again after it', async () => {
    await create('st-full', { AllocatedStorage: 20 });
    await emulator.settle();
    expect((await admin(emulator, 'POST', 'storage-full', { instance: 'st-full' })).status).to.equal(200);
    expect((await describe1('st-full')).DBInstanceStatus).to.equal('storage-full');
    const events = await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'st-full' }));
    expect(events.Events?.map((e) => e.Message)).to.include(
      'Allocated storage has been exhausted. Allocate additional storage to resolve the issue.',
    );
    const refused = await rejection(modify('st-full', { DBInstanceClass: 'db.t3.small', ApplyImmediately: true }));
    expect(refused.name).to.equal('InvalidDBInstanceStateFault');
    expect(refused.message).to.match(/storage-full/);
    await modify('st-full', { AllocatedStorage: 30, ApplyImmediately: true });
    await emulator.settle();
    expect(await describe1('st-full')).to.deep.include({ DBInstanceStatus: 'available', AllocatedStorage: 30 });
  });
  it('takes one storage change every six hours of its clock (InvalidParameterCombination), other changes meanwhile; creation starts no interval', async () => {
    await create('st-interval', { AllocatedStorage: 20, StorageType: 'gp3' });
    await emulator.settle();
    // The first change after creation is taken.
    await modify('st-interval', { AllocatedStorage: 30, ApplyImmediately: true });
    await emulator.settle();
    const events = await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'st-interval' }));
    expect(events.Events?.map((e) => e.Message)).to.include('Finished applying modification to allocated storage');
    for (const change of [{ AllocatedStorage: 40 }, { StorageType: 'gp2' }, { AllocatedStorage: 40, ApplyImmediately: false }]) {
      const refused = await rejection(modify('st-interval', { ApplyImmediately: true, ...change }));
      expect(refused.name, JSON.stringify(change)).to.equal('InvalidParameterCombination');
      expect(refused.message).to.equal(
        "You can't currently modify the storage of this DB instance because the previous storage change is being optimized.",
      );
    }
    // A change that is not to storage is taken meanwhile.
    await modify('st-interval', { BackupRetentionPeriod: 3, ApplyImmediately: true });
    await emulator.settle();
    expect(await describe1('st-interval')).to.deep.include({ AllocatedStorage: 30, StorageType: 'gp3', BackupRetentionPeriod: 3 });

    expect((await admin(emulator, 'POST', 'clock', { advanceMs: 5 * 3_600_000 })).status).to.equal(200);
    expect((await rejection(modify('st-interval', { AllocatedStorage: 40, ApplyImmediately: true }))).name, 'after 5 h').to.equal(
      'InvalidParameterCombination',
    );
    expect((await admin(emulator, 'POST', 'clock', { advanceMs: 3_600_000 })).status).to.equal(200);
    await emulator.settle();
    await modify('st-interval', { AllocatedStorage: 40, ApplyImmediately: true });
    await emulator.settle();
    expect((await describe1('st-interval')).AllocatedStorage).to.equal(40);
  });
});
