import { RdsError } from '../aws/errors.js';
import type { RdsGateway } from '../aws/gateway.js';

/**
 * Local mode's plans use their own parameter groups, as production plans usually do: switching a
 * restored instance to its plan's group is what makes RDS ask for the reboot step, so local mode
 * exercises every step a real restore takes.
 */
export const LOCAL_PARAMETER_GROUPS = [
  { name: 'rds-broker-local-postgres17', family: 'postgres17' },
  { name: 'rds-broker-local-postgres16', family: 'postgres16' },
  { name: 'rds-broker-local-mysql80', family: 'mysql8.0' },
] as const;

/** Creates the groups through the AWS gateway (the only door to the SDK); ones that exist are kept. */
export async function ensureLocalParameterGroups(rds: Pick<RdsGateway, 'createParameterGroup'>): Promise<void> {
  for (const group of LOCAL_PARAMETER_GROUPS) {
    try {
      await rds.createParameterGroup(group.name, group.family, 'rds-broker local mode plans', {});
    } catch (error) {
      if (!(error instanceof RdsError && error.kind === 'already-exists')) throw error;
    }
  }
}
