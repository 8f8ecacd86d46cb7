import { CreateDBParameterGroupCommand, type RDSClient } from '@aws-sdk/client-rds';

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

export async function ensureLocalParameterGroups(client: RDSClient): Promise<void> {
  for (const group of LOCAL_PARAMETER_GROUPS) {
    try {
      await client.send(
        new CreateDBParameterGroupCommand({
          DBParameterGroupName: group.name,
          DBParameterGroupFamily: group.family,
          Description: 'rds-broker local mode plans',
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'DBParameterGroupAlreadyExistsFault') throw error;
    }
  }
}
