import { expect } from 'chai';
import { DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { emulatorAdmin, type Stack } from './stack.js';

/** Helpers the read replica journeys (PostgreSQL and MySQL) share. */

export const describeOne = async (stack: Stack, identifier: string): Promise<DBInstance> =>
  (await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances![0]!;

export const tagsOf = (instance: DBInstance): Record<string, string> =>
  Object.fromEntries((instance.TagList ?? []).map((t) => [t.Key!, t.Value ?? '']));

const describeCalls = async (stack: Stack) => ((await emulatorAdmin(stack, 'GET', 'stats')).calls.DescribeDBInstances ?? 0) as number;

/** Polls last_operation until it leaves "in progress", counting the DescribeDBInstances each poll makes. */
export async function pollCounting(stack: Stack, instanceId: string, operation: string) {
  const reads: number[] = [];
  const descriptions: string[] = [];
  for (let i = 0; i < 1500; i++) {
    const before = await describeCalls(stack);
    const response = await stack.server.client.get(`/v2/service_instances/${instanceId}/last_operation?operation=${operation}`);
    reads.push((await describeCalls(stack)) - before);
    if (response.status === 410) return { state: 'gone', reads, descriptions };
    expect(response.status, response.text).to.equal(200);
    const body = response.json as { state: string; description: string };
    if (descriptions.at(-1) !== body.description) descriptions.push(body.description);
    if (body.state !== 'in progress') return { state: body.state, description: body.description, reads, descriptions };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${operation} of ${instanceId} did not finish`);
}

/** Retries `check` until it holds (replication lags by design), at most `attempts` times, 100 ms apart. */
export async function eventually<T>(check: () => Promise<T>, holds: (value: T) => boolean, attempts = 200): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await check().catch((error: unknown) => error as T);
    if (holds(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`did not hold after ${attempts} attempts; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
}

/** The actions the broker logged as performed, as `<instance ID> <step> <action>`. */
export function performedActions(stack: Stack): string[] {
  return stack.brokerLog
    .lines()
    .filter((line) => line.msg === 'reconcile action performed')
    .map((line) => `${line.instanceId} ${line.step} ${line.action}`);
}
