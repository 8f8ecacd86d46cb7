/**
 * Monitoring, logging, authentication and certificate settings a plan may manage: Performance
 * Insights, Enhanced Monitoring, CloudWatch Logs exports, IAM database authentication and the
 * certificate authority. What the plan leaves unset the broker does not manage (RDS's default, or
 * what an operator set, stays). Pure: the diff is part of settingsDiff.
 */

/** As DescribeDBInstances shows them. */
export interface ObservedFeatures {
  performanceInsightsEnabled: boolean;
  performanceInsightsRetentionPeriod?: number;
  monitoringInterval: number;
  monitoringRoleArn?: string;
  cloudwatchLogsExports: string[];
  iamDatabaseAuthenticationEnabled: boolean;
  caCertificateIdentifier?: string;
}

/** As the plan asks for them; each field undefined: not managed. */
export interface DesiredFeatures {
  performanceInsightsEnabled?: boolean;
  performanceInsightsRetentionPeriod?: number;
  /** Used when Performance Insights is turned on; RDS cannot change it afterwards, so never compared. */
  performanceInsightsKmsKeyId?: string;
  monitoringInterval?: number;
  monitoringRoleArn?: string;
  cloudwatchLogsExports?: string[];
  iamDatabaseAuthenticationEnabled?: boolean;
  caCertificateIdentifier?: string;
}

/** The ModifyDBInstance (and CreateDBInstance) fields these settings travel in. */
export interface FeaturesChange {
  EnablePerformanceInsights?: boolean;
  PerformanceInsightsRetentionPeriod?: number;
  PerformanceInsightsKMSKeyId?: string;
  MonitoringInterval?: number;
  MonitoringRoleArn?: string;
  CloudwatchLogsExportConfiguration?: { EnableLogTypes?: string[]; DisableLogTypes?: string[] };
  EnableIAMDatabaseAuthentication?: boolean;
  CACertificateIdentifier?: string;
}

export function featuresDiff(observed: ObservedFeatures | undefined, desired: DesiredFeatures | undefined): FeaturesChange {
  const change: FeaturesChange = {};
  if (!desired || !observed) return change;
  const piWanted = desired.performanceInsightsEnabled;
  if (piWanted !== undefined && piWanted !== observed.performanceInsightsEnabled) {
    change.EnablePerformanceInsights = piWanted;
    if (piWanted && desired.performanceInsightsKmsKeyId) change.PerformanceInsightsKMSKeyId = desired.performanceInsightsKmsKeyId;
  }
  const piOn = piWanted ?? observed.performanceInsightsEnabled;
  if (
    piOn &&
    desired.performanceInsightsRetentionPeriod !== undefined &&
    desired.performanceInsightsRetentionPeriod !== observed.performanceInsightsRetentionPeriod
  ) {
    change.PerformanceInsightsRetentionPeriod = desired.performanceInsightsRetentionPeriod;
    if (change.EnablePerformanceInsights === undefined) change.EnablePerformanceInsights = true;
  }
  if (desired.monitoringInterval !== undefined) {
    const roleDiffers =
      desired.monitoringInterval > 0 && desired.monitoringRoleArn !== undefined && desired.monitoringRoleArn !== observed.monitoringRoleArn;
    if (desired.monitoringInterval !== observed.monitoringInterval || roleDiffers) {
      change.MonitoringInterval = desired.monitoringInterval;
      // RDS needs the role with every interval above 0, and refuses one with 0.
      if (desired.monitoringInterval > 0 && desired.monitoringRoleArn) change.MonitoringRoleArn = desired.monitoringRoleArn;
    }
  }
  if (desired.cloudwatchLogsExports) {
    const enable = desired.cloudwatchLogsExports.filter((t) => !observed.cloudwatchLogsExports.includes(t));
    const disable = observed.cloudwatchLogsExports.filter((t) => !desired.cloudwatchLogsExports!.includes(t));
    if (enable.length > 0 || disable.length > 0) {
      change.CloudwatchLogsExportConfiguration = {
        ...(enable.length > 0 ? { EnableLogTypes: enable } : {}),
        ...(disable.length > 0 ? { DisableLogTypes: disable } : {}),
      };
    }
  }
  if (
    desired.iamDatabaseAuthenticationEnabled !== undefined &&
    desired.iamDatabaseAuthenticationEnabled !== observed.iamDatabaseAuthenticationEnabled
  ) {
    change.EnableIAMDatabaseAuthentication = desired.iamDatabaseAuthenticationEnabled;
  }
  if (desired.caCertificateIdentifier !== undefined && desired.caCertificateIdentifier !== observed.caCertificateIdentifier) {
    change.CACertificateIdentifier = desired.caCertificateIdentifier;
  }
  return change;
}

/** CreateDBInstance fields for a new instance (the log exports travel as EnableCloudwatchLogsExports there). */
export function featuresForCreate(desired: DesiredFeatures): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (desired.performanceInsightsEnabled !== undefined) fields.EnablePerformanceInsights = desired.performanceInsightsEnabled;
  if (desired.performanceInsightsEnabled) {
    if (desired.performanceInsightsRetentionPeriod !== undefined)
      fields.PerformanceInsightsRetentionPeriod = desired.performanceInsightsRetentionPeriod;
    if (desired.performanceInsightsKmsKeyId) fields.PerformanceInsightsKMSKeyId = desired.performanceInsightsKmsKeyId;
  }
  if (desired.monitoringInterval !== undefined) fields.MonitoringInterval = desired.monitoringInterval;
  if (desired.monitoringInterval && desired.monitoringRoleArn) fields.MonitoringRoleArn = desired.monitoringRoleArn;
  if (desired.cloudwatchLogsExports?.length) fields.EnableCloudwatchLogsExports = [...desired.cloudwatchLogsExports];
  if (desired.iamDatabaseAuthenticationEnabled !== undefined)
    fields.EnableIAMDatabaseAuthentication = desired.iamDatabaseAuthenticationEnabled;
  if (desired.caCertificateIdentifier) fields.CACertificateIdentifier = desired.caCertificateIdentifier;
  return fields;
}
