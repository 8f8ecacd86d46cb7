import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  ModifyDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  CreateDBInstanceReadReplicaCommand,
  type OrderableDBInstanceOption,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { RdsGateway } from '../../src/aws/gateway.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

const refusal = (cls: string, engine: string, version: string, license: string) =>
  `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${cls}, Engine=${engine}, ` +
  `EngineVersion=${version}, LicenseModel=${license}. For supported combinations of instance class and database engine version, see the documentation.`;

describe('emulator: orderable instance classes (DescribeOrderableDBInstanceOptions and the class check)', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());

  async function allOptions(input: { Engine: string; EngineVersion?: string; DBInstanceClass?: string }, pageSize = 100) {
    const out: OrderableDBInstanceOption[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ ...input, MaxRecords: pageSize, Marker: marker }));
      expect(page.OrderableDBInstanceOptions!.length).to.be.at.most(pageSize);
      out.push(...page.OrderableDBInstanceOptions!);
      marker = page.Marker;
      pages++;
    } while (marker);
    return { options: out, pages };
  }

  it('lists classes and storage types per version, with RDS storage and IOPS bounds', async () => {
    const { options } = await allOptions({ Engine: 'postgres', EngineVersion: '17.5' }, 1000);
    expect(new Set(options.map((o) => o.EngineVersion))).to.deep.equal(new Set(['17.5']));
    const classes = new Set(options.map((o) => o.DBInstanceClass));
    for (const c of [
      'db.t3.micro',
      'db.t4g.micro',
      'db.t4g.2xlarge',
      'db.m5.large',
      'db.m6g.16xlarge',
      'db.m6i.32xlarge',
      'db.m7g.large',
      'db.r5.24xlarge',
      'db.r6g.large',
      'db.r7g.16xlarge',
    ]) {
      expect(classes.has(c), c).to.equal(true);
    }
    for (const c of ['db.t2.micro', 'db.m4.large', 'db.t9.micro', 'db.t4g.mirco', 'db.t4g.4xlarge'])
      expect(classes.has(c), c).to.equal(false);
    const micro = options.filter((o) => o.DBInstanceClass === 'db.t4g.micro');
    expect(micro.map((o) => o.StorageType).sort()).to.deep.equal(['gp2', 'gp3', 'io1', 'io2']);
    const gp3 = micro.find((o) => o.StorageType === 'gp3')!;
    expect([gp3.MinStorageSize, gp3.MaxStorageSize, gp3.MinIopsPerDbInstance, gp3.MaxIopsPerDbInstance, gp3.SupportsIops]).to.deep.equal([
      20,
      65536,
      3000,
      64000,
      true,
    ]);
    expect([gp3.MinStorageThroughputPerDbInstance, gp3.MaxStorageThroughputPerDbInstance]).to.deep.equal([125, 4000]);
    const io1 = micro.find((o) => o.StorageType === 'io1')!;
    expect([io1.MinStorageSize, io1.MinIopsPerDbInstance, io1.MaxIopsPerDbInstance, io1.MinIopsPerGib, io1.MaxIopsPerGib]).to.deep.equal([
      100, 1000, 256000, 1, 50,
    ]);
    const gp2 = micro.find((o) => o.StorageType === 'gp2')!;
    expect([gp2.SupportsIops, gp2.MinIopsPerDbInstance]).to.deep.equal([false, undefined]);
    expect(gp2.LicenseModel).to.equal('postgresql-license');
    expect(gp2.AvailabilityZones!.map((z) => z.Name)).to.deep.equal(['us-east-1a', 'us-east-1b', 'us-east-1c']);
    expect([gp2.MultiAZCapable, gp2.ReadReplicaCapable, gp2.Vpc, gp2.SupportedEngineModes]).to.deep.equal([
      true,
      true,
      true,
      ['provisioned'],
    ]);
    const standard = options.find((o) => o.DBInstanceClass === 'db.t3.micro' && o.StorageType === 'standard')!;
    expect([standard.MinStorageSize, standard.MaxStorageSize]).to.deep.equal([5, 3072]);
  });

  it('filters by class and license model, and answers nothing for a class RDS does not have', async () => {
    const { options } = await allOptions({ Engine: 'mariadb', DBInstanceClass: 'db.r6g.large' });
    expect(new Set(options.map((o) => o.DBInstanceClass))).to.deep.equal(new Set(['db.r6g.large']));
    expect(new Set(options.map((o) => o.EngineVersion))).to.deep.equal(new Set(['10.11.9', '10.11.10', '10.11.11', '11.4.4', '11.4.5']));
    expect(options.every((o) => o.LicenseModel === 'general-public-license')).to.equal(true);
    const none = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'postgres', DBInstanceClass: 'db.t4g.mirco' }));
    expect(none.OrderableDBInstanceOptions).to.deep.equal([]);
    const wrongLicense = await rds.send(
      new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'postgres', LicenseModel: 'general-public-license' }),
    );
    expect(wrongLicense.OrderableDBInstanceOptions).to.deep.equal([]);
    const noVpc = await rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'postgres', Vpc: false }));
    expect(noVpc.OrderableDBInstanceOptions).to.deep.equal([]);
  });

  it('pages with Marker and MaxRecords: the pages together are the whole list, each row once', async () => {
    const whole = await allOptions({ Engine: 'postgres', EngineVersion: '16.4' }, 1000);
    const paged = await allOptions({ Engine: 'postgres', EngineVersion: '16.4' }, 20);
    expect(paged.pages).to.equal(Math.ceil(whole.options.length / 20));
    const key = (o: OrderableDBInstanceOption) => `${o.DBInstanceClass} ${o.StorageType}`;
    expect(paged.options.map(key)).to.deep.equal(whole.options.map(key));
    expect(new Set(whole.options.map(key)).size).to.equal(whole.options.length);
    const tooMany = await rejection(rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'postgres', MaxRecords: 1001 })));
    expect(tooMany.name).to.equal('InvalidParameterValue');
    const noEngine = await rejection(rds.send(new DescribeOrderableDBInstanceOptionsCommand({ Engine: 'oracle-xe' })));
    expect(noEngine.name).to.equal('InvalidParameterValue');
  });

  it('CreateDBInstance refuses a class the engine version does not offer, with RDS error and wording', async () => {
    for (const [cls, engine, version, license] of [
      ['db.t4g.mirco', 'postgres', '17.5', 'postgresql-license'],
      ['db.t9.micro', 'mariadb', '11.4.5', 'general-public-license'],
      ['db.t2.micro', 'mysql', '8.0.41', 'general-public-license'],
    ] as const) {
      const error = await rejection(
        rds.send(
          new CreateDBInstanceCommand({
            ...baseInstance,
            DBInstanceIdentifier: 'bad-class',
            DBInstanceClass: cls,
            Engine: engine,
            EngineVersion: version,
          }),
        ),
      );
      expect([error.name, error.message]).to.deep.equal(['InvalidParameterCombination', refusal(cls, engine, version, license)]);
    }
    // The version RDS picks for a major given alone is the one the message names.
    const major = await rejection(
      rds.send(
        new CreateDBInstanceCommand({
          ...baseInstance,
          DBInstanceIdentifier: 'bad-class',
          DBInstanceClass: 'db.x9.large',
          EngineVersion: '16',
        }),
      ),
    );
    expect(major.message).to.equal(refusal('db.x9.large', 'postgres', '16.8', 'postgresql-license'));
    // Nothing was created by the refusals.
    const listed = await rejection(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'bad-class', DBInstanceClass: 'db.t3.small' })),
    );
    expect(listed.name).to.equal('DBInstanceNotFoundFault');
  });

  it('ModifyDBInstance, both restores and CreateDBInstanceReadReplica refuse such a class; a real one is accepted', async () => {
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'good-class', EngineVersion: '17.5' }));
    await emulator.settle();
    const modify = await rejection(
      rds.send(
        new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'good-class', DBInstanceClass: 'db.t4g.mirco', ApplyImmediately: true }),
      ),
    );
    expect([modify.name, modify.message]).to.deep.equal([
      'InvalidParameterCombination',
      refusal('db.t4g.mirco', 'postgres', '17.5', 'postgresql-license'),
    ]);
    const ok = await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'good-class', DBInstanceClass: 'db.m7g.large' }));
    expect(ok.DBInstance!.DBInstanceClass).to.equal('db.t3.micro');

    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'good-class', DBSnapshotIdentifier: 'good-class-snap' }));
    await emulator.settle();
    const fromSnapshot = await rejection(
      rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: 'restored-bad',
          DBSnapshotIdentifier: 'good-class-snap',
          DBInstanceClass: 'db.t9.micro',
        }),
      ),
    );
    expect([fromSnapshot.name, fromSnapshot.message]).to.deep.equal([
      'InvalidParameterCombination',
      refusal('db.t9.micro', 'postgres', '17.5', 'postgresql-license'),
    ]);
    const pitr = await rejection(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: 'good-class',
          TargetDBInstanceIdentifier: 'restored-bad',
          UseLatestRestorableTime: true,
          DBInstanceClass: 'db.t9.micro',
        }),
      ),
    );
    expect(pitr.name).to.equal('InvalidParameterCombination');
    const replica = await rejection(
      rds.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: 'replica-bad',
          SourceDBInstanceIdentifier: 'good-class',
          DBInstanceClass: 'db.t4g.mirco',
        }),
      ),
    );
    expect([replica.name, replica.message]).to.deep.equal([
      'InvalidParameterCombination',
      refusal('db.t4g.mirco', 'postgres', '17.5', 'postgresql-license'),
    ]);
  });

  it("the broker's gateway reads every page: all of a version, one class, nothing for a typo", async () => {
    const gateway = new RdsGateway({
      region: emulator.region,
      endpoint: emulator.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      retry: { maxAttempts: 1, budgetMs: 5000, baseDelayMs: 10, maxDelayMs: 10 },
      coalesce: { enabled: false, windowMs: 0, maxIdentifiers: 100 },
    });
    try {
      const everything = await gateway.describeOrderableOptions('postgres');
      const versions = new Set(everything.map((o) => o.EngineVersion));
      expect(versions.size).to.equal(15);
      // More rows than one page of 1000 holds, so the gateway followed the Marker.
      expect(everything.length).to.be.greaterThan(1000);
      const one = await gateway.describeOrderableOptions('postgres', '17.5', 'db.t4g.micro');
      expect(one.map((o) => o.StorageType).sort()).to.deep.equal(['gp2', 'gp3', 'io1', 'io2']);
      expect(await gateway.describeOrderableOptions('postgres', '17.5', 'db.t4g.mirco')).to.deep.equal([]);
    } finally {
      gateway.close();
    }
  });
});
