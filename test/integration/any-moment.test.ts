import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import {
  DeleteDBInstanceCommand,
  ModifyDBInstanceCommand,
  RemoveTagsFromResourceCommand,
  DescribeDBInstancesCommand,
} from '@aws-sdk/client-rds';
import { checkMasterCredentials, resyncPendingSteps } from '../../src/housekeeping/jobs.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { basicAuth } from '../support/http.js';
import { emulatorAdmin, pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { BrokerProcesses } from '../support/broker-process.js';
import { bindUri, caOf, cfContext, instanceExists, provisionAndWait, query, takeSnapshot } from '../support/osb-flows.js';

const ids = () => `service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`;

describe('any request at any moment', function () {
  this.timeout(600_000);
  let stack: Stack;
  let ca: string;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0, visibilityLagMs: 100 }, settleSeconds: 2 });
    ca = caOf(stack);
  });
  after(async () => {
    await emulatorAdmin(stack, 'POST', 'release', {}).catch(() => undefined);
    await stack?.stop();
  });

  const identifier = (id: string) => `local-${id}`;
  const provision = (id: string, parameters: Record<string, unknown> = {}) =>
    stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      parameters,
    });
  const deprovision = (id: string) => stack.server.client.delete(`/v2/service_instances/${id}?accepts_incomplete=true&${ids()}`);

  it('DELETE while creating: accepted, performed once RDS allows it, then 410 and nothing left', async () => {
    const id = randomUUID();
    await emulatorAdmin(stack, 'POST', 'hold', { instance: identifier(id) });
    expect((await provision(id)).status).to.equal(202);
    const response = await deprovision(id);
    expect(response.status, response.text).to.equal(202);
    expect(response.json.operation).to.equal('deprovision');
    const poll = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=deprovision`);
    expect(poll.json.state).to.equal('in progress');
    expect(poll.json.description).to.match(/deletion requested/);
    await emulatorAdmin(stack, 'POST', 'release', { instance: identifier(id) });
    expect((await pollUntilDone(stack, id, 'deprovision')).status).to.equal(410);
    expect(await instanceExists(stack, id)).to.equal(false);
  });

  it('DELETE during a plan change: accepted, then gone', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    await emulatorAdmin(stack, 'POST', 'hold', { instance: identifier(id) });
    const update = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.medium,
    });
    expect(update.status, update.text).to.equal(202);
    expect((await deprovision(id)).status).to.equal(202);
    await emulatorAdmin(stack, 'POST', 'release', { instance: identifier(id) });
    expect((await pollUntilDone(stack, id, 'deprovision')).status).to.equal(410);
    expect(await instanceExists(stack, id)).to.equal(false);
  });

  it('DELETE of an instance RDS marked failed: accepted, deleted, then gone', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    await emulatorAdmin(stack, 'POST', 'fail', { instance: identifier(id), reason: 'host lost' });
    const poll = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=provision`);
    expect(poll.json.state).to.equal('failed');
    expect((await deprovision(id)).status).to.equal(202);
    expect((await pollUntilDone(stack, id, 'deprovision')).status).to.equal(410);
    expect(await instanceExists(stack, id)).to.equal(false);
  });

  describe('during a restore', () => {
    const source = randomUUID();
    before(async () => {
      expect((await provisionAndWait(stack, source)).state).to.equal('succeeded');
      const uri = await bindUri(stack, source, 'src');
      await query(uri, ca, 'CREATE TABLE t (v int); INSERT INTO t VALUES (1)');
      await takeSnapshot(stack, source, `snap-any-${source.slice(0, 8)}`);
    });

    for (const step of ['restoring from snapshot', 'applying settings', 'rebooting', 'resetting the master password']) {
      it(`DELETE while "${step}": accepted, other steps abandoned, then gone`, async () => {
        const id = randomUUID();
        expect((await provision(id, { restore_from_latest_snapshot_of: source })).status).to.equal(202);
        let seen = false;
        for (let i = 0; i < 600 && !seen; i++) {
          const poll = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=restore`);
          seen = String(poll.json.description).startsWith(step);
          if (poll.json.state !== 'in progress') break;
          if (!seen) await new Promise((resolve) => setTimeout(resolve, 20));
        }
        // A step may pass too quickly to be seen by a poll; the delete is then tried at the next one.
        const response = await deprovision(id);
        expect(response.status, response.text).to.equal(202);
        expect((await pollUntilDone(stack, id, 'deprovision')).status).to.equal(410);
        expect(await instanceExists(stack, id)).to.equal(false);
      });
    }

    it('an update while the restore runs is refused with ConcurrencyError, and the restore is unharmed', async () => {
      const id = randomUUID();
      await emulatorAdmin(stack, 'POST', 'hold', { instance: identifier(id) });
      expect((await provision(id, { restore_from_latest_snapshot_of: source })).status).to.equal(202);
      const update = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.medium,
      });
      expect(update.status).to.equal(422);
      expect(update.json.error).to.equal('ConcurrencyError');
      expect(update.json.description).to.match(/restore is in progress/);
      const bind = await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/${randomUUID()}`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
      });
      expect(bind.status).to.equal(422);
      expect(bind.json.error).to.equal('ConcurrencyError');
      await emulatorAdmin(stack, 'POST', 'release', { instance: identifier(id) });
      expect((await pollUntilDone(stack, id, 'restore')).state).to.equal('succeeded');
      const uri = await bindUri(stack, id, 'after');
      expect((await query(uri, ca, 'SELECT count(*)::int AS n FROM t'))[0].n).to.equal(1);
    });

    it('with no one polling, the background resync finishes a deprovision', async () => {
      const id = randomUUID();
      await emulatorAdmin(stack, 'POST', 'hold', { instance: identifier(id) });
      expect((await provision(id, { restore_from_latest_snapshot_of: source })).status).to.equal(202);
      expect((await deprovision(id)).status).to.equal(202);
      await emulatorAdmin(stack, 'POST', 'release', { instance: identifier(id) });
      for (let i = 0; i < 300 && (await instanceExists(stack, id)); i++) {
        await resyncPendingSteps(stack.broker.deps);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(await instanceExists(stack, id)).to.equal(false);
    });
  });

  it('a provision whose answer the platform never read is cleaned up by the DELETE that follows', async () => {
    const id = randomUUID();
    const body = JSON.stringify({ service_id: LOCAL_SERVICE_ID, plan_id: LOCAL_PLANS.small, context: cfContext() });
    await new Promise<void>((resolve) => {
      const url = new URL(`${stack.server.url}/v2/service_instances/${id}?accepts_incomplete=true`);
      const req = httpRequest(url, {
        method: 'PUT',
        headers: {
          'X-Broker-API-Version': '2.17',
          Authorization: basicAuth(stack.server.client.credentials),
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
        },
      });
      req.on('error', () => resolve());
      // The platform gives up before the answer arrives (a timeout): the connection is cut at once.
      req.end(body, () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 5),
      );
    });
    // The broker finished the request and wrote its answer; the platform never read it.
    const answered = () =>
      stack.server.captured.lines().some((line) => line.msg === 'request' && line.method === 'PUT' && String(line.path).endsWith(id));
    for (let i = 0; i < 200 && !answered(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(answered(), 'the broker logged the provision').to.equal(true);
    let status = 0;
    for (let i = 0; i < 100 && status !== 202 && status !== 410; i++) {
      status = (await deprovision(id)).status;
      if (status !== 202 && status !== 410) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).to.be.oneOf([202, 410]);
    if (status === 202) expect((await pollUntilDone(stack, id, 'deprovision')).status).to.equal(410);
    expect(await instanceExists(stack, id)).to.equal(false);
  });

  it('two broker processes receiving the same provision at the same moment create one instance', async () => {
    const processes = new BrokerProcesses(stack.emulator.url, stack.emulator.caFile, (doc) => {
      doc.broker = { ...doc.broker, derivationSecrets: stack.config.broker.derivationSecrets };
    });
    try {
      const [one, two] = await Promise.all([processes.start(), processes.start()]);
      const id = randomUUID();
      const body = { service_id: LOCAL_SERVICE_ID, plan_id: LOCAL_PLANS.small, context: cfContext() };
      const answers = await Promise.all([
        one.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, body),
        two.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, body),
      ]);
      expect(answers.map((a) => a.status).sort()).to.deep.equal([202, 202]);
      const described = await stack.rds.send(
        new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-id', Values: [identifier(id)] }] }),
      );
      expect(described.DBInstances).to.have.length(1);
      expect((await pollUntilDone(stack, id, 'provision')).state).to.equal('succeeded');
    } finally {
      await processes.stopAll();
    }
  });

  describe('out-of-band changes made in the console', () => {
    it('an instance deleted outside the broker: GET 404, polls 404 (410 for a deprovision poll), unbind and deprovision 410', async () => {
      const id = randomUUID();
      expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
      await bindUri(stack, id, 'b');
      await stack.rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: identifier(id), SkipFinalSnapshot: true }));
      for (let i = 0; i < 300 && (await instanceExists(stack, id)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await stack.server.client.get(`/v2/service_instances/${id}`)).status).to.equal(404);
      // OSB: last_operation of an instance that does not exist is 404; 410 only for a deprovision's poll.
      const poll = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=provision`);
      expect(poll.status).to.equal(404);
      expect(poll.json.description).to.match(/does not exist/);
      expect((await stack.server.client.get(`/v2/service_instances/${id}/last_operation`)).status).to.equal(404);
      expect((await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=deprovision`)).status).to.equal(410);
      expect((await stack.server.client.delete(`/v2/service_instances/${id}/service_bindings/b?${ids()}`)).status).to.equal(410);
      expect((await deprovision(id)).status).to.equal(410);
    });

    it('an instance whose broker tag was removed is refused, naming the tag, and never adopted', async () => {
      const id = randomUUID();
      expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
      const arn = (await stack.broker.deps.rds.describeInstance(identifier(id)))!.arn;
      await stack.rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: ['Broker Name'] }));
      const response = await deprovision(id);
      expect(response.status).to.equal(422);
      expect(response.json.description).to.contain('"Broker Name"');
      const again = await provision(id);
      expect(again.status).to.equal(409);
      expect(await instanceExists(stack, id)).to.equal(true);
    });

    it('a master password changed by hand: bind says so, housekeeping repairs it, bind works again', async () => {
      const id = randomUUID();
      expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
      await stack.rds.send(
        new ModifyDBInstanceCommand({
          DBInstanceIdentifier: identifier(id),
          MasterUserPassword: 'changed-by-hand-123',
          ApplyImmediately: true,
        }),
      );
      await emulatorAdmin(stack, 'POST', 'settle', {});
      const bind = await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/${randomUUID()}`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
      });
      expect(bind.status).to.equal(502);
      expect(bind.json.description).to.match(/master credentials/);
      const repaired = await checkMasterCredentials(stack.broker.deps);
      expect(repaired).to.include(id);
      await emulatorAdmin(stack, 'POST', 'settle', {});
      const uri = await bindUri(stack, id, 'after-repair');
      expect((await query(uri, ca, 'SELECT 1 AS one'))[0].one).to.equal(1);
    });
  });
});
