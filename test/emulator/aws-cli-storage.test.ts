import { expect } from 'chai';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { CliSession, findAwsCli, type AwsCli } from './aws-cli-support.js';
import { startModelEmulator } from './helpers.js';

/** Storage type, IOPS, throughput and the autoscaling ceiling through the real AWS CLI: its options, its parser, its error output. */
describe('AWS CLI against the emulator: storage', function () {
  this.timeout(120_000);
  let cli: AwsCli;
  let emulator: RunningEmulator | undefined;
  let aws: CliSession | undefined;

  before(async function () {
    const found = await findAwsCli();
    if ('missing' in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    cli = found as AwsCli;
    emulator = await startModelEmulator({ region: 'us-east-1' });
    aws = await CliSession.open(cli, emulator.url, emulator.region);
  });
  after(async () => {
    await aws?.close();
    await emulator?.stop();
  });

  const create = (id: string, storage: string[]) => [
    'create-db-instance',
    '--db-instance-identifier',
    id,
    '--db-instance-class',
    'db.m7g.large',
    '--engine',
    'postgres',
    '--master-username',
    'master',
    '--master-user-password',
    'cli-master-password-1',
    ...storage,
  ];

  it('create-db-instance --storage-type gp3 --iops --storage-throughput --max-allocated-storage; describe shows them', async () => {
    const created = await aws!.json(
      create('cli-gp3', [
        '--allocated-storage',
        '400',
        '--storage-type',
        'gp3',
        '--iops',
        '16000',
        '--storage-throughput',
        '1000',
        '--max-allocated-storage',
        '800',
      ]),
    );
    expect(created.DBInstance).to.deep.include({ StorageType: 'gp3', AllocatedStorage: 400, Iops: 16000, StorageThroughput: 1000 });
    await emulator!.settle();
    const described = (await aws!.json(['describe-db-instances', '--db-instance-identifier', 'cli-gp3'])).DBInstances[0];
    expect(described).to.deep.include({
      DBInstanceStatus: 'available',
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 16000,
      StorageThroughput: 1000,
      MaxAllocatedStorage: 800,
    });
  });

  it('modify-db-instance --iops queued for the window shows in PendingModifiedValues', async () => {
    const modified = await aws!.json([
      'modify-db-instance',
      '--db-instance-identifier',
      'cli-gp3',
      '--iops',
      '20000',
      '--no-apply-immediately',
    ]);
    expect(modified.DBInstance.PendingModifiedValues).to.deep.include({ Iops: 20000 });
    const described = (await aws!.json(['describe-db-instances', '--db-instance-identifier', 'cli-gp3'])).DBInstances[0];
    expect(described.PendingModifiedValues).to.deep.include({ Iops: 20000 });
    expect(described.Iops, 'not applied before the window').to.equal(16000);
  });

  it('a refused combination prints the error code: IOPS on gp3 below 400 GiB, throughput on io1, a ceiling under 110%', async () => {
    const small = await aws!.serviceError(create('cli-bad-1', ['--allocated-storage', '100', '--storage-type', 'gp3', '--iops', '12000']));
    expect(small).to.deep.include({ code: 'InvalidParameterCombination', operation: 'CreateDBInstance', exit: cli.serviceErrorExit });
    expect(small.message).to.match(/storage size less than 400/);
    const io1 = await aws!.serviceError(
      create('cli-bad-2', ['--allocated-storage', '100', '--storage-type', 'io1', '--iops', '1000', '--storage-throughput', '500']),
    );
    expect(io1.code).to.equal('InvalidParameterCombination');
    const ceiling = await aws!.serviceError(create('cli-bad-3', ['--allocated-storage', '100', '--max-allocated-storage', '105']));
    expect(ceiling.code).to.equal('InvalidParameterCombination');
    expect(ceiling.message).to.match(/110 GiB or more/);
    const range = await aws!.serviceError(create('cli-bad-4', ['--allocated-storage', '400', '--storage-type', 'gp3', '--iops', '99000']));
    expect(range.code).to.equal('InvalidParameterValue');
  });
});
