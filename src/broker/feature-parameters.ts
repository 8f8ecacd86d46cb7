import type { ObservedFeatures } from '../reconcile/features.js';
import type { ObservedInstance } from '../reconcile/observed.js';

/** GET instance's view of the storage, as RDS shows it now (gp3's baseline IOPS and throughput included). */
export function storageParameters(observed: ObservedInstance): Record<string, unknown> {
  return {
    allocated_storage: observed.allocatedStorage,
    ...(observed.maxAllocatedStorage !== undefined ? { max_allocated_storage: observed.maxAllocatedStorage } : {}),
    ...(observed.storageType ? { storage_type: observed.storageType } : {}),
    ...(observed.iops !== undefined ? { iops: observed.iops } : {}),
    ...(observed.storageThroughput !== undefined ? { storage_throughput: observed.storageThroughput } : {}),
  };
}

/** GET instance's view of the monitoring, logging, authentication and CA settings, as RDS shows them now. */
export function featureParameters(features: ObservedFeatures | undefined): Record<string, unknown> {
  if (!features) return {};
  return {
    performance_insights_enabled: features.performanceInsightsEnabled,
    ...(features.performanceInsightsEnabled && features.performanceInsightsRetentionPeriod !== undefined
      ? { performance_insights_retention_period: features.performanceInsightsRetentionPeriod }
      : {}),
    monitoring_interval: features.monitoringInterval,
    enabled_cloudwatch_logs_exports: [...features.cloudwatchLogsExports],
    iam_database_authentication_enabled: features.iamDatabaseAuthenticationEnabled,
    ...(features.caCertificateIdentifier ? { ca_certificate_identifier: features.caCertificateIdentifier } : {}),
  };
}
