import { RdsError } from '../aws/errors.js';
import type { SettingsChange } from '../reconcile/settings.js';
import { BrokerError } from './contract.js';
import type { BrokerDeps } from './deps.js';

/**
 * A plan change to an instance class RDS does not sell for the engine version the instance will
 * run, or to a storage type the class does not come with, is refused before anything changes, in words a platform user can act on; RDS's own answer
 * (InvalidParameterCombination) would say the same later, after the plan tag was written. When
 * RDS cannot tell now (throttled, not allowed to ask), RDS's own refusal remains the guard.
 */
export async function checkOrderableClass(
  deps: BrokerDeps,
  observed: { engine: string; engineVersion: string; instanceClass: string; storageType?: string },
  change: SettingsChange,
  planName: string,
): Promise<void> {
  if (!change.DBInstanceClass && !change.EngineVersion && !change.StorageType) return;
  const instanceClass = change.DBInstanceClass ?? observed.instanceClass;
  const engineVersion = change.EngineVersion ?? observed.engineVersion;
  const storageType = change.StorageType ?? observed.storageType;
  let options: Array<{ StorageType?: string }>;
  try {
    options = await deps.rds.describeOrderableOptions(observed.engine, engineVersion, instanceClass);
  } catch (error) {
    if (error instanceof RdsError) return;
    throw error;
  }
  const advice = 'choose another plan, or ask an operator to correct this one (rds-broker check shows such plans)';
  if (options.length === 0) {
    throw new BrokerError(
      422,
      `plan ${planName} asks for instance class ${instanceClass}, which RDS does not offer for ${observed.engine} ${engineVersion}: ${advice}`,
    );
  }
  if (storageType && !options.some((option) => option.StorageType === storageType)) {
    throw new BrokerError(
      422,
      `plan ${planName} asks for ${storageType} storage, which RDS does not offer with instance class ${instanceClass}: ${advice}`,
    );
  }
}
