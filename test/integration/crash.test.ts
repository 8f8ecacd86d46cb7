import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Step } from '../../src/reconcile/tags.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { startStack, type Stack } from '../support/stack.js';
import { BrokerProcesses } from '../support/broker-process.js';
import { caOf, cfContext, provisionAndWait, bindUri, query, rdsTags, takeSnapshot, loginRefused } from '../support/osb-flows.js';
import type { OsbClient } from '../support/http.js';

/**
 * Crash safety of the restore state machine: for each step, a broker process dies (SIGKILL, by a
 * failpoint) right after the step's AWS or SQL action and before its tag is removed; a new process
 * keeps polling and must reach the same end state.
 */
describe('restore survives a broker killed between each step and its tag', function () {
  this.timeout(600_000);
  let stack: Stack;
  let processes: BrokerProcesses;
  let ca: string;
  const source = randomUUID();
  let sourceUri = '';

  before(async () => {
    stack = await startStack({ emulator: { speed: 0, visibilityLagMs: 200 } });
    ca = caOf(stack);
    processes = new BrokerProcesses(stack.emulator.url, stack.emulator.caFile, (doc) => {
      // The same broker as the in-process one: same name and secrets, so both see the same instances.
      doc.broker = { ...doc.broker, derivationSecrets: stack.config.broker.derivationSecrets };
    });
    expect((await provisionAndWait(stack, source)).state).to.equal('succeeded');
    sourceUri = await bindUri(stack, source, 'source-binding');
    await query(sourceUri, ca, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");
    await takeSnapshot(stack, source, `snap-crash-${source.slice(0, 8)}`);
  });
  after(async () => {
    await processes?.stopAll();
    await stack?.stop();
  });

  async function pollToEnd(client: () => OsbClient, instanceId: string): Promise<string> {
    for (let i = 0; i < 1500; i++) {
      const response = await client()
        .get(`/v2/service_instances/${instanceId}/last_operation?operation=restore`)
        .catch(() => undefined);
      if (response?.status === 200 && response.json.state !== 'in progress') return response.json.state;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('restore did not finish');
  }

  async function checkEndState(instanceId: string): Promise<void> {
    const tags = await rdsTags(stack, instanceId);
    for (const step of Object.values(Step)) expect(tags, step).to.not.have.property(step);
    const uri = await bindUri(stack, instanceId, `after-${instanceId.slice(0, 8)}`);
    expect((await query(uri, ca, 'SELECT v FROM t')).map((r) => r.v)).to.deep.equal(['kept']);
    const sourceOnRestored = new URL(sourceUri);
    sourceOnRestored.host = new URL(uri).host;
    expect(await loginRefused(sourceOnRestored.toString(), ca)).to.equal(true);
  }

  const failpoints = [
    'after:modify-settings',
    'before:complete-step:PendingUpdateSettings',
    'after:reboot',
    'after:reset-master-password',
    'before:complete-step:PendingResetMasterPassword',
    'after:neutralise-users',
  ];
  for (const failpoint of failpoints) {
    it(`killed at ${failpoint}: a new process finishes the restore`, async () => {
      const id = randomUUID();
      const first = await processes.start({ RDS_BROKER_FAILPOINTS: failpoint });
      const response = await first.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
        context: cfContext(),
        parameters: { restore_from_latest_snapshot_of: source },
      });
      expect(response.status, response.text).to.equal(202);
      let current = first.client;
      const poller = pollToEnd(() => current, id);
      // Every failpoint is on a restore's path: the first process must die there.
      const signal = await Promise.race([first.exited, poller.then(() => 'finished before the failpoint fired')]);
      expect(signal).to.equal('SIGKILL');
      const second = await processes.start();
      current = second.client;
      expect(await poller).to.equal('succeeded');
      await checkEndState(id);
    });
  }

  it('two broker processes polling one restore at once reach the same end state', async () => {
    const id = randomUUID();
    const one = await processes.start();
    const two = await processes.start();
    const response = await one.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      parameters: { restore_from_latest_snapshot_of: source },
    });
    expect(response.status).to.equal(202);
    const [a, b] = await Promise.all([pollToEnd(() => one.client, id), pollToEnd(() => two.client, id)]);
    expect([a, b]).to.deep.equal(['succeeded', 'succeeded']);
    await checkEndState(id);
  });
});
