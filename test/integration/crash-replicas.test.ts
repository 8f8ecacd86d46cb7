import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { Step } from '../../src/reconcile/tags.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { startStack, type Stack } from '../support/stack.js';
import { BrokerProcesses } from '../support/broker-process.js';
import { cfContext } from '../support/osb-flows.js';
import { describeOne, tagsOf } from '../support/replica-flows.js';
import type { OsbClient } from '../support/http.js';

/**
 * Crash safety of the replica steps: a broker process dies (SIGKILL, by a failpoint) right after a
 * replica step's RDS action and before the tag that records the step's end; a new process keeps
 * polling and must end with exactly the replicas asked for — no duplicate, no orphan. The emulator
 * shows new instances late (visibility lag), as RDS can, so a repeated create meets the replica
 * the killed process made.
 */
describe('read replica steps survive a broker killed between their action and their tag', function () {
  this.timeout(600_000);
  let stack: Stack;
  let processes: BrokerProcesses;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0, visibilityLagMs: 200 } });
    processes = new BrokerProcesses(stack.emulator.url, stack.emulator.caFile, (doc) => {
      doc.broker = { ...doc.broker, derivationSecrets: stack.config.broker.derivationSecrets };
    });
  });
  after(async () => {
    await processes?.stopAll();
    await stack?.stop();
  });

  async function pollToEnd(client: () => OsbClient, instanceId: string, operation: string): Promise<string> {
    for (let i = 0; i < 1500; i++) {
      const response = await client()
        .get(`/v2/service_instances/${instanceId}/last_operation?operation=${operation}`)
        .catch(() => undefined);
      if (response?.status === 410) return 'gone';
      if (response?.status === 200 && response.json.state !== 'in progress') return response.json.state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${operation} did not finish`);
  }

  /** Runs `request` on a process armed with `failpoint`, checks it died there, and finishes the operation on a new process. */
  async function killedAt(failpoint: string, instanceId: string, operation: string, request: (client: OsbClient) => Promise<number>) {
    const first = await processes.start({ RDS_BROKER_FAILPOINTS: failpoint });
    let current = first.client;
    // The request's own pass may already reach the failpoint (an update's, a deprovision's): then it dies answering.
    expect(await request(first.client).catch(() => 'killed while answering')).to.be.oneOf([202, 'killed while answering']);
    const poller = pollToEnd(() => current, instanceId, operation);
    const signal = await Promise.race([first.exited, poller.then(() => 'finished before the failpoint fired')]);
    expect(signal).to.equal('SIGKILL');
    const second = await processes.start();
    current = second.client;
    return poller;
  }

  /** Every RDS instance whose identifier starts with the primary's: the primary and its replicas. */
  async function group(instanceId: string): Promise<string[]> {
    const all = (await stack.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    return all
      .map((i) => i.DBInstanceIdentifier!)
      .filter((name) => name.startsWith(`local-${instanceId}`))
      .sort();
  }

  const provision = (instanceId: string, replicas: number) => (client: OsbClient) =>
    client
      .put(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.replicated,
        context: cfContext(),
        parameters: { read_replicas: replicas },
      })
      .then((r) => r.status);

  for (const failpoint of ['after:create-replica', `before:complete-step:${Step.readReplicas}`]) {
    it(`killed at ${failpoint} during a provision: exactly the two replicas asked for`, async () => {
      const id = randomUUID();
      expect(await killedAt(failpoint, id, 'provision', provision(id, 2))).to.equal('succeeded');
      expect(await group(id)).to.deep.equal([`local-${id}`, `local-${id}-r1`, `local-${id}-r2`]);
      const primary = await describeOne(stack, `local-${id}`);
      expect([...(primary.ReadReplicaDBInstanceIdentifiers ?? [])].sort()).to.deep.equal([`local-${id}-r1`, `local-${id}-r2`]);
      expect(tagsOf(primary)).to.not.have.property(Step.readReplicas);
    });
  }

  it('killed at after:delete-replica during an update to fewer replicas, then during the deprovision: nothing left over', async () => {
    const id = randomUUID();
    const one = await processes.start();
    expect(await provision(id, 2)(one.client)).to.equal(202);
    expect(await pollToEnd(() => one.client, id, 'provision')).to.equal('succeeded');
    one.child.kill('SIGTERM');
    await one.exited;

    const update = (client: OsbClient) =>
      client
        .patch(`/v2/service_instances/${id}?accepts_incomplete=true`, { service_id: LOCAL_SERVICE_ID, parameters: { read_replicas: 1 } })
        .then((r) => r.status);
    expect(await killedAt('after:delete-replica', id, 'update', update)).to.equal('succeeded');
    expect(await group(id)).to.deep.equal([`local-${id}`, `local-${id}-r1`]);

    const deprovision = (client: OsbClient) =>
      client
        .delete(`/v2/service_instances/${id}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.replicated}`)
        .then((r) => r.status);
    expect(await killedAt('after:delete-replica', id, 'deprovision', deprovision)).to.equal('gone');
    expect(await group(id)).to.deep.equal([]);
  });
});
