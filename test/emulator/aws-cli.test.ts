import { expect } from 'chai';
import { CreateDBInstanceCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { CliSession, cliTime, findAwsCli, type AwsCli } from './aws-cli-support.js';
import { admin, baseInstance, rdsClient, startModelEmulator } from './helpers.js';

/**
 * The emulator through the AWS CLI, a second real client next to the JavaScript SDK: its own XML
 * parser, paginators, waiters and retry rules. Every answer is read back from the JSON the CLI
 * prints. No databases here (the model is what the CLI reads); aws-cli-databases.test.ts connects
 * to real ones.
 */
const ACCOUNT_ARN = 'arn:aws:rds:us-east-1:123456789012';
const PASSWORD = 'cli-master-password-1';

function create(id: string, extra: string[] = []): string[] {
  return [
    'create-db-instance',
    '--db-instance-identifier',
    id,
    '--db-instance-class',
    'db.t3.micro',
    '--engine',
    'postgres',
    '--master-username',
    'master',
    '--master-user-password',
    PASSWORD,
    '--allocated-storage',
    '20',
    ...extra,
  ];
}

async function locateCli(context: Mocha.Context): Promise<AwsCli> {
  const found = await findAwsCli();
  if ('missing' in found) {
    console.log(`      skipped: ${found.missing}`);
    context.skip();
  }
  return found as AwsCli;
}

describe('AWS CLI against the emulator: instances, snapshots, tags, parameter groups, errors', function () {
  this.timeout(120_000);
  let cli: AwsCli;
  let emulator: RunningEmulator | undefined;
  let aws: CliSession | undefined;

  before(async function () {
    cli = await locateCli(this);
    emulator = await startModelEmulator({ region: 'us-east-1' });
    aws = await CliSession.open(cli, emulator.url, emulator.region);
  });
  after(async () => {
    await aws?.close();
    await emulator?.stop();
  });

  const run = () => aws!;
  const emu = () => emulator!;
  const describeOne = async (id: string) => {
    const out = await run().json(['describe-db-instances', '--db-instance-identifier', id]);
    expect(out.DBInstances).to.have.length(1);
    return out.DBInstances[0];
  };

  it('create-db-instance: answers with the new instance, creating, field by field', async () => {
    emu().hold('cli-one');
    const before = Date.now();
    const out = await run().json(
      create('Cli-One', [
        '--engine-version',
        '16.4',
        '--db-name',
        'app',
        '--storage-type',
        'gp3',
        '--backup-retention-period',
        '3',
        '--preferred-backup-window',
        '02:00-02:30',
        '--preferred-maintenance-window',
        'mon:04:00-mon:04:30',
        '--copy-tags-to-snapshot',
        '--tags',
        'Key=team,Value=blue',
        'Key=env,Value=',
      ]),
    );
    const inst = out.DBInstance;
    expect(inst.DBInstanceIdentifier).to.equal('cli-one');
    expect(inst.DBInstanceStatus).to.equal('creating');
    expect(inst.DBInstanceClass).to.equal('db.t3.micro');
    expect(inst.Engine).to.equal('postgres');
    expect(inst.EngineVersion).to.equal('16.4');
    expect(inst.MasterUsername).to.equal('master');
    expect(inst.DBName).to.equal('app');
    expect(inst.AllocatedStorage).to.equal(20);
    expect(inst.StorageType).to.equal('gp3');
    expect(inst.BackupRetentionPeriod).to.equal(3);
    expect(inst.PreferredBackupWindow).to.equal('02:00-02:30');
    expect(inst.PreferredMaintenanceWindow).to.equal('mon:04:00-mon:04:30');
    expect(inst.CopyTagsToSnapshot).to.equal(true);
    expect(inst.MultiAZ).to.equal(false);
    expect(inst.TagList).to.deep.equal([
      { Key: 'team', Value: 'blue' },
      { Key: 'env', Value: '' },
    ]);
    expect(inst.DBParameterGroups).to.deep.equal([{ DBParameterGroupName: 'default.postgres16', ParameterApplyStatus: 'in-sync' }]);
    expect(inst.DBInstanceArn).to.equal(`${ACCOUNT_ARN}:db:cli-one`);
    expect(inst.DbiResourceId).to.match(/^db-[A-Z0-9]{26}$/);
    // As in AWS's own example of create-db-instance output: the password being set shows as pending.
    expect(inst.PendingModifiedValues).to.deep.equal({ MasterUserPassword: '****' });
    expect(inst.DBSecurityGroups).to.deep.equal([]);
    expect(inst.VpcSecurityGroups).to.have.length(1);
    expect(inst.VpcSecurityGroups[0].VpcSecurityGroupId).to.match(/^sg-[0-9a-f]+$/);
    expect(inst.VpcSecurityGroups[0].Status).to.equal('active');
    expect(inst.DBSubnetGroup.DBSubnetGroupName).to.equal('default');
    expect(inst.DBSubnetGroup.Subnets.map((s: any) => s.SubnetAvailabilityZone.Name)).to.deep.equal([
      'us-east-1a',
      'us-east-1b',
      'us-east-1c',
    ]);
    // Not there while creating, as on RDS.
    expect(inst).to.not.have.property('Endpoint');
    expect(inst).to.not.have.property('InstanceCreateTime');

    const creating = await describeOne('cli-one');
    expect([creating.DBInstanceStatus, creating.PendingModifiedValues]).to.deep.equal(['creating', { MasterUserPassword: '****' }]);

    emu().release('cli-one');
    expect(await emu().settle()).to.deep.equal([]);
    // The CLI's own waiter: DescribeDBInstances until every DBInstanceStatus reads "available".
    const waited = await run().raw(['wait', 'db-instance-available', '--db-instance-identifier', 'cli-one']);
    expect([waited.code, waited.stdout, waited.stderr]).to.deep.equal([0, '', '']);

    const ready = await describeOne('CLI-ONE');
    expect(ready.DBInstanceStatus).to.equal('available');
    expect(ready.Endpoint.Address).to.equal('127.0.0.1');
    expect(ready.Endpoint.Port).to.be.a('number');
    expect(ready.AvailabilityZone).to.match(/^us-east-1[a-c]$/);
    expect(ready.PendingModifiedValues).to.deep.equal({});
    const created = cliTime(ready.InstanceCreateTime);
    expect(created).to.be.within(before - 1000, Date.now());
    expect(cliTime(ready.LatestRestorableTime)).to.be.at.least(created);
    expect(cliTime(ready.CertificateDetails.ValidTill)).to.be.greaterThan(created);
  });

  it('modify-db-instance: --apply-immediately shows pending values, then applies them; the master password shows as ****', async () => {
    emu().hold('cli-one');
    const answer = (
      await run().json([
        'modify-db-instance',
        '--db-instance-identifier',
        'cli-one',
        '--db-instance-class',
        'db.t3.small',
        '--allocated-storage',
        '30',
        '--master-user-password',
        'cli-master-password-2',
        '--apply-immediately',
      ])
    ).DBInstance;
    expect(answer.DBInstanceClass).to.equal('db.t3.micro');
    expect(answer.PendingModifiedValues).to.deep.equal({
      DBInstanceClass: 'db.t3.small',
      AllocatedStorage: 30,
      MasterUserPassword: '****',
    });
    const during = await describeOne('cli-one');
    expect(during.DBInstanceStatus).to.equal('modifying');
    expect(during.PendingModifiedValues.DBInstanceClass).to.equal('db.t3.small');

    emu().release('cli-one');
    expect(await emu().settle()).to.deep.equal([]);
    const done = await describeOne('cli-one');
    expect([done.DBInstanceStatus, done.DBInstanceClass, done.AllocatedStorage, done.PendingModifiedValues]).to.deep.equal([
      'available',
      'db.t3.small',
      30,
      {},
    ]);

    // Without --apply-immediately the change waits for the maintenance window, visible as pending.
    const queued = (
      await run().json([
        'modify-db-instance',
        '--db-instance-identifier',
        'cli-one',
        '--db-instance-class',
        'db.t3.medium',
        '--no-apply-immediately',
      ])
    ).DBInstance;
    expect(queued.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.t3.medium' });
    await emu().settle();
    const waiting = await describeOne('cli-one');
    expect([waiting.DBInstanceStatus, waiting.DBInstanceClass, waiting.PendingModifiedValues]).to.deep.equal([
      'available',
      'db.t3.small',
      { DBInstanceClass: 'db.t3.medium' },
    ]);
  });

  it('reboot-db-instance: rebooting, and a second reboot meanwhile is InvalidDBInstanceState', async () => {
    emu().hold('cli-one');
    const answer = (await run().json(['reboot-db-instance', '--db-instance-identifier', 'cli-one'])).DBInstance;
    expect([answer.DBInstanceIdentifier, answer.DBInstanceStatus]).to.deep.equal(['cli-one', 'rebooting']);
    const again = await run().serviceError(['reboot-db-instance', '--db-instance-identifier', 'cli-one']);
    expect([again.code, again.operation, again.exit]).to.deep.equal(['InvalidDBInstanceState', 'RebootDBInstance', cli.serviceErrorExit]);
    emu().release('cli-one');
    expect(await emu().settle()).to.deep.equal([]);
    expect((await describeOne('cli-one')).DBInstanceStatus).to.equal('available');
  });

  it('create-db-snapshot and describe-db-snapshots: manual and automated, by identifier and by instance', async () => {
    const answer = (
      await run().json([
        'create-db-snapshot',
        '--db-instance-identifier',
        'cli-one',
        '--db-snapshot-identifier',
        'cli-one-snap',
        '--tags',
        'Key=kind,Value=manual',
      ])
    ).DBSnapshot;
    expect([answer.DBSnapshotIdentifier, answer.DBInstanceIdentifier, answer.Status, answer.SnapshotType]).to.deep.equal([
      'cli-one-snap',
      'cli-one',
      'creating',
      'manual',
    ]);
    expect(answer).to.not.have.property('SnapshotCreateTime');
    expect(answer.TagList).to.deep.equal([{ Key: 'kind', Value: 'manual' }]);
    expect(await emu().settle()).to.deep.equal([]);

    // Independent reads run side by side: each CLI call is a process of its own.
    const [inst, { DBSnapshots: snap }, { DBSnapshots: byInstance }, { DBSnapshots: automated }, waited] = await Promise.all([
      describeOne('cli-one'),
      run().json(['describe-db-snapshots', '--db-snapshot-identifier', 'cli-one-snap']),
      run().json(['describe-db-snapshots', '--db-instance-identifier', 'cli-one']),
      run().json(['describe-db-snapshots', '--db-instance-identifier', 'cli-one', '--snapshot-type', 'automated']),
      run().raw(['wait', 'db-snapshot-available', '--db-snapshot-identifier', 'cli-one-snap']),
    ]);
    expect(snap).to.have.length(1);
    expect(snap[0].Status).to.equal('available');
    expect(snap[0].PercentProgress).to.equal(100);
    expect(snap[0].Engine).to.equal('postgres');
    expect(snap[0].EngineVersion).to.equal('16.4');
    expect(snap[0].AllocatedStorage).to.equal(30);
    expect(snap[0].MasterUsername).to.equal('master');
    expect(snap[0].DbiResourceId).to.equal(inst.DbiResourceId);
    expect(snap[0].DBSnapshotArn).to.equal(`${ACCOUNT_ARN}:snapshot:cli-one-snap`);
    expect(cliTime(snap[0].SnapshotCreateTime)).to.be.at.least(cliTime(inst.InstanceCreateTime));
    expect(cliTime(snap[0].InstanceCreateTime)).to.equal(cliTime(inst.InstanceCreateTime));

    const kinds = byInstance.map((s: any) => [s.SnapshotType, s.Status]).sort();
    expect(kinds).to.deep.equal([
      ['automated', 'available'],
      ['manual', 'available'],
    ]);
    expect(automated).to.have.length(1);
    expect(automated[0].DBSnapshotIdentifier).to.match(/^rds:cli-one-\d{4}-\d\d-\d\d-\d\d-\d\d$/);
    expect(waited.code).to.equal(0);
  });

  it("restore-db-instance-from-db-snapshot: a new instance with the snapshot's engine, storage, master user and tags", async () => {
    const inst = (
      await run().json([
        'restore-db-instance-from-db-snapshot',
        '--db-instance-identifier',
        'cli-restored',
        '--db-snapshot-identifier',
        'cli-one-snap',
      ])
    ).DBInstance;
    expect([
      inst.DBInstanceIdentifier,
      inst.DBInstanceStatus,
      inst.Engine,
      inst.EngineVersion,
      inst.AllocatedStorage,
      inst.MasterUsername,
    ]).to.deep.equal(['cli-restored', 'creating', 'postgres', '16.4', 30, 'master']);
    expect(inst.TagList).to.deep.equal([{ Key: 'kind', Value: 'manual' }]);
    expect(inst.DBParameterGroups).to.deep.equal([{ DBParameterGroupName: 'default.postgres16', ParameterApplyStatus: 'in-sync' }]);
    expect(await emu().settle()).to.deep.equal([]);
    expect((await describeOne('cli-restored')).DBInstanceStatus).to.equal('available');
  });

  it('restore-db-instance-to-point-in-time: --use-latest-restorable-time, and a time outside the window is InvalidRestoreFault', async () => {
    const source = await describeOne('cli-one');
    const [{ DBInstance: inst }, early] = await Promise.all([
      run().json([
        'restore-db-instance-to-point-in-time',
        '--source-db-instance-identifier',
        'cli-one',
        '--target-db-instance-identifier',
        'cli-pitr',
        '--use-latest-restorable-time',
      ]),
      run().serviceError([
        'restore-db-instance-to-point-in-time',
        '--source-db-instance-identifier',
        'cli-one',
        '--target-db-instance-identifier',
        'cli-pitr-early',
        '--restore-time',
        '2001-01-01T00:00:00Z',
      ]),
    ]);
    expect([inst.DBInstanceIdentifier, inst.DBInstanceStatus, inst.Engine, inst.EngineVersion, inst.MasterUsername]).to.deep.equal([
      'cli-pitr',
      'creating',
      'postgres',
      '16.4',
      'master',
    ]);
    expect(inst.DbiResourceId).to.not.equal(source.DbiResourceId);

    expect([early.code, early.operation, early.exit]).to.deep.equal([
      'InvalidRestoreFault',
      'RestoreDBInstanceToPointInTime',
      cli.serviceErrorExit,
    ]);
    expect(await emu().settle()).to.deep.equal([]);
    expect((await describeOne('cli-pitr')).DBInstanceStatus).to.equal('available');
  });

  it('add-tags-to-resource, list-tags-for-resource, remove-tags-from-resource on instance and snapshot ARNs', async () => {
    const roundTrip = async (arn: string) => {
      const before = (await run().json(['list-tags-for-resource', '--resource-name', arn])).TagList;
      // Nothing printed: AddTagsToResource and RemoveTagsFromResource answer with an empty result.
      expect(
        await run().json(['add-tags-to-resource', '--resource-name', arn, '--tags', 'Key=owner,Value=ops team', 'Key=cost,Value=a+b=c']),
      ).to.equal(undefined);
      const added = (await run().json(['list-tags-for-resource', '--resource-name', arn])).TagList;
      expect(added).to.deep.equal([...before, { Key: 'owner', Value: 'ops team' }, { Key: 'cost', Value: 'a+b=c' }]);
      expect(await run().json(['remove-tags-from-resource', '--resource-name', arn, '--tag-keys', 'owner', before[0].Key])).to.equal(
        undefined,
      );
      const left = (await run().json(['list-tags-for-resource', '--resource-name', arn])).TagList;
      expect(left).to.deep.equal([...before.slice(1), { Key: 'cost', Value: 'a+b=c' }]);
    };
    const [, , missing] = await Promise.all([
      roundTrip(`${ACCOUNT_ARN}:db:cli-one`),
      roundTrip(`${ACCOUNT_ARN}:snapshot:cli-one-snap`),
      run().serviceError(['list-tags-for-resource', '--resource-name', `${ACCOUNT_ARN}:db:cli-nowhere`]),
    ]);
    expect(missing.code).to.equal('DBInstanceNotFound');
  });

  it('describe-db-engine-versions: one version with its family and upgrade targets; the default only', async () => {
    const [{ DBEngineVersions: one }, { DBEngineVersions: defaults }, { DBEngineVersions: all }] = await Promise.all([
      run().json(['describe-db-engine-versions', '--engine', 'postgres', '--engine-version', '16.4']),
      run().json(['describe-db-engine-versions', '--engine', 'postgres', '--default-only']),
      // Without filters: every engine, all versions in one listing however the CLI pages it.
      run().json(['describe-db-engine-versions', '--page-size', '20']),
    ]);
    expect(one).to.have.length(1);
    expect([one[0].Engine, one[0].EngineVersion, one[0].DBParameterGroupFamily, one[0].MajorEngineVersion]).to.deep.equal([
      'postgres',
      '16.4',
      'postgres16',
      '16',
    ]);
    const targets: any[] = one[0].ValidUpgradeTarget;
    expect(targets.length).to.be.greaterThan(0);
    for (const t of targets) {
      expect(t.Engine).to.equal('postgres');
      expect(t.IsMajorVersionUpgrade).to.equal(!t.EngineVersion.startsWith('16.'));
      const [major, minor] = t.EngineVersion.split('.').map(Number);
      expect(major > 16 || (major === 16 && minor > 4), t.EngineVersion).to.equal(true);
    }
    expect(targets.some((t) => t.IsMajorVersionUpgrade)).to.equal(true);
    expect(defaults).to.have.length(1);
    expect(defaults[0].DBParameterGroupFamily).to.equal(`postgres${defaults[0].EngineVersion.split('.')[0]}`);
    expect(new Set(all.map((v: any) => v.Engine))).to.deep.equal(
      new Set(['postgres', 'mysql', 'mariadb', 'aurora-postgresql', 'aurora-mysql']),
    );
    expect(new Set(all.map((v: any) => `${v.Engine} ${v.EngineVersion}`)).size).to.equal(all.length);
  });

  it('describe-orderable-db-instance-options: classes per version across CLI pages, filters, and a class RDS lacks', async () => {
    const [{ OrderableDBInstanceOptions: all }, { OrderableDBInstanceOptions: one }, { OrderableDBInstanceOptions: typo }] =
      await Promise.all([
        // The CLI follows the markers itself: pages of 20 come back as one listing.
        run().json(['describe-orderable-db-instance-options', '--engine', 'postgres', '--engine-version', '17.5', '--page-size', '20']),
        run().json(['describe-orderable-db-instance-options', '--engine', 'mariadb', '--db-instance-class', 'db.t4g.micro']),
        run().json(['describe-orderable-db-instance-options', '--engine', 'postgres', '--db-instance-class', 'db.t4g.mirco']),
      ]);
    expect(all.length).to.be.greaterThan(100);
    expect(new Set(all.map((o: any) => `${o.DBInstanceClass} ${o.StorageType}`)).size).to.equal(all.length);
    expect(all.every((o: any) => o.Engine === 'postgres' && o.EngineVersion === '17.5')).to.equal(true);
    const io2 = all.find((o: any) => o.DBInstanceClass === 'db.r6g.large' && o.StorageType === 'io2');
    expect([io2.MinStorageSize, io2.MaxStorageSize, io2.MinIopsPerDbInstance, io2.MaxIopsPerDbInstance, io2.SupportsIops]).to.deep.equal([
      100,
      65536,
      1000,
      256000,
      true,
    ]);
    expect(new Set(one.map((o: any) => o.DBInstanceClass))).to.deep.equal(new Set(['db.t4g.micro']));
    expect(new Set(one.map((o: any) => o.LicenseModel))).to.deep.equal(new Set(['general-public-license']));
    expect(typo).to.deep.equal([]);
    const refused = await run().serviceError([
      'create-db-instance',
      '--db-instance-identifier',
      'cli-typo',
      '--engine',
      'postgres',
      '--engine-version',
      '17.5',
      '--db-instance-class',
      'db.t4g.mirco',
      '--master-username',
      'master',
      '--master-user-password',
      'master-password-1',
      '--allocated-storage',
      '20',
    ]);
    expect([refused.code, refused.operation]).to.deep.equal(['InvalidParameterCombination', 'CreateDBInstance']);
    expect(refused.message).to.equal(
      'RDS does not support creating a DB instance with the following combination: DBInstanceClass=db.t4g.mirco, Engine=postgres, ' +
        'EngineVersion=17.5, LicenseModel=postgresql-license. For supported combinations of instance class and database engine version, see the documentation.',
    );
  });

  it('parameter groups: create, associate (applying, then pending-reboot), modify rds.force_ssl=0 (dynamic: no reboot), describe-db-parameters', async () => {
    const group = (
      await run().json([
        'create-db-parameter-group',
        '--db-parameter-group-name',
        'cli-pg',
        '--db-parameter-group-family',
        'postgres16',
        '--description',
        'AWS CLI test group',
      ])
    ).DBParameterGroup;
    expect(group).to.deep.equal({
      DBParameterGroupName: 'cli-pg',
      DBParameterGroupFamily: 'postgres16',
      Description: 'AWS CLI test group',
      DBParameterGroupArn: `${ACCOUNT_ARN}:pg:cli-pg`,
    });
    emu().hold('cli-restored');
    const [{ Parameters: none }, { Parameters: defaults }, { DBInstance: switching }] = await Promise.all([
      run().json(['describe-db-parameters', '--db-parameter-group-name', 'cli-pg', '--source', 'user']),
      run().json(['describe-db-parameters', '--db-parameter-group-name', 'cli-pg']),
      run().json([
        'modify-db-instance',
        '--db-instance-identifier',
        'cli-restored',
        '--db-parameter-group-name',
        'cli-pg',
        '--apply-immediately',
      ]),
    ]);
    expect(none).to.deep.equal([]);
    expect(defaults.find((p: any) => p.ParameterName === 'rds.force_ssl').ParameterValue).to.equal('1');
    // As in AWS's example of modify-db-instance output: the new group at once, "applying".
    expect(switching.DBParameterGroups).to.deep.equal([{ DBParameterGroupName: 'cli-pg', ParameterApplyStatus: 'applying' }]);
    const modifying = await describeOne('cli-restored');
    expect([modifying.DBInstanceStatus, modifying.DBParameterGroups]).to.deep.equal([
      'modifying',
      [{ DBParameterGroupName: 'cli-pg', ParameterApplyStatus: 'applying' }],
    ]);
    emu().release('cli-restored');
    expect(await emu().settle()).to.deep.equal([]);
    // A new group's parameters take effect at the next reboot, as on RDS.
    expect((await describeOne('cli-restored')).DBParameterGroups).to.deep.equal([
      { DBParameterGroupName: 'cli-pg', ParameterApplyStatus: 'pending-reboot' },
    ]);
    await run().json(['reboot-db-instance', '--db-instance-identifier', 'cli-restored']);
    await emu().settle();
    expect((await describeOne('cli-restored')).DBParameterGroups).to.deep.equal([
      { DBParameterGroupName: 'cli-pg', ParameterApplyStatus: 'in-sync' },
    ]);

    const modified = await run().json([
      'modify-db-parameter-group',
      '--db-parameter-group-name',
      'cli-pg',
      '--parameters',
      'ParameterName=rds.force_ssl,ParameterValue=0,ApplyMethod=immediate',
    ]);
    expect(modified).to.deep.equal({ DBParameterGroupName: 'cli-pg' });
    expect(await emu().settle()).to.deep.equal([]);
    const [{ Parameters: user }, after, defaultGroup] = await Promise.all([
      run().json(['describe-db-parameters', '--db-parameter-group-name', 'cli-pg', '--source', 'user']),
      describeOne('cli-restored'),
      run().serviceError([
        'modify-db-parameter-group',
        '--db-parameter-group-name',
        'default.postgres16',
        '--parameters',
        'ParameterName=rds.force_ssl,ParameterValue=0,ApplyMethod=immediate',
      ]),
    ]);
    expect(user).to.have.length(1);
    expect(user[0]).to.include({
      ParameterName: 'rds.force_ssl',
      ParameterValue: '0',
      Source: 'user',
      ApplyType: 'dynamic',
      ApplyMethod: 'immediate',
      IsModifiable: true,
    });
    expect([after.DBInstanceStatus, after.DBParameterGroups]).to.deep.equal([
      'available',
      [{ DBParameterGroupName: 'cli-pg', ParameterApplyStatus: 'in-sync' }],
    ]);

    expect(defaultGroup.code).to.equal('InvalidParameterValue');
  });

  it('delete-db-instance: --skip-final-snapshot, --final-db-snapshot-identifier, and neither', async () => {
    const neither = await run().serviceError(['delete-db-instance', '--db-instance-identifier', 'cli-pitr']);
    expect([neither.code, neither.exit]).to.deep.equal(['InvalidParameterCombination', cli.serviceErrorExit]);

    const [{ DBInstance: skipped }, { DBInstance: final }] = await Promise.all([
      run().json(['delete-db-instance', '--db-instance-identifier', 'cli-pitr', '--skip-final-snapshot']),
      run().json([
        'delete-db-instance',
        '--db-instance-identifier',
        'cli-restored',
        '--final-db-snapshot-identifier',
        'cli-restored-final',
      ]),
    ]);
    expect([skipped.DBInstanceIdentifier, skipped.DBInstanceStatus]).to.deep.equal(['cli-pitr', 'deleting']);
    expect([final.DBInstanceIdentifier, final.DBInstanceStatus]).to.deep.equal(['cli-restored', 'deleting']);
    expect(await emu().settle()).to.deep.equal([]);

    // The CLI's waiter counts DBInstanceNotFound as success.
    const [waited, gone, { DBSnapshots: snapshot }] = await Promise.all([
      run().raw(['wait', 'db-instance-deleted', '--db-instance-identifier', 'cli-pitr']),
      run().serviceError(['describe-db-instances', '--db-instance-identifier', 'cli-restored']),
      run().json(['describe-db-snapshots', '--db-snapshot-identifier', 'cli-restored-final']),
    ]);
    expect(waited.code).to.equal(0);
    expect(gone.code).to.equal('DBInstanceNotFound');
    expect(snapshot.map((s: any) => [s.DBSnapshotIdentifier, s.DBInstanceIdentifier, s.SnapshotType, s.Status])).to.deep.equal([
      ['cli-restored-final', 'cli-restored', 'manual', 'available'],
    ]);
  });

  it('reports RDS error codes as the CLI prints them: missing instance, duplicate identifier, invalid state', async () => {
    emu().hold('cli-held');
    const [notFound, modifyMissing, rebootMissing, duplicate, held] = await Promise.all([
      run().serviceError(['describe-db-instances', '--db-instance-identifier', 'cli-nowhere']),
      run().serviceError([
        'modify-db-instance',
        '--db-instance-identifier',
        'cli-nowhere',
        '--allocated-storage',
        '40',
        '--apply-immediately',
      ]),
      run().serviceError(['reboot-db-instance', '--db-instance-identifier', 'cli-nowhere']),
      run().serviceError(create('cli-one')),
      run().json(create('cli-held')),
    ]);
    expect(notFound).to.deep.equal({
      code: 'DBInstanceNotFound',
      operation: 'DescribeDBInstances',
      message: 'DBInstance cli-nowhere not found.',
      exit: cli.serviceErrorExit,
    });
    expect([modifyMissing.code, modifyMissing.operation]).to.deep.equal(['DBInstanceNotFound', 'ModifyDBInstance']);
    expect([rebootMissing.code, rebootMissing.operation]).to.deep.equal(['DBInstanceNotFound', 'RebootDBInstance']);
    expect([duplicate.code, duplicate.operation, duplicate.exit]).to.deep.equal([
      'DBInstanceAlreadyExists',
      'CreateDBInstance',
      cli.serviceErrorExit,
    ]);

    expect(held.DBInstance.DBInstanceStatus).to.equal('creating');
    const [snapshot, modify] = await Promise.all([
      run().serviceError(['create-db-snapshot', '--db-instance-identifier', 'cli-held', '--db-snapshot-identifier', 'cli-held-snap']),
      run().serviceError([
        'modify-db-instance',
        '--db-instance-identifier',
        'cli-held',
        '--allocated-storage',
        '40',
        '--apply-immediately',
      ]),
    ]);
    expect([snapshot.code, snapshot.operation, snapshot.exit]).to.deep.equal([
      'InvalidDBInstanceState',
      'CreateDBSnapshot',
      cli.serviceErrorExit,
    ]);
    expect(modify.code).to.equal('InvalidDBInstanceState');

    // The waiter reads "deleting" as a terminal failure and stops at once instead of polling on.
    expect(
      (await run().json(['delete-db-instance', '--db-instance-identifier', 'cli-held', '--skip-final-snapshot'])).DBInstance
        .DBInstanceStatus,
    ).to.equal('deleting');
    const waited = await run().raw(['wait', 'db-instance-available', '--db-instance-identifier', 'cli-held']);
    expect(waited.code).to.equal(255);
    expect(waited.stderr).to.match(/Waiter DBInstanceAvailable failed: .*terminal failure state.*"deleting"/);
    emu().release('cli-held');
    await emu().settle();
  });

  it('retries a throttled call by its own rules and then succeeds', async () => {
    const fault = await admin(emu(), 'POST', 'faults', {
      actions: ['DescribeDBInstances'],
      error: { code: 'Throttling', status: 400 },
      count: 1,
    });
    expect(fault.status).to.equal(201);
    emu().resetStats();
    expect((await describeOne('cli-one')).DBInstanceIdentifier).to.equal('cli-one');
    const stats = emu().stats();
    expect(stats.calls.DescribeDBInstances).to.equal(2);
    expect(stats.errors.DescribeDBInstances).to.deep.equal({ Throttling: 1 });
  });
});

describe('AWS CLI against the emulator: describe-db-instances filters and pagination', function () {
  this.timeout(120_000);
  const COUNT = 45;
  const ids = Array.from({ length: COUNT }, (_, i) => `page-${String(i + 1).padStart(2, '0')}`);
  let emulator: RunningEmulator | undefined;
  let aws: CliSession | undefined;

  before(async function () {
    const cli = await locateCli(this);
    emulator = await startModelEmulator({ region: 'us-east-1' });
    aws = await CliSession.open(cli, emulator.url, emulator.region);
    // The set-up goes through the SDK: 45 CLI processes would only cost time, the CLI reads them below.
    const rds: RDSClient = rdsClient(emulator);
    await Promise.all(ids.map((id) => rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: id }))));
    rds.destroy();
    expect(await emulator.settle()).to.deep.equal([]);
  });
  after(async () => {
    await aws?.close();
    await emulator?.stop();
  });

  const listed = (out: any): string[] => out.DBInstances.map((i: any) => i.DBInstanceIdentifier);

  it('gets every instance across pages of 20 (the CLI follows the markers itself)', async () => {
    emulator!.resetStats();
    const out = await aws!.json(['describe-db-instances', '--page-size', '20']);
    expect(listed(out)).to.deep.equal(ids);
    expect(out).to.not.have.property('NextToken');
    expect(emulator!.stats().calls.DescribeDBInstances).to.equal(3);
  });

  it('--max-items stops with a NextToken, and --starting-token goes on from there', async () => {
    const first = await aws!.json(['describe-db-instances', '--page-size', '20', '--max-items', '25']);
    expect(listed(first)).to.deep.equal(ids.slice(0, 25));
    expect(first.NextToken).to.be.a('string').and.not.equal('');
    const rest = await aws!.json(['describe-db-instances', '--page-size', '20', '--max-items', '25', '--starting-token', first.NextToken]);
    expect(listed(rest)).to.deep.equal(ids.slice(25));
    expect(rest).to.not.have.property('NextToken');
  });

  it('--max-records and --marker: one page at a time, the Marker as RDS returns it', async () => {
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const out: any = await aws!.json(['describe-db-instances', '--max-records', '20', ...(marker ? ['--marker', marker] : [])]);
      expect(out.DBInstances.length).to.be.at.most(20);
      seen.push(...listed(out));
      marker = out.Marker;
      pages++;
    } while (marker && pages < 10);
    expect(pages).to.equal(3);
    expect(seen).to.deep.equal(ids);
  });

  it('--filters Name=db-instance-id with several identifiers and ARNs', async () => {
    const [out, none, bad] = await Promise.all([
      aws!.json([
        'describe-db-instances',
        '--filters',
        `Name=db-instance-id,Values=page-02,${ACCOUNT_ARN}:db:page-07,PAGE-11,page-nowhere`,
      ]),
      aws!.json(['describe-db-instances', '--filters', 'Name=engine,Values=mysql']),
      // RDS's limits on a page: 20 to 100.
      aws!.serviceError(['describe-db-instances', '--page-size', '10']),
    ]);
    expect(listed(out)).to.deep.equal(['page-02', 'page-07', 'page-11']);
    expect(none).to.deep.equal({ DBInstances: [] });
    expect(bad.code).to.equal('InvalidParameterValue');
  });
});
