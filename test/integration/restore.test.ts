import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { masterPassword } from '../../src/naming/derive.js';
import { Step } from '../../src/reconcile/tags.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { emulatorAdmin, pollUntilDone, startStack, type Stack } from '../support/stack.js';
import {
  bindUri,
  caOf,
  cfContext,
  instanceExists,
  loginRefused,
  provisionAndWait,
  query,
  rdsTags,
  requestRestore,
  takeSnapshot,
} from '../support/osb-flows.js';

describe('restore from snapshot and to a point in time, reconciled on every poll', function () {
  this.timeout(300_000);
  let stack: Stack;
  let ca: string;
  const a = randomUUID();
  let uriA = '';

  before(async () => {
    // A visibility lag makes every asynchronous step prove it waits for RDS to show its change.
    stack = await startStack({ emulator: { speed: 0, visibilityLagMs: 300 }, settleSeconds: 5 });
    ca = caOf(stack);
    expect((await provisionAndWait(stack, a)).state).to.equal('succeeded');
    uriA = await bindUri(stack, a, 'b1');
    await query(uriA, ca, "CREATE TABLE t (v text); INSERT INTO t VALUES ('before-snapshot')");
    await takeSnapshot(stack, a, `snap-${a.slice(0, 8)}`);
    await query(uriA, ca, "INSERT INTO t VALUES ('after-snapshot')");
  });
  after(async () => {
    await stack?.stop();
  });

  it('restores B from the latest snapshot of A, step by step, to exactly the snapshot rows', async () => {
    const b = randomUUID();
    const response = await requestRestore(stack, b, { restore_from_latest_snapshot_of: a });
    expect(response.status, response.text).to.equal(202);
    expect(response.json.operation).to.equal('restore');
    const done = await pollUntilDone(stack, b, 'restore');
    expect(done.state, done.description).to.equal('succeeded');
    // Every step that showed itself did so in the order of the state machine.
    const order = [
      'restoring from snapshot',
      'applying settings',
      'rebooting',
      'resetting the master password',
      "removing the source database's credentials",
    ];
    const seen = done.descriptions.map((d) => order.findIndex((prefix) => d.startsWith(prefix))).filter((i) => i >= 0);
    expect(seen, done.descriptions.join(' | ')).to.deep.equal([...seen].sort((x, y) => x - y));
    expect(seen).to.include(0);
    expect(seen).to.include(3);

    const tags = await rdsTags(stack, b);
    for (const step of Object.values(Step)) expect(tags, step).to.not.have.property(step);
    expect(tags['Restored From Database']).to.equal(a);
    expect(tags['Restored From Snapshot']).to.equal(`snap-${a.slice(0, 8)}`);

    // b1's credentials, pointed at B, are refused; on A they still work.
    const fetched = await stack.server.client.get(`/v2/service_instances/${b}`);
    expect(fetched.json.parameters.restored_from_snapshot_of).to.equal(a);
    const uriB1 = await bindUri(stack, b, 'probe-b');
    const hostB = new URL(uriB1);
    const b1OnB = new URL(uriA);
    b1OnB.host = hostB.host;
    expect(await loginRefused(b1OnB.toString(), ca)).to.equal(true);
    expect((await query(uriA, ca, 'SELECT count(*)::int AS n FROM t'))[0].n).to.equal(2);

    // A new binding on B sees exactly the rows at snapshot time.
    const rows = await query(uriB1, ca, 'SELECT v FROM t ORDER BY v');
    expect(rows.map((r) => r.v)).to.deep.equal(['before-snapshot']);

    // B's master password is B's own, derived from B's ID.
    const secret = stack.config.broker.derivationSecrets[0]!;
    const master = new URL(uriB1);
    master.username = 'rdsadmin_broker';
    master.password = masterPassword(secret, b);
    expect((await query(master.toString(), ca, 'SELECT 1 AS one'))[0].one).to.equal(1);
    master.password = masterPassword(secret, a);
    expect(await loginRefused(master.toString(), ca)).to.equal(true);
  });

  it('never begins a step before RDS has finished the previous change, even while changes stay invisible', async () => {
    // The emulator refuses a change that arrives while another is still under way (InvalidDBInstanceState):
    // a step begun too early shows up as such an error. A longer visibility lag makes it likelier.
    await emulatorAdmin(stack, 'POST', 'settings', { visibilityLagMs: 1500 });
    stack.emulator.resetStats();
    try {
      const id = randomUUID();
      const response = await requestRestore(stack, id, { restore_from_latest_snapshot_of: a });
      expect(response.status).to.equal(202);
      const done = await pollUntilDone(stack, id, 'restore', 3000);
      expect(done.state, done.description).to.equal('succeeded');
      const stats = stack.emulator.stats();
      expect(stats.calls.ModifyDBInstance, 'settings and password were changed').to.be.at.least(2);
      expect(stats.calls.RebootDBInstance, 'the parameter group asked for a reboot').to.be.at.least(1);
      for (const action of ['ModifyDBInstance', 'RebootDBInstance']) {
        expect(stats.errors[action] ?? {}, action).to.not.have.property('InvalidDBInstanceState');
      }
    } finally {
      await emulatorAdmin(stack, 'POST', 'settings', { visibilityLagMs: 300 });
    }
  });

  it('refuses a restore from another space, and creates nothing', async () => {
    const c = randomUUID();
    const response = await stack.server.client.put(`/v2/service_instances/${c}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext('another-space'),
      parameters: { restore_from_latest_snapshot_of: a },
    });
    expect(response.status).to.equal(400);
    expect(response.json.description).to.match(/no database/);
    expect(await instanceExists(stack, c)).to.equal(false);
  });

  it('refuses an unknown source, a different engine family and both kinds at once', async () => {
    const put = (parameters: Record<string, unknown>, plan: string = LOCAL_PLANS.small) =>
      stack.server.client.put(`/v2/service_instances/${randomUUID()}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: plan,
        context: cfContext(),
        parameters,
      });
    expect((await put({ restore_from_latest_snapshot_of: 'no-such-instance' })).status).to.equal(400);
    const family = await put({ restore_from_latest_snapshot_of: a }, LOCAL_PLANS.postgres16);
    expect(family.status).to.equal(400);
    expect(family.json.description).to.match(/postgres17/);
    const both = await put({ restore_from_latest_snapshot_of: a, restore_from_point_in_time_of: a });
    expect(both.status).to.equal(400);
  });

  it('restores to a point in time between two writes: the first is there, the second is not', async () => {
    await query(uriA, ca, "INSERT INTO t VALUES ('pitr-first')");
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const between = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await query(uriA, ca, "INSERT INTO t VALUES ('pitr-second')");
    // Wait until the archive has the second write, so the restore window covers `between`.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const c = randomUUID();
    const response = await requestRestore(stack, c, {
      restore_from_point_in_time_of: a,
      restore_from_point_in_time_before: between.toISOString(),
    });
    expect(response.status, response.text).to.equal(202);
    const done = await pollUntilDone(stack, c, 'restore');
    expect(done.state, done.description).to.equal('succeeded');
    const uriC = await bindUri(stack, c, 'reader');
    const values = (await query(uriC, ca, 'SELECT v FROM t')).map((r) => r.v);
    expect(values).to.include('pitr-first');
    expect(values).to.not.include('pitr-second');
  });

  it('completes a restore while RDS throttles every step', async () => {
    const d = randomUUID();
    const response = await requestRestore(stack, d, { restore_from_latest_snapshot_of: a });
    expect(response.status).to.equal(202);
    await emulatorAdmin(stack, 'POST', 'faults', { actions: ['*'], probability: 0.4, error: { code: 'Throttling', status: 400 } });
    try {
      const done = await pollUntilDone(stack, d, 'restore', 2000);
      expect(done.state, done.description).to.equal('succeeded');
      expect(done.descriptions.every((text) => !/failed/i.test(text))).to.equal(true);
    } finally {
      await emulatorAdmin(stack, 'DELETE', 'faults');
    }
  });
});
