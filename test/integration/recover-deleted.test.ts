import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { bindUri, caOf, cfContext, instanceExists, provisionAndWait, query } from '../support/osb-flows.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('recovering a deleted database', function () {
  this.timeout(300_000);
  let stack: Stack;
  let ca: string;
  const a = randomUUID();
  let between: Date;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
    ca = caOf(stack);
    expect((await provisionAndWait(stack, a)).state).to.equal('succeeded');
    const uri = await bindUri(stack, a, 'app');
    await query(uri, ca, "CREATE TABLE t (v text); INSERT INTO t VALUES ('first')");
    await sleep(1500);
    between = new Date();
    await sleep(1500);
    await query(uri, ca, "INSERT INTO t VALUES ('second')");
    // Let the WAL archive take the second write before the instance goes.
    await sleep(3000);
    const response = await stack.server.client.delete(
      `/v2/service_instances/${a}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
    );
    expect(response.status).to.equal(202);
    expect((await pollUntilDone(stack, a, 'deprovision')).status).to.equal(410);
    expect(await instanceExists(stack, a)).to.equal(false);
  });
  after(async () => {
    await stack?.stop();
  });

  const restore = (id: string, parameters: Record<string, unknown>, context = cfContext()) =>
    stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context,
      parameters,
    });

  it("restores B from the final snapshot of the deleted A: A's rows, and a new binding works", async () => {
    const b = randomUUID();
    const response = await restore(b, { restore_from_latest_snapshot_of: a });
    expect(response.status, response.text).to.equal(202);
    expect((await pollUntilDone(stack, b, 'restore')).state).to.equal('succeeded');
    const uri = await bindUri(stack, b, 'new');
    expect((await query(uri, ca, 'SELECT v FROM t ORDER BY v')).map((r) => r.v)).to.deep.equal(['first', 'second']);
    const fetched = await stack.server.client.get(`/v2/service_instances/${b}`);
    expect(fetched.json.parameters.restored_from_snapshot_of).to.equal(a);
  });

  it("refuses another tenant, on the snapshot's own tags, and creates nothing", async () => {
    const c = randomUUID();
    const response = await restore(c, { restore_from_latest_snapshot_of: a }, cfContext('other-space'));
    expect(response.status).to.equal(400);
    expect(await instanceExists(stack, c)).to.equal(false);
    const k8s = await restore(c, { restore_from_point_in_time_of: a }, {
      platform: 'kubernetes',
      clusterid: 'c',
      namespace: 'space-1',
    } as any);
    expect(k8s.status).to.equal(400);
    expect(await instanceExists(stack, c)).to.equal(false);
  });

  it('restores C to a point in time of the deleted A from its retained backups', async () => {
    const c = randomUUID();
    const response = await restore(c, { restore_from_point_in_time_of: a, restore_from_point_in_time_before: between.toISOString() });
    expect(response.status, response.text).to.equal(202);
    expect((await pollUntilDone(stack, c, 'restore')).state).to.equal('succeeded');
    const uri = await bindUri(stack, c, 'reader');
    expect((await query(uri, ca, 'SELECT v FROM t')).map((r) => r.v)).to.deep.equal(['first']);
    const fetched = await stack.server.client.get(`/v2/service_instances/${c}`);
    expect(fetched.json.parameters.restored_from_point_in_time_of).to.equal(a);
    expect(fetched.json.parameters.restored_from_point_in_time).to.equal(between.toISOString());
  });

  it('an instance deprovisioned with both opt-outs cannot be recovered, and says so', async () => {
    const d = randomUUID();
    expect(
      (await provisionAndWait(stack, d, { parameters: { skip_final_snapshot: true, delete_automated_backups: true } })).state,
    ).to.equal('succeeded');
    expect(
      (
        await stack.server.client.delete(
          `/v2/service_instances/${d}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
        )
      ).status,
    ).to.equal(202);
    expect((await pollUntilDone(stack, d, 'deprovision')).status).to.equal(410);
    for (const parameters of [{ restore_from_latest_snapshot_of: d }, { restore_from_point_in_time_of: d }]) {
      const e = randomUUID();
      const response = await restore(e, parameters);
      expect(response.status).to.equal(400);
      expect(response.json.description).to.match(/there is no database .* that you can restore from/);
      expect(await instanceExists(stack, e)).to.equal(false);
    }
  });
});
