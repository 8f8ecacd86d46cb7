import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { provisionAndWait, requestRestore, takeSnapshot } from '../support/osb-flows.js';

const ROLE = 'arn:aws:iam::123456789012:role/rds-monitoring-role';

/**
 * Plan settings for monitoring, logs, IAM authentication and the certificate authority reach RDS
 * at provision, at a plan change and after a restore (the post-restore settings step), and GET
 * instance shows them as RDS describes them.
 */
describe('plan settings: Performance Insights, Enhanced Monitoring, log exports, IAM authentication, CA', function () {
  this.timeout(300_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      configure: (doc) => {
        // small: everything on; medium: changed or off.
        Object.assign(doc.catalog.services[0].plans[0].rds, {
          performanceInsightsEnabled: true,
          performanceInsightsRetentionPeriod: 31,
          monitoringInterval: 30,
          monitoringRoleArn: ROLE,
          enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
          iamDatabaseAuthenticationEnabled: true,
          caCertificateIdentifier: 'rds-ca-rsa4096-g1',
        });
        Object.assign(doc.catalog.services[0].plans[1].rds, {
          performanceInsightsEnabled: false,
          monitoringInterval: 0,
          enabledCloudwatchLogsExports: ['postgresql'],
          iamDatabaseAuthenticationEnabled: false,
          caCertificateIdentifier: 'rds-ca-ecc384-g1',
        });
      },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  const rdsView = async (id: string): Promise<DBInstance> =>
    (await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }))).DBInstances![0]!;
  const parametersOf = async (id: string) => (await stack.server.client.get(`/v2/service_instances/${id}`)).json.parameters;

  const id = randomUUID();

  it('a provision creates the instance with the plan settings; GET instance shows them', async () => {
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const inst = await rdsView(id);
    expect(inst).to.deep.include({
      PerformanceInsightsEnabled: true,
      PerformanceInsightsRetentionPeriod: 31,
      MonitoringInterval: 30,
      MonitoringRoleArn: ROLE,
      IAMDatabaseAuthenticationEnabled: true,
      CACertificateIdentifier: 'rds-ca-rsa4096-g1',
    });
    expect(inst.EnabledCloudwatchLogsExports).to.deep.equal(['postgresql', 'upgrade']);
    expect(await parametersOf(id)).to.deep.include({
      performance_insights_enabled: true,
      performance_insights_retention_period: 31,
      monitoring_interval: 30,
      enabled_cloudwatch_logs_exports: ['postgresql', 'upgrade'],
      iam_database_authentication_enabled: true,
      ca_certificate_identifier: 'rds-ca-rsa4096-g1',
    });
  });

  it('a plan change applies the new plan settings through ModifyDBInstance and is done only when RDS shows them', async () => {
    const update = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.medium,
    });
    expect(update.status, update.text).to.equal(202);
    expect((await pollUntilDone(stack, id, 'update')).state).to.equal('succeeded');
    const inst = await rdsView(id);
    expect(inst).to.deep.include({
      PerformanceInsightsEnabled: false,
      MonitoringInterval: 0,
      IAMDatabaseAuthenticationEnabled: false,
      CACertificateIdentifier: 'rds-ca-ecc384-g1',
    });
    expect(inst.MonitoringRoleArn).to.equal(undefined);
    expect(inst.EnabledCloudwatchLogsExports).to.deep.equal(['postgresql']);
    expect(await parametersOf(id)).to.deep.include({
      performance_insights_enabled: false,
      monitoring_interval: 0,
      enabled_cloudwatch_logs_exports: ['postgresql'],
      iam_database_authentication_enabled: false,
      ca_certificate_identifier: 'rds-ca-ecc384-g1',
    });
  });

  it('a restore onto the small plan ends with its settings (the post-restore settings step applies what the restore cannot)', async () => {
    await takeSnapshot(stack, id, `features-${id.slice(0, 8)}`);
    const restored = randomUUID();
    const response = await requestRestore(stack, restored, { restore_from_latest_snapshot_of: id });
    expect(response.status, response.text).to.equal(202);
    expect((await pollUntilDone(stack, restored, 'restore')).state).to.equal('succeeded');
    const inst = await rdsView(restored);
    expect(inst).to.deep.include({
      PerformanceInsightsEnabled: true,
      PerformanceInsightsRetentionPeriod: 31,
      MonitoringInterval: 30,
      MonitoringRoleArn: ROLE,
      IAMDatabaseAuthenticationEnabled: true,
      CACertificateIdentifier: 'rds-ca-rsa4096-g1',
    });
    expect(inst.EnabledCloudwatchLogsExports).to.deep.equal(['postgresql', 'upgrade']);
  });
});
