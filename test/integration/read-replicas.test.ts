import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { startStack, type Stack } from '../support/stack.js';
import {
  describeOne as describeOne_,
  eventually,
  performedActions,
  pollCounting as pollCounting_,
  tagsOf,
} from '../support/replica-flows.js';
import { caOf, cfContext, connectUri, instanceExists, loginRefused, query, requestRestore, takeSnapshot } from '../support/osb-flows.js';

/**
 * Read replicas over OSB against the emulator's real PostgreSQL: the primary is created, then each
 * replica as a pending step (CreateDBInstanceReadReplica), every poll one DescribeDBInstances for
 * the primary and its replicas together; deprovision removes the replicas first, then the primary
 * with its final snapshot.
 */
describe('read replicas over OSB (PostgreSQL, real streaming replication)', function () {
  this.timeout(300_000);
  let stack: Stack;
  const id = randomUUID();
  const primaryId = `local-${id}`;
  const replicaIds = [`${primaryId}-r1`, `${primaryId}-r2`];

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
  });
  after(async () => {
    await stack?.stop();
  });

  const provisionBody = (parameters: Record<string, unknown>, planId: string = LOCAL_PLANS.replicated) => ({
    service_id: LOCAL_SERVICE_ID,
    plan_id: planId,
    context: cfContext(),
    parameters,
  });
  const describeOne = (identifier: string) => describeOne_(stack, identifier);
  const pollCounting = (instanceId: string, operation: string) => pollCounting_(stack, instanceId, operation);

  it('refuses read_replicas on a plan without replicas, above the plan’s maximum, and without backups, saying why', async () => {
    const refused = async (body: Record<string, unknown>) => {
      const response = await stack.server.client.put(`/v2/service_instances/${randomUUID()}?accepts_incomplete=true`, body);
      expect(response.status, response.text).to.equal(400);
      return response.json.description as string;
    };
    expect(await refused(provisionBody({ read_replicas: 1 }, LOCAL_PLANS.small))).to.match(
      /parameter "read_replicas" is not accepted on provision by this plan: it allows no read replicas/,
    );
    expect(await refused(provisionBody({ read_replicas: 4 }))).to.match(/read_replicas must be at most 3/);
    expect(await refused(provisionBody({ read_replicas: 1, backup_retention_period: 0 }))).to.match(
      /read_replicas needs automated backups/,
    );
  });

  it('provision with read_replicas: 2 makes the primary, then both replicas, one DescribeDBInstances per poll', async () => {
    const response = await stack.server.client.put(
      `/v2/service_instances/${id}?accepts_incomplete=true`,
      provisionBody({ read_replicas: 2 }),
    );
    expect(response.status, response.text).to.equal(202);
    const done = await pollCounting(id, 'provision');
    expect(done.state, done.description).to.equal('succeeded');
    expect(done.descriptions.join('\n')).to.match(/creating read replica .*-r1/);
    expect(done.descriptions.join('\n')).to.match(/creating read replica .*-r2/);
    // The primary and its replicas in one read, every poll.
    expect([...new Set(done.reads)]).to.deep.equal([1]);

    const primary = await describeOne(primaryId);
    expect([...(primary.ReadReplicaDBInstanceIdentifiers ?? [])].sort()).to.deep.equal(replicaIds);
    const primaryTags = tagsOf(primary);
    expect(primaryTags['Read Replicas']).to.equal('2');
    expect(primaryTags.PendingReadReplicas).to.equal(undefined);
    for (const replicaId of replicaIds) {
      const replica = await describeOne(replicaId);
      expect(replica.ReadReplicaSourceDBInstanceIdentifier).to.equal(primaryId);
      expect(replica.DBInstanceStatus).to.equal('available');
      expect(replica.StatusInfos?.find((s) => s.StatusType === 'read replication')?.Status).to.equal('replicating');
      expect(replica.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId)).to.deep.equal(
        primary.VpcSecurityGroups?.map((g) => g.VpcSecurityGroupId),
      );
      const tags = tagsOf(replica);
      expect(tags['Replica Of']).to.equal(primaryId);
      expect(tags['Broker Name']).to.equal(primaryTags['Broker Name']);
      expect(tags['Organization ID']).to.equal('org-1');
      expect(tags['Instance ID'], 'a replica is not a service instance').to.equal(undefined);
    }
    // Idle again: a poll reads the primary alone.
    const after = await pollCounting(id, 'provision');
    expect(after.reads).to.deep.equal([1]);
  });

  const bind = async (bindingId: string, parameters: Record<string, unknown> = {}) => {
    const response = await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/${bindingId}`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.replicated,
      parameters,
    });
    expect(response.status, response.text).to.be.oneOf([200, 201]);
    return response.json.credentials as Record<string, any>;
  };
  let credentials: Record<string, any>;

  it('bind hands out the replicas beside the primary: replica_uris, replica_uri, replica_jdbcUrls, with the same TLS settings', async () => {
    credentials = await bind('app');
    const primary = await describeOne(primaryId);
    expect(new URL(credentials.uri).hostname).to.equal(primary.Endpoint!.Address);
    expect(new URL(credentials.uri).port).to.equal(String(primary.Endpoint!.Port));
    const replicas = await Promise.all(replicaIds.map(describeOne));
    expect(credentials.replica_uris.map((uri: string) => new URL(uri).port)).to.deep.equal(replicas.map((r) => String(r.Endpoint!.Port)));
    expect(credentials.replica_uri).to.equal(credentials.replica_uris[0]);
    expect(credentials.replica_jdbcUrls).to.have.length(2);
    for (const uri of credentials.replica_uris) {
      expect(new URL(uri).searchParams.get('sslmode')).to.equal('verify-full');
      expect(new URL(uri).username).to.equal(new URL(credentials.uri).username);
    }
    for (const jdbc of credentials.replica_jdbcUrls) expect(jdbc).to.match(/^jdbc:postgresql:\/\/.*&ssl=true&sslmode=verify-full$/);
    // A repeated bind and GET binding give the same.
    expect((await bind('app')).replica_uris).to.deep.equal(credentials.replica_uris);
    const fetched = await stack.server.client.get(`/v2/service_instances/${id}/service_bindings/app`);
    expect(fetched.json.credentials.replica_uris).to.deep.equal(credentials.replica_uris);
  });

  it('a row written on uri is readable on both replica_uris; a write on a replica is refused by PostgreSQL', async () => {
    const ca = caOf(stack);
    await query(credentials.uri, ca, 'CREATE TABLE notes (v text)');
    await query(credentials.uri, ca, "INSERT INTO notes VALUES ('from the primary')");
    for (const uri of credentials.replica_uris) {
      const rows = await eventually(
        () => query(uri, ca, 'SELECT v FROM notes'),
        (r) => Array.isArray(r) && r.length === 1,
      );
      expect(rows).to.deep.equal([{ v: 'from the primary' }]);
      const client = await connectUri(uri, ca);
      try {
        const refused = await client.query("INSERT INTO notes VALUES ('on a replica')").then(
          () => undefined,
          (error: Error & { code?: string }) => error,
        );
        expect(refused?.message).to.match(/cannot execute INSERT in a read-only transaction/);
        expect(refused?.code).to.equal('25006');
      } finally {
        await client.end();
      }
    }
  });

  it('a read_only binding keeps uri on the primary and offers the replicas too', async () => {
    const reader = await bind('reader', { read_only: true });
    expect(new URL(reader.uri).port).to.equal(new URL(credentials.uri).port);
    expect(reader.replica_uris.map((u: string) => new URL(u).port)).to.deep.equal(
      credentials.replica_uris.map((u: string) => new URL(u).port),
    );
    const ca = caOf(stack);
    const rows = await eventually(
      () => query(reader.replica_uri, ca, 'SELECT count(*)::int AS n FROM notes'),
      (r) => Array.isArray(r) && r[0]?.n === 1,
    );
    expect(rows).to.deep.equal([{ n: 1 }]);
  });

  it('update to read_replicas: 1 removes the second replica as a step; bindings then offer one', async () => {
    const response = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      parameters: { read_replicas: 1 },
    });
    expect(response.status, response.text).to.equal(202);
    const done = await pollCounting(id, 'update');
    expect(done.state, done.description).to.equal('succeeded');
    expect(performedActions(stack).filter((a) => a.endsWith('PendingReadReplicas delete-replica'))).to.deep.equal([
      `${id} PendingReadReplicas delete-replica`,
    ]);
    expect(await instanceExists(stack, `${id}-r2`)).to.equal(false);
    const primary = await describeOne(primaryId);
    expect(primary.ReadReplicaDBInstanceIdentifiers).to.deep.equal([replicaIds[0]]);
    expect(tagsOf(primary)['Read Replicas']).to.equal('1');
    const again = await bind('app');
    expect(again.replica_uris).to.deep.equal([credentials.replica_uris[0]]);
  });

  it('a plan change to a plan without replicas is refused while the instance has some, saying what to do', async () => {
    const response = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
    });
    expect(response.status, response.text).to.equal(400);
    expect(response.json.description).to.match(
      /plan small allows no read replicas and the instance has 1: update it with read_replicas 0 first/,
    );
  });

  const restored = randomUUID();
  it('a restore from the instance’s latest snapshot gets its own replica after the post-restore steps, not the source’s', async () => {
    await takeSnapshot(stack, id, `replicas-${id.slice(0, 8)}`);
    const response = await requestRestore(stack, restored, { restore_from_latest_snapshot_of: id }, cfContext(), LOCAL_PLANS.replicated);
    expect(response.status, response.text).to.equal(202);
    const done = await pollCounting(restored, 'restore');
    expect(done.state, done.description).to.equal('succeeded');
    const descriptions = done.descriptions.join('\n');
    expect(descriptions.indexOf('creating read replica')).to.be.greaterThan(
      descriptions.indexOf("removing the source database's credentials"),
    );
    const copy = await describeOne(`local-${restored}`);
    expect(copy.ReadReplicaDBInstanceIdentifiers).to.deep.equal([`local-${restored}-r1`]);
    const replica = await describeOne(`local-${restored}-r1`);
    expect(tagsOf(replica)['Replica Of']).to.equal(`local-${restored}`);
    expect((await describeOne(primaryId)).ReadReplicaDBInstanceIdentifiers).to.deep.equal([replicaIds[0]]);
    // The restored data reaches the restored instance's own replica.
    const response2 = await stack.server.client.put(`/v2/service_instances/${restored}/service_bindings/copy`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.replicated,
    });
    expect(response2.status, response2.text).to.equal(201);
    const copyCredentials = response2.json.credentials;
    expect(copyCredentials.replica_uris).to.have.length(1);
    const rows = await eventually(
      () => query(copyCredentials.replica_uri, caOf(stack), 'SELECT v FROM notes'),
      (r) => Array.isArray(r) && r.length === 1,
    );
    expect(rows).to.deep.equal([{ v: 'from the primary' }]);
  });

  it('unbind drops the role on the primary, and with it on every replica', async () => {
    const response = await stack.server.client.delete(
      `/v2/service_instances/${id}/service_bindings/app?service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.replicated}`,
    );
    expect(response.status, response.text).to.equal(200);
    const ca = caOf(stack);
    expect(await loginRefused(credentials.uri, ca)).to.equal(true);
    // The replica left after the update: the drop reaches it with the WAL.
    const loginError = () =>
      query(credentials.replica_uris[0], ca, 'SELECT 1').then(
        () => 'logged in',
        (error: Error) => error.message,
      );
    expect(await eventually(loginError, (message) => message !== 'logged in')).to.match(/password authentication failed/);
  });

  it('deprovision of both deletes the replicas first, without final snapshots, then each primary with its final snapshot', async () => {
    for (const instanceId of [id, restored]) {
      const response = await stack.server.client.delete(
        `/v2/service_instances/${instanceId}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.replicated}`,
      );
      expect(response.status, response.text).to.equal(202);
    }
    for (const instanceId of [id, restored]) {
      const done = await pollCounting(instanceId, 'deprovision');
      expect(done.state).to.equal('gone');
      expect(await instanceExists(stack, instanceId)).to.equal(false);
    }
    // In the order the broker performed them: each replica deleted before its primary.
    const deletions = performedActions(stack).filter((a) => / PendingDelete delete/.test(a));
    for (const instanceId of [id, restored])
      expect(deletions.filter((d) => d.startsWith(instanceId))).to.deep.equal([
        `${instanceId} PendingDelete delete-replica`,
        `${instanceId} PendingDelete delete`,
      ]);
    // Nothing of either left in RDS: no instance, no replica.
    const left = (await stack.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    expect(left.map((i) => i.DBInstanceIdentifier)).to.deep.equal([]);
    for (const replicaId of [...replicaIds, `local-${restored}-r1`]) {
      const snapshots = await stack.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: replicaId }));
      expect(snapshots.DBSnapshots ?? [], `snapshots of ${replicaId}`).to.deep.equal([]);
    }
    for (const primary of [primaryId, `local-${restored}`]) {
      const finals = await stack.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: primary, SnapshotType: 'manual' }));
      expect((finals.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier)).to.satisfy((names: string[]) =>
        names.some((name) => name.startsWith(`${primary}-final-`)),
      );
    }
  });
});
