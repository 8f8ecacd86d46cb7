import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand, type RDSClient } from '@aws-sdk/client-rds';
import { bindingUsername, type DerivationSecret } from '../../../src/naming/derive.js';
import { Step } from '../../../src/reconcile/tags.js';
import { asMaster, bindingRoles, listInstances } from './database.js';
import type { Platform } from './platform.js';

/**
 * Platform journeys shared by the crash and replica suites, and the end-state checks both make: RDS
 * holds exactly the flows' instances, none with a pending step, and each database holds exactly the
 * binding roles the platform believes are live.
 */

export interface Flow {
  id: string;
  kind: 'provision' | 'restore';
  /** Bindings made and (some) removed once the instance is ready, while the chaos goes on. */
  bindings: { create: string[]; remove: string[] };
  states: string[];
  outcome?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runFlow(platform: Platform, flow: Flow, sourceId: string): Promise<void> {
  const parameters = flow.kind === 'restore' ? { restore_from_latest_snapshot_of: sourceId } : {};
  const operation = await platform.provision(flow.id, platform.provisionBody(parameters));
  const done = await platform.pollUntilDone(flow.id, operation, { intervalMs: 250, limit: 4000 });
  flow.states.push(...done.states);
  flow.outcome = done.state;
  if (done.state !== 'succeeded') return;
  for (const bindingId of flow.bindings.create) await platform.bind(flow.id, bindingId);
  for (const bindingId of flow.bindings.remove) await platform.unbind(flow.id, bindingId);
}

/** A source instance with one row and one binding, and a snapshot of it to restore from. */
export async function prepareSource(platform: Platform, rds: RDSClient, sourceId: string, ca: string): Promise<void> {
  const operation = await platform.provision(sourceId, platform.provisionBody());
  expect((await platform.pollUntilDone(sourceId, operation)).state).to.equal('succeeded');
  const credentials = await platform.bind(sourceId, 'source-binding');
  const pg = (await import('pg')).default;
  const url = new URL(credentials.uri);
  url.searchParams.delete('sslmode');
  const client = new pg.Client({ connectionString: url.toString(), ssl: { ca, rejectUnauthorized: true } });
  await client.connect();
  try {
    await client.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");
  } finally {
    await client.end();
  }
  const snapshotId = `snap-${sourceId.slice(0, 8)}`;
  await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: `local-${sourceId}`, DBSnapshotIdentifier: snapshotId }));
  for (let i = 0; i < 1200; i++) {
    const described = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
    if (described.DBSnapshots?.[0]?.Status === 'available') return;
    await sleep(100);
  }
  throw new Error('the source snapshot never became available');
}

export interface EndState {
  instances: number;
  bindingRolesChecked: number;
}

/**
 * RDS shows exactly the expected instances, all available with no pending step; each database has
 * exactly the expected binding roles; every restored copy holds the source's row.
 */
export async function checkEndState(
  rds: RDSClient,
  caFile: string,
  secret: DerivationSecret,
  expected: Map<string, { roles: string[]; restored: boolean }>,
): Promise<EndState> {
  const ca = readFileSync(caFile, 'utf8');
  const instances = await listInstances(rds);
  expect(instances.map((i) => i.identifier).sort(), 'RDS holds exactly the flows’ instances: no orphan, no duplicate').to.deep.equal(
    [...expected.keys()].map((id) => `local-${id}`).sort(),
  );
  let bindingRolesChecked = 0;
  for (const instance of instances) {
    const instanceId = instance.tags['Instance ID']!;
    const want = expected.get(instanceId)!;
    expect(instance.status, instanceId).to.equal('available');
    for (const step of Object.values(Step)) expect(instance.tags, `${instanceId} ${step}`).to.not.have.property(step);
    await asMaster(instance, instanceId, secret, ca, async (client) => {
      const roles = (await bindingRoles(client)).sort();
      expect(roles, `binding roles on ${instanceId}`).to.deep.equal(want.roles.map(bindingUsername).sort());
      bindingRolesChecked += roles.length;
      if (want.restored)
        expect(
          (await client.query('SELECT v FROM t')).rows.map((r) => r.v),
          `rows restored into ${instanceId}`,
        ).to.deep.equal(['kept']);
    });
  }
  return { instances: instances.length, bindingRolesChecked };
}
