/**
 * Monitoring, logging, authentication and certificate settings of a DB instance, as RDS accepts,
 * validates and describes them: Performance Insights, Enhanced Monitoring, CloudWatch Logs exports,
 * IAM database authentication, and the certificate authority. Parsed from CreateDBInstance /
 * RestoreDBInstance… / ModifyDBInstance parameters; refused with RDS's error codes.
 */
import type { InstanceFeatures } from '../model/types.js';
import { certificateNotFound, invalidCombination, invalidValue } from './errors.js';
import type { QueryParams } from './query.js';

export const DEFAULT_FEATURES: InstanceFeatures = {
  performanceInsightsEnabled: false,
  monitoringInterval: 0,
  enabledCloudwatchLogsExports: [],
  iamDatabaseAuthenticationEnabled: false,
  caCertificateIdentifier: 'rds-ca-rsa2048-g1',
};

/** The certificate authorities RDS offers, with the end of their validity (DescribeCertificates). */
export const CERTIFICATE_AUTHORITIES: Readonly<Record<string, string>> = {
  'rds-ca-rsa2048-g1': '2061-05-25T22:41:16Z',
  'rds-ca-rsa4096-g1': '2121-05-25T22:34:57Z',
  'rds-ca-ecc384-g1': '2121-05-25T22:29:28Z',
  'rds-ca-2019': '2024-08-22T17:08:50Z',
};

const MONITORING_INTERVALS = [0, 1, 5, 10, 15, 30, 60];

/** Log types each engine can publish to CloudWatch Logs. */
const LOG_TYPES: Readonly<Record<string, readonly string[]>> = {
  postgres: ['postgresql', 'upgrade', 'iam-db-auth-error'],
  mysql: ['audit', 'error', 'general', 'slowquery', 'iam-db-auth-error'],
  mariadb: ['audit', 'error', 'general', 'slowquery'],
};

/** 7 (the free tier), a whole number of months of 31 days up to 23, or 731 (two years). */
export function validRetention(days: number): boolean {
  return days === 7 || days === 731 || (days % 31 === 0 && days / 31 >= 1 && days / 31 <= 23);
}

function checkLogTypes(engine: string, version: string, types: readonly string[]): void {
  const allowed = LOG_TYPES[engine] ?? [];
  const wrong = types.filter((t) => !allowed.includes(t));
  if (wrong.length > 0) {
    throw invalidCombination(`You cannot use the log types '${wrong.join("', '")}' with engine version ${engine} ${version}.`);
  }
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;

/** Checks the combination RDS checks, whatever arrived: features of an instance as they will be. */
function checkCombination(next: InstanceFeatures): void {
  if (!MONITORING_INTERVALS.includes(next.monitoringInterval)) {
    throw invalidValue(`Unsupported MonitoringInterval value: ${next.monitoringInterval}. Valid values are: 0, 1, 5, 10, 15, 30, 60.`);
  }
  if (next.monitoringInterval > 0 && !next.monitoringRoleArn) {
    throw invalidCombination('A MonitoringRoleARN value is required if you specify a MonitoringInterval value other than 0.');
  }
  if (next.monitoringRoleArn && !ROLE_ARN.test(next.monitoringRoleArn)) {
    throw invalidValue(`Invalid MonitoringRoleArn: ${next.monitoringRoleArn} is not the ARN of an IAM role.`);
  }
  if (next.performanceInsightsRetentionPeriod !== undefined && !validRetention(next.performanceInsightsRetentionPeriod)) {
    throw invalidValue(
      `Invalid Performance Insights retention period: ${next.performanceInsightsRetentionPeriod}. Valid values are 7, month * 31 (where month is 1-23), and 731.`,
    );
  }
}

/** Features of a new instance (create or restore); `base` is what a restore starts from. */
export function parseFeatures(
  params: QueryParams,
  engine: string,
  version: string,
  base: InstanceFeatures = DEFAULT_FEATURES,
): InstanceFeatures {
  const enabled = params.boolean('EnablePerformanceInsights') ?? base.performanceInsightsEnabled;
  const retention = params.integer('PerformanceInsightsRetentionPeriod');
  const kmsKey = params.string('PerformanceInsightsKMSKeyId');
  if (!enabled && (retention !== undefined || kmsKey !== undefined)) {
    throw invalidCombination(
      'To set PerformanceInsightsRetentionPeriod or PerformanceInsightsKMSKeyId, EnablePerformanceInsights must be true.',
    );
  }
  const logs = params.list('EnableCloudwatchLogsExports') ?? base.enabledCloudwatchLogsExports;
  checkLogTypes(engine, version, logs);
  const ca = params.string('CACertificateIdentifier') ?? base.caCertificateIdentifier;
  if (!CERTIFICATE_AUTHORITIES[ca]) throw certificateNotFound(ca);
  const next: InstanceFeatures = {
    performanceInsightsEnabled: enabled,
    ...(enabled ? { performanceInsightsRetentionPeriod: retention ?? 7 } : {}),
    ...(enabled ? { performanceInsightsKmsKeyId: kmsKey ?? 'arn:aws:kms:us-east-1:000000000000:alias/aws/rds' } : {}),
    monitoringInterval: params.integer('MonitoringInterval') ?? base.monitoringInterval,
    ...(params.string('MonitoringRoleArn') ? { monitoringRoleArn: params.string('MonitoringRoleArn') } : {}),
    enabledCloudwatchLogsExports: [...new Set(logs)],
    iamDatabaseAuthenticationEnabled: params.boolean('EnableIAMDatabaseAuthentication') ?? base.iamDatabaseAuthenticationEnabled,
    caCertificateIdentifier: ca,
  };
  checkCombination(next);
  return next;
}

/** Features after a ModifyDBInstance; RDS applies these without waiting for the maintenance window here. */
export function modifiedFeatures(params: QueryParams, engine: string, version: string, current: InstanceFeatures): InstanceFeatures {
  const enabled = params.boolean('EnablePerformanceInsights') ?? current.performanceInsightsEnabled;
  const retention = params.integer('PerformanceInsightsRetentionPeriod');
  const kmsKey = params.string('PerformanceInsightsKMSKeyId');
  if (!enabled && (retention !== undefined || kmsKey !== undefined)) {
    throw invalidCombination(
      'To set PerformanceInsightsRetentionPeriod or PerformanceInsightsKMSKeyId, EnablePerformanceInsights must be true.',
    );
  }
  if (
    kmsKey !== undefined &&
    current.performanceInsightsEnabled &&
    current.performanceInsightsKmsKeyId &&
    kmsKey !== current.performanceInsightsKmsKeyId
  ) {
    throw invalidCombination('You cannot change the KMS key of Performance Insights once it has been enabled.');
  }
  const enable = params.list('EnableLogTypes') ?? params.list('CloudwatchLogsExportConfiguration.EnableLogTypes') ?? [];
  const disable = params.list('CloudwatchLogsExportConfiguration.DisableLogTypes') ?? [];
  checkLogTypes(engine, version, [...enable, ...disable]);
  const both = enable.filter((t) => disable.includes(t));
  if (both.length > 0) throw invalidCombination(`The log types '${both.join("', '")}' cannot be both enabled and disabled.`);
  const logs = [...new Set([...current.enabledCloudwatchLogsExports.filter((t) => !disable.includes(t)), ...enable])];
  const ca = params.string('CACertificateIdentifier') ?? current.caCertificateIdentifier;
  if (!CERTIFICATE_AUTHORITIES[ca]) throw certificateNotFound(ca);
  const interval = params.integer('MonitoringInterval') ?? current.monitoringInterval;
  const roleArn = params.string('MonitoringRoleArn') ?? current.monitoringRoleArn;
  const next: InstanceFeatures = {
    performanceInsightsEnabled: enabled,
    ...(enabled ? { performanceInsightsRetentionPeriod: retention ?? current.performanceInsightsRetentionPeriod ?? 7 } : {}),
    ...(enabled
      ? { performanceInsightsKmsKeyId: kmsKey ?? current.performanceInsightsKmsKeyId ?? 'arn:aws:kms:us-east-1:000000000000:alias/aws/rds' }
      : {}),
    monitoringInterval: interval,
    // Monitoring turned off forgets its role, as RDS does.
    ...(interval > 0 && roleArn ? { monitoringRoleArn: roleArn } : {}),
    enabledCloudwatchLogsExports: logs,
    iamDatabaseAuthenticationEnabled: params.boolean('EnableIAMDatabaseAuthentication') ?? current.iamDatabaseAuthenticationEnabled,
    caCertificateIdentifier: ca,
  };
  if (interval === 0 && params.string('MonitoringRoleArn')) {
    throw invalidCombination('If MonitoringRoleArn is specified, MonitoringInterval must be set to a value other than 0.');
  }
  checkCombination(next);
  return next;
}

const el = (name: string, value: string | number | boolean | undefined) => (value === undefined ? '' : `<${name}>${value}</${name}>`);

/** The DescribeDBInstances fields, as RDS renders them (CertificateDetails is rendered beside the endpoint's certificate). */
export function renderFeatures(features: InstanceFeatures | undefined): string {
  const f = features ?? DEFAULT_FEATURES;
  return (
    el('CACertificateIdentifier', f.caCertificateIdentifier) +
    el('MonitoringInterval', f.monitoringInterval) +
    el('MonitoringRoleArn', f.monitoringRoleArn) +
    (f.monitoringInterval > 0 ? el('EnhancedMonitoringResourceArn', 'arn:aws:logs:us-east-1:000000000000:log-group:RDSOSMetrics') : '') +
    el('IAMDatabaseAuthenticationEnabled', f.iamDatabaseAuthenticationEnabled) +
    el('PerformanceInsightsEnabled', f.performanceInsightsEnabled) +
    el('PerformanceInsightsKMSKeyId', f.performanceInsightsKmsKeyId) +
    el('PerformanceInsightsRetentionPeriod', f.performanceInsightsRetentionPeriod) +
    `<EnabledCloudwatchLogsExports>${f.enabledCloudwatchLogsExports.map((t) => `<member>${t}</member>`).join('')}</EnabledCloudwatchLogsExports>`
  );
}
