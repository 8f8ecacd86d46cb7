import { expect } from 'chai';
import { buildConfig, ConfigError } from '../../src/config/load.js';
import { featuresDiff, type ObservedFeatures } from '../../src/reconcile/features.js';
import { configDocument } from '../osb/fixtures.js';

const ROLE = 'arn:aws:iam::123456789012:role/rds-monitoring-role';
const rdsDefaults: ObservedFeatures = {
  performanceInsightsEnabled: false,
  monitoringInterval: 0,
  cloudwatchLogsExports: [],
  iamDatabaseAuthenticationEnabled: false,
  caCertificateIdentifier: 'rds-ca-rsa2048-g1',
};

describe('plan features: monitoring, logs, IAM authentication, CA', () => {
  describe('featuresDiff (pure)', () => {
    it('a plan that manages nothing changes nothing, whatever RDS shows', () => {
      expect(featuresDiff({ ...rdsDefaults, performanceInsightsEnabled: true, monitoringInterval: 60 }, {})).to.deep.equal({});
    });
    it('asks for every difference, with the role beside a monitoring interval and the KMS key when Performance Insights turns on', () => {
      expect(
        featuresDiff(rdsDefaults, {
          performanceInsightsEnabled: true,
          performanceInsightsRetentionPeriod: 62,
          performanceInsightsKmsKeyId: 'key',
          monitoringInterval: 5,
          monitoringRoleArn: ROLE,
          cloudwatchLogsExports: ['postgresql'],
          iamDatabaseAuthenticationEnabled: true,
          caCertificateIdentifier: 'rds-ca-ecc384-g1',
        }),
      ).to.deep.equal({
        EnablePerformanceInsights: true,
        PerformanceInsightsKMSKeyId: 'key',
        PerformanceInsightsRetentionPeriod: 62,
        MonitoringInterval: 5,
        MonitoringRoleArn: ROLE,
        CloudwatchLogsExportConfiguration: { EnableLogTypes: ['postgresql'] },
        EnableIAMDatabaseAuthentication: true,
        CACertificateIdentifier: 'rds-ca-ecc384-g1',
      });
    });
    it('log exports: enables what is missing and disables what the plan does not list', () => {
      expect(
        featuresDiff(
          { ...rdsDefaults, cloudwatchLogsExports: ['postgresql', 'upgrade'] },
          { cloudwatchLogsExports: ['postgresql', 'iam-db-auth-error'] },
        ),
      ).to.deep.equal({
        CloudwatchLogsExportConfiguration: { EnableLogTypes: ['iam-db-auth-error'], DisableLogTypes: ['upgrade'] },
      });
    });
    it('turning monitoring off sends no role (RDS refuses one with interval 0); an instance already as asked needs nothing', () => {
      expect(
        featuresDiff(
          { ...rdsDefaults, monitoringInterval: 60, monitoringRoleArn: ROLE },
          { monitoringInterval: 0, monitoringRoleArn: ROLE },
        ),
      ).to.deep.equal({ MonitoringInterval: 0 });
      const asked = {
        ...rdsDefaults,
        performanceInsightsEnabled: true,
        performanceInsightsRetentionPeriod: 7,
        monitoringInterval: 60,
        monitoringRoleArn: ROLE,
      };
      expect(
        featuresDiff(asked, {
          performanceInsightsEnabled: true,
          performanceInsightsRetentionPeriod: 7,
          performanceInsightsKmsKeyId: 'other',
          monitoringInterval: 60,
          monitoringRoleArn: ROLE,
        }),
      ).to.deep.equal({});
    });
  });

  describe('configuration rules (RDS refuses the same)', () => {
    function problemsOf(rds: Record<string, unknown>): string[] {
      const doc = configDocument();
      Object.assign(doc.catalog.services[0].plans[0].rds, rds);
      try {
        buildConfig(doc, {});
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    }
    const cases: Array<[string, Record<string, unknown>, RegExp | undefined]> = [
      [
        'every setting, valid',
        {
          performanceInsightsEnabled: true,
          performanceInsightsRetentionPeriod: 731,
          monitoringInterval: 1,
          monitoringRoleArn: ROLE,
          enabledCloudwatchLogsExports: ['postgresql', 'upgrade'],
          iamDatabaseAuthenticationEnabled: true,
          caCertificateIdentifier: 'rds-ca-rsa4096-g1',
        },
        undefined,
      ],
      [
        'a retention RDS does not offer',
        { performanceInsightsEnabled: true, performanceInsightsRetentionPeriod: 14 },
        /performanceInsightsRetentionPeriod/,
      ],
      ['a retention without Performance Insights', { performanceInsightsRetentionPeriod: 7 }, /performanceInsightsEnabled/],
      ['an interval RDS does not offer', { monitoringInterval: 2, monitoringRoleArn: ROLE }, /monitoringInterval/],
      ['monitoring without a role', { monitoringInterval: 60 }, /monitoringRoleArn/],
      ['a role without monitoring', { monitoringRoleArn: ROLE }, /monitoringInterval/],
      ['a role that is not an IAM role ARN', { monitoringInterval: 60, monitoringRoleArn: 'role' }, /monitoringRoleArn/],
      ['a MySQL log on PostgreSQL', { enabledCloudwatchLogsExports: ['slowquery'] }, /postgres cannot export slowquery/],
      ['an unknown certificate authority', { caCertificateIdentifier: 'rds-ca-2015' }, /caCertificateIdentifier/],
    ];
    for (const [title, rds, problem] of cases) {
      it(title, () => {
        const problems = problemsOf(rds);
        if (problem === undefined) expect(problems).to.deep.equal([]);
        else expect(problems.join('\n')).to.match(problem);
      });
    }
  });
});
