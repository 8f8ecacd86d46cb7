import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand, DescribeEventsCommand, type DBInstance } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { emulatorAdmin, pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { provisionAndWait } from '../support/osb-flows.js';

const RETIRED_CLASS_PLAN = 'd1b2c3d4-0000-4000-8000-00000000c1a5';
const NO_TARGET_PLAN = 'd1b2c3d4-0000-4000-8000-0000000017f9';
const MAGNETIC_PLAN = 'd1b2c3d4-0000-4000-8000-00000000a9e7';

/**
 * RDS's own refusals a platform meets, answered 422 (or 400) with RDS's reason in the user's words,
 * never 500, and nothing half-done: no ModifyDBInstance, the instance still on its plan.
 */
describe("RDS's refusals answered in the user's words, nothing left half-done", function () {
  this.timeout(300_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      configure: (doc) => {
        const plans = doc.catalog.services[0].plans;
        plans[0].userStorage = { allocatedStorage: { min: 20, max: 200 } };
        // A class RDS retired, and a version RDS does not have to upgrade to: both slip past the configuration.
        const retired = structuredClone(plans[0]);
        Object.assign(retired, { id: RETIRED_CLASS_PLAN, name: 'retired-class', description: 'on a retired class' });
        retired.rds.instanceClass = 'db.t2.micro';
        const noTarget = structuredClone(plans[0]);
        Object.assign(noTarget, { id: NO_TARGET_PLAN, name: 'no-target', description: 'PostgreSQL 17.9' });
        noTarget.rds.engineVersion = '17.9';
        const magnetic = structuredClone(plans[0]);
        Object.assign(magnetic, { id: MAGNETIC_PLAN, name: 'magnetic', description: 'magnetic storage on Graviton' });
        magnetic.rds.storageType = 'standard';
        plans.push(retired, noTarget, magnetic);
      },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  const rdsView = async (id: string): Promise<DBInstance> =>
    (await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }))).DBInstances![0]!;
  const patch = (id: string, body: Record<string, unknown>) =>
    stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, { service_id: LOCAL_SERVICE_ID, ...body });
  const modifyCalls = () => stack.emulator.stats().calls.ModifyDBInstance ?? 0;
  const planOf = async (id: string) => (await stack.server.client.get(`/v2/service_instances/${id}`)).json.plan_id;

  it('storage-full: a plan change is refused saying to increase allocated_storage; that increase is taken and the instance is available again', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    await emulatorAdmin(stack, 'POST', 'storage-full', { instance: `local-${id}` });
    const before = modifyCalls();
    const refused = await patch(id, { plan_id: LOCAL_PLANS.medium });
    expect(refused.status).to.equal(422);
    expect(refused.json.description).to.equal(
      'the instance is out of storage (RDS reports it storage-full) and RDS takes no other change until its storage grows: ' +
        'first update it with only allocated_storage above 20 GiB (this plan allows up to 200 GiB), then ask for this change again',
    );
    const mixed = await patch(id, { parameters: { allocated_storage: 40, backup_retention_period: 3 } });
    expect(mixed.status, 'more storage and something else').to.equal(422);
    expect(modifyCalls(), 'nothing reached RDS').to.equal(before);
    expect(await planOf(id)).to.equal(LOCAL_PLANS.small);

    const grow = await patch(id, { parameters: { allocated_storage: 40 } });
    expect(grow.status, grow.text).to.equal(202);
    const done = await pollUntilDone(stack, id, 'update');
    expect(done.state, done.description).to.equal('succeeded');
    expect(await rdsView(id)).to.deep.include({ DBInstanceStatus: 'available', AllocatedStorage: 40 });
    // Now the plan change goes through.
    expect((await patch(id, { plan_id: LOCAL_PLANS.medium })).status).to.equal(202);
    expect((await pollUntilDone(stack, id, 'update')).state).to.equal('succeeded');
    expect((await rdsView(id)).DBInstanceClass).to.equal('db.t4g.small');
  });

  it('a plan change to an instance class RDS does not offer for the engine version: 422 naming the class, nothing modified', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const before = modifyCalls();
    const refused = await patch(id, { plan_id: RETIRED_CLASS_PLAN });
    expect(refused.status).to.equal(422);
    expect(refused.json.description).to.match(
      /^plan retired-class asks for instance class db\.t2\.micro, which RDS does not offer for postgres 17\.4/,
    );
    expect(modifyCalls()).to.equal(before);
    expect(await planOf(id)).to.equal(LOCAL_PLANS.small);
    expect((await rdsView(id)).DBInstanceClass).to.equal('db.t4g.micro');
  });

  it('a plan change to a storage type the instance class does not come with: 422 naming both, nothing modified', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const before = modifyCalls();
    const refused = await patch(id, { plan_id: MAGNETIC_PLAN });
    expect(refused.status).to.equal(422);
    expect(refused.json.description).to.match(
      /^plan magnetic asks for standard storage, which RDS does not offer with instance class db\.t4g\.micro/,
    );
    expect(modifyCalls()).to.equal(before);
    expect(await planOf(id)).to.equal(LOCAL_PLANS.small);
  });

  it('a major upgrade to a version RDS offers no upgrade to: 422 saying so, nothing modified', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id, { plan_id: LOCAL_PLANS.postgres16 })).state).to.equal('succeeded');
    const before = modifyCalls();
    const refused = await patch(id, { plan_id: NO_TARGET_PLAN });
    expect(refused.status).to.equal(422);
    expect(refused.json.description).to.equal(
      'RDS cannot upgrade postgres 16.4 to 17.9; choose a plan whose engine version is a valid upgrade target',
    );
    expect(modifyCalls()).to.equal(before);
    expect(await planOf(id)).to.equal(LOCAL_PLANS.postgres16);
    expect((await rdsView(id)).EngineVersion).to.equal('16.4');
  });
  it("a second storage change within six hours: 422 with the last change's time and when to try again, nothing left behind; taken after six hours", async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    expect((await patch(id, { parameters: { allocated_storage: 40 } })).status).to.equal(202);
    expect((await pollUntilDone(stack, id, 'update')).state).to.equal('succeeded');
    const events = await stack.rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: `local-${id}` }));
    const finished = events.Events!.filter((e) => e.Message === 'Finished applying modification to allocated storage');
    expect(finished, 'RDS recorded the storage change').to.have.length(1);
    const last = finished[0]!.Date!.getTime();
    const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const parametersBefore = (await stack.server.client.get(`/v2/service_instances/${id}`)).json.parameters;

    const refused = await patch(id, { parameters: { allocated_storage: 60 } });
    expect(refused.status, refused.text).to.equal(422);
    expect(refused.json.description).to.equal(
      `RDS allows one storage change every six hours; the last one was at ${iso(last)}; try again after ${iso(last + 6 * 3_600_000)}`,
    );
    // Nothing half-done: the request is not recorded, no operation runs, RDS keeps the storage.
    expect((await stack.server.client.get(`/v2/service_instances/${id}`)).json.parameters).to.deep.equal(parametersBefore);
    const lastOperation = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=update`);
    expect(lastOperation.status, lastOperation.text).to.equal(200);
    expect(lastOperation.json.state, 'the earlier update, finished').to.equal('succeeded');
    expect(await rdsView(id)).to.deep.include({ DBInstanceStatus: 'available', AllocatedStorage: 40 });

    await emulatorAdmin(stack, 'POST', 'clock', { advanceMs: 6 * 3_600_000 });
    await stack.emulator.settle();
    expect((await patch(id, { parameters: { allocated_storage: 60 } })).status).to.equal(202);
    const done = await pollUntilDone(stack, id, 'update');
    expect(done.state, done.description).to.equal('succeeded');
    expect((await rdsView(id)).AllocatedStorage).to.equal(60);
  });
});
