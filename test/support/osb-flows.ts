import { readFileSync } from 'node:fs';
import pg from 'pg';
import { CreateDBSnapshotCommand, DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, type Stack } from './stack.js';

/** Short OSB journeys that several integration suites share. */

export const cfContext = (space = 'space-1', org = 'org-1') => ({ platform: 'cloudfoundry', organization_guid: org, space_guid: space });

export async function provisionAndWait(
  stack: Stack,
  instanceId: string,
  body: Record<string, unknown> = {},
): Promise<{ state: string; descriptions: string[]; description: string }> {
  const response = await stack.server.client.put(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
    service_id: LOCAL_SERVICE_ID,
    plan_id: LOCAL_PLANS.small,
    context: cfContext(),
    ...body,
  });
  if (response.status !== 202) throw new Error(`provision answered ${response.status}: ${response.text}`);
  return pollUntilDone(stack, instanceId, response.json.operation);
}

export async function bindUri(
  stack: Stack,
  instanceId: string,
  bindingId: string,
  parameters: Record<string, unknown> = {},
): Promise<string> {
  const response = await stack.server.client.put(`/v2/service_instances/${instanceId}/service_bindings/${bindingId}`, {
    service_id: LOCAL_SERVICE_ID,
    plan_id: LOCAL_PLANS.small,
    parameters,
  });
  if (response.status !== 201 && response.status !== 200) throw new Error(`bind answered ${response.status}: ${response.text}`);
  return response.json.credentials.uri as string;
}

export function caOf(stack: Stack): string {
  return readFileSync(stack.emulator.caFile, 'utf8');
}

/** Connects with exactly a binding's uri, trusting the emulator's authority. */
export async function connectUri(uri: string, ca: string): Promise<pg.Client> {
  const url = new URL(uri);
  url.searchParams.delete('sslmode');
  const client = new pg.Client({ connectionString: url.toString(), ssl: { ca, rejectUnauthorized: true } });
  await client.connect();
  return client;
}

export async function query(uri: string, ca: string, sql: string): Promise<any[]> {
  const client = await connectUri(uri, ca);
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

export async function loginRefused(uri: string, ca: string): Promise<boolean> {
  try {
    const client = await connectUri(uri, ca);
    await client.end();
    return false;
  } catch (error) {
    return /password authentication failed|does not exist/.test((error as Error).message);
  }
}

/** A manual snapshot through the SDK, as an operator would take it; waits until available. */
export async function takeSnapshot(stack: Stack, instanceId: string, snapshotId: string): Promise<void> {
  const rds = stack.rds;
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: `local-${instanceId}`, DBSnapshotIdentifier: snapshotId }));
  for (let i = 0; i < 600; i++) {
    const described = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
    if (described.DBSnapshots?.[0]?.Status === 'available') {
      // The instance goes back to available after the snapshot; wait for it too.
      const instance = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${instanceId}` }));
      if (instance.DBInstances?.[0]?.DBInstanceStatus === 'available') return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`snapshot ${snapshotId} did not become available`);
}

export async function rdsTags(stack: Stack, instanceId: string): Promise<Record<string, string>> {
  const described = await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${instanceId}` }));
  return Object.fromEntries((described.DBInstances?.[0]?.TagList ?? []).map((t) => [t.Key!, t.Value ?? '']));
}

export async function instanceExists(stack: Stack, instanceId: string): Promise<boolean> {
  try {
    await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${instanceId}` }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'DBInstanceNotFoundFault') return false;
    throw error;
  }
}

/** PUT a new instance of the small plan that restores from `parameters` (restore_from_…); answers as sent. */
export function requestRestore(
  stack: Stack,
  instanceId: string,
  parameters: Record<string, unknown>,
  context: Record<string, unknown> = cfContext(),
  planId: string = LOCAL_PLANS.small,
) {
  return stack.server.client.put(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
    service_id: LOCAL_SERVICE_ID,
    plan_id: planId,
    context,
    parameters,
  });
}
