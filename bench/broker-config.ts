import { buildConfig } from '../src/config/load.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID, localConfigDocument } from '../src/local/config.js';
import type { PlanIds } from './seed.js';

/**
 * The configuration the benchmarked broker runs with: local mode's (the emulator, its catalog),
 * with production's logging level, housekeeping off unless a scenario runs it (its background reads
 * would be counted as the polls' RDS calls) and the coalescing mode under test.
 */
export interface BenchBrokerSettings {
  emulatorUrl: string;
  caFile?: string;
  username: string;
  password: string;
  derivationSecret: string;
  coalescing: boolean;
  /** Undefined: the configuration's default window. */
  windowMs?: number;
  /** The `housekeeping` section; undefined: off (mode never). */
  housekeeping?: Record<string, unknown>;
  /** The `aws.budget` section; undefined: the configuration's default budget. */
  budget?: Record<string, unknown>;
}

export const benchPlans: PlanIds = { serviceId: LOCAL_SERVICE_ID, smallPlanId: LOCAL_PLANS.small, largerPlanId: LOCAL_PLANS.medium };

export function benchConfigDocument(settings: BenchBrokerSettings): Record<string, any> {
  const document: Record<string, any> = localConfigDocument({
    port: 0,
    emulatorUrl: settings.emulatorUrl,
    caFile: settings.caFile ?? '',
    username: settings.username,
    password: settings.password,
    derivationSecret: settings.derivationSecret,
    logLevel: 'info',
  });
  // Without databases there may be no authority to trust; nothing connects to a database here.
  if (!settings.caFile) delete document.database.tls.caBundleFile;
  document.housekeeping = settings.housekeeping ?? { mode: 'never' };
  if (settings.budget) document.aws.budget = settings.budget;
  document.aws.coalesce = { enabled: settings.coalescing, ...(settings.windowMs !== undefined ? { windowMs: settings.windowMs } : {}) };
  return document;
}

/** The coalescing settings the broker will really use (defaults filled in by the schema). */
export function effectiveCoalescing(document: Record<string, unknown>): { enabled: boolean; windowMs: number; maxIdentifiers: number } {
  return buildConfig(document, {}).aws.coalesce;
}

/**
 * Housekeeping as a scenario runs it: on in this process (mode always, no election), resync and the
 * credential check once per `everySeconds` (production: resync every minute, the check every 30),
 * the snapshot clean-up on its daily default; jitter at most half the period.
 */
export function housekeepingEvery(everySeconds: number): Record<string, unknown> {
  const seconds = Math.max(1, Math.round(everySeconds));
  const schedule = seconds >= 60 ? `*/${Math.max(1, Math.round(seconds / 60))} * * * *` : `*/${seconds} * * * * *`;
  return { mode: 'always', resync: schedule, credentialCheck: schedule, jitterSeconds: Math.min(30, Math.floor(seconds / 2)) };
}
