import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  type DBInstance,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

const ROLE = 'arn:aws:iam::123456789012:role/rds-monitoring-role';

/** Performance Insights, Enhanced Monitoring, log exports, IAM authentication and the CA, through the real SDK. */
describe('emulator: monitoring, logging, authentication and certificate settings', () => {
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

  it("describes RDS's defaults when none is asked for", async () => {
    await create('feat-defaults');
    const inst = await describe1('feat-defaults');
    expect(inst).to.deep.include({
      PerformanceInsightsEnabled: false,
      MonitoringInterval: 0,
      IAMDatabaseAuthenticationEnabled: false,
      CACertificateIdentifier: 'rds-ca-rsa2048-g1',
    });
    expect(inst.EnabledCloudwatchLogsExports ?? []).to.deep.equal([]);
  });

  it('creates with every setting and describes each as RDS does', async () => {
    await create('feat-all', {
      EnablePerformanceInsights: true,
      PerformanceInsightsRetentionPeriod: 62,
      PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/pi',
      MonitoringInterval: 15,
      MonitoringRoleArn: ROLE,
      EnableCloudwatchLogsExports: ['postgresql', 'upgrade'],
      EnableIAMDatabaseAuthentication: true,
      CACertificateIdentifier: 'rds-ca-ecc384-g1',
    });
    await emulator.settle();
    const inst = await describe1('feat-all');
    expect(inst).to.deep.include({
      PerformanceInsightsEnabled: true,
      PerformanceInsightsRetentionPeriod: 62,
      PerformanceInsightsKMSKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/pi',
      MonitoringInterval: 15,
      MonitoringRoleArn: ROLE,
      IAMDatabaseAuthenticationEnabled: true,
      CACertificateIdentifier: 'rds-ca-ecc384-g1',
    });
    expect(inst.EnabledCloudwatchLogsExports).to.deep.equal(['postgresql', 'upgrade']);
    expect(inst.CertificateDetails?.CAIdentifier).to.equal('rds-ca-ecc384-g1');
  });

  it('modifies: log types enabled and disabled, monitoring off forgets the role, a new CA', async () => {
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: 'feat-all',
        ApplyImmediately: true,
        CloudwatchLogsExportConfiguration: { EnableLogTypes: ['iam-db-auth-error'], DisableLogTypes: ['upgrade'] },
        MonitoringInterval: 0,
        EnablePerformanceInsights: false,
        EnableIAMDatabaseAuthentication: false,
        CACertificateIdentifier: 'rds-ca-rsa4096-g1',
      }),
    );
    await emulator.settle();
    const inst = await describe1('feat-all');
    expect(inst.EnabledCloudwatchLogsExports).to.deep.equal(['postgresql', 'iam-db-auth-error']);
    expect(inst.MonitoringInterval).to.equal(0);
    expect(inst.MonitoringRoleArn).to.equal(undefined);
    expect(inst.PerformanceInsightsEnabled).to.equal(false);
    expect(inst.IAMDatabaseAuthenticationEnabled).to.equal(false);
    expect(inst.CACertificateIdentifier).to.equal('rds-ca-rsa4096-g1');
  });

  const refusals: Array<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'a retention that is neither 7, months of 31 days nor 731',
      { EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 30 },
      'InvalidParameterValue',
      /retention period/,
    ],
    [
      'a retention beyond 731',
      { EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: 744 },
      'InvalidParameterValue',
      /retention period/,
    ],
    [
      'a retention without Performance Insights',
      { PerformanceInsightsRetentionPeriod: 7 },
      'InvalidParameterCombination',
      /EnablePerformanceInsights/,
    ],
    [
      'a monitoring interval RDS does not offer',
      { MonitoringInterval: 20, MonitoringRoleArn: ROLE },
      'InvalidParameterValue',
      /MonitoringInterval/,
    ],
    ['monitoring without a role', { MonitoringInterval: 60 }, 'InvalidParameterCombination', /MonitoringRoleARN/],
    [
      'a role that is not an IAM role ARN',
      { MonitoringInterval: 60, MonitoringRoleArn: 'monitoring' },
      'InvalidParameterValue',
      /MonitoringRoleArn/,
    ],
    ['a MySQL log type on PostgreSQL', { EnableCloudwatchLogsExports: ['slowquery'] }, 'InvalidParameterCombination', /slowquery/],
    ['an unknown certificate authority', { CACertificateIdentifier: 'rds-ca-2015' }, 'CertificateNotFoundFault', /rds-ca-2015/],
  ];
  for (const [title, extra, code, message] of refusals) {
    it(`refuses ${title} (${code})`, async () => {
      const error = await rejection(create(`feat-bad-${refusals.findIndex((r) => r[0] === title)}`, extra));
      expect(error.name).to.equal(code);
      expect(error.message).to.match(message);
    });
  }

  it('accepts the retentions RDS accepts: 7, 31 … 713, 731', async () => {
    for (const [i, days] of [7, 31, 93, 713, 731].entries()) {
      await create(`feat-ret-${i}`, { EnablePerformanceInsights: true, PerformanceInsightsRetentionPeriod: days });
      expect((await describe1(`feat-ret-${i}`)).PerformanceInsightsRetentionPeriod).to.equal(days);
    }
  });
});
