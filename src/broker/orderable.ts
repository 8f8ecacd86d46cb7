import { RdsError } from '../aws/errors.js';
import type { SettingsChange } from '../reconcile/settings.js';
import { BrokerError } from './contract.js';
import type { BrokerDeps } from './deps.js';

/**
 * A plan change to an instance class RDS does not sell for the engine version the instance will
 * run is refused before anything changes, in words a platform user can act on; RDS's own answer
 * (InvalidParameterCombination) would say the same later, after the plan tag was written. When
 * RDS cannot tell now (throttled, not allowed to ask), RDS's own refusal remains the guard.
 */
export async function checkOrderableClass(
  deps: BrokerDeps,
  observed: { engine: string; engineVersion: string; instanceClass: string },
  change: SettingsChange,
  planName: string,
): Promise<void> {
  if (!change.DBInstanceClass && !change.EngineVersion) return;
  const instanceClass = change.DBInstanceClass ?? observed.instanceClass;
  const engineVersion = change.EngineVersion ?? observed.engineVersion;
  let offered: boolean;
  try {
    offered = (await deps.rds.describeOrderableOptions(observed.engine, engineVersion, instanceClass)).length > 0;
  } catch (error) {
    if (error instanceof RdsError) return;
    throw error;
  }
  if (!offered) {
    throw new BrokerError(
      422,
      `plan ${planName} asks for instance class ${instanceClass}, which RDS does not offer for ${observed.engine} ${engineVersion}: ` +
        'choose another plan, or ask an operator to correct this one (rds-broker check shows such plans)',
    );
  }
}
