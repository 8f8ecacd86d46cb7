import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand, type DBInstance } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { provisionAndWait } from '../support/osb-flows.js';

const IO1_PLAN = 'c8a5e0f2-7d1b-4c2e-9f3a-5b6c7d8e9f01';

/**
 * Storage plan settings (type, provisioned IOPS and throughput, the autoscaling ceiling) reach
 * CreateDBInstance and, on a plan change, ModifyDBInstance; GET instance shows them as RDS does.
 */
describe('plan settings: storage type, IOPS, throughput, autoscaling ceiling', function () {
  this.timeout(300_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      configure: (doc) => {
        const plans = doc.catalog.services[0].plans;
        // small: gp2 with a ceiling; medium: gp3 from 400 GiB with provisioned IOPS and throughput; a third on io1.
        Object.assign(plans[0].rds, { storageType: 'gp2', allocatedStorage: 20, maxAllocatedStorage: 30 });
        plans[0].userStorage = { allocatedStorage: { min: 20, max: 100 }, maxAllocatedStorage: { max: 200 } };
        Object.assign(plans[1].rds, {
          storageType: 'gp3',
          allocatedStorage: 400,
          iops: 12000,
          storageThroughput: 600,
          maxAllocatedStorage: 1000,
        });
        const io1 = structuredClone(plans[0]);
        Object.assign(io1, { id: IO1_PLAN, name: 'io1', description: 'PostgreSQL 17 on io1' });
        Object.assign(io1.rds, { storageType: 'io1', allocatedStorage: 100, iops: 3000 });
        delete io1.rds.maxAllocatedStorage;
        delete io1.userStorage;
        plans.push(io1);
      },
    });
  });
  after(async () => {
    await stack?.stop();
  });

  const rdsView = async (id: string): Promise<DBInstance> =>
    (await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }))).DBInstances![0]!;
  const parametersOf = async (id: string) => (await stack.server.client.get(`/v2/service_instances/${id}`)).json.parameters;

  const id = randomUUID();

  it('a provision creates the instance with the plan storage; GET instance shows it', async () => {
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const inst = await rdsView(id);
    expect(inst).to.deep.include({ StorageType: 'gp2', AllocatedStorage: 20, MaxAllocatedStorage: 30 });
    expect(inst.Iops).to.equal(undefined);
    const parameters = await parametersOf(id);
    expect(parameters).to.deep.include({ storage_type: 'gp2', allocated_storage: 20, max_allocated_storage: 30 });
    expect(parameters).to.not.have.any.keys('iops', 'storage_throughput');
  });

  it('a plan change to gp3 at 400 GiB sends the new type, size, IOPS, throughput and ceiling in one ModifyDBInstance', async () => {
    const update = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.medium,
    });
    expect(update.status, update.text).to.equal(202);
    expect((await pollUntilDone(stack, id, 'update')).state).to.equal('succeeded');
    expect(await rdsView(id)).to.deep.include({
      StorageType: 'gp3',
      AllocatedStorage: 400,
      Iops: 12000,
      StorageThroughput: 600,
      MaxAllocatedStorage: 1000,
    });
    expect(await parametersOf(id)).to.deep.include({
      storage_type: 'gp3',
      allocated_storage: 400,
      iops: 12000,
      storage_throughput: 600,
      max_allocated_storage: 1000,
    });
  });

  it('an io1 plan provisions with its IOPS', async () => {
    const io1 = randomUUID();
    expect((await provisionAndWait(stack, io1, { plan_id: IO1_PLAN })).state).to.equal('succeeded');
    expect(await rdsView(io1)).to.deep.include({ StorageType: 'io1', AllocatedStorage: 100, Iops: 3000 });
    expect(await parametersOf(io1)).to.deep.include({ storage_type: 'io1', allocated_storage: 100, iops: 3000 });
  });

  describe("user parameters allocated_storage and max_allocated_storage, within the plan's bounds", () => {
    const user = randomUUID();
    const patch = (body: Record<string, unknown>) =>
      stack.server.client.patch(`/v2/service_instances/${user}?accepts_incomplete=true`, { service_id: LOCAL_SERVICE_ID, ...body });
    const modifyCalls = () => stack.emulator.stats().calls.ModifyDBInstance ?? 0;

    it('a provision outside the bounds, or whose ceiling the size outgrows, is refused with 400 and nothing is created', async () => {
      const before = stack.emulator.stats().calls.CreateDBInstance ?? 0;
      const tooBig = await stack.server.client.put(`/v2/service_instances/${randomUUID()}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
        parameters: { allocated_storage: 500 },
      });
      expect(tooBig.status).to.equal(400);
      expect(tooBig.json.description).to.match(/allocated_storage must be at most 100 GiB/);
      const ceiling = await stack.server.client.put(`/v2/service_instances/${randomUUID()}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
        parameters: { allocated_storage: 50 },
      });
      expect(ceiling.status).to.equal(400);
      expect(ceiling.json.description).to.match(/ceiling of 30 GiB is too low.*max_allocated_storage of 55 GiB or more/);
      expect(stack.emulator.stats().calls.CreateDBInstance ?? 0).to.equal(before);
    });

    it('a provision with both creates the instance with them; GET instance shows them', async () => {
      expect((await provisionAndWait(stack, user, { parameters: { allocated_storage: 50, max_allocated_storage: 80 } })).state).to.equal(
        'succeeded',
      );
      expect(await rdsView(user)).to.deep.include({ AllocatedStorage: 50, MaxAllocatedStorage: 80 });
      expect(await parametersOf(user)).to.deep.include({ allocated_storage: 50, max_allocated_storage: 80 });
    });

    it('an update grows the storage and raises the ceiling', async () => {
      const update = await patch({ parameters: { allocated_storage: 60, max_allocated_storage: 150 } });
      expect(update.status, update.text).to.equal(202);
      expect((await pollUntilDone(stack, user, 'update')).state).to.equal('succeeded');
      expect(await rdsView(user)).to.deep.include({ AllocatedStorage: 60, MaxAllocatedStorage: 150 });
      expect(await parametersOf(user)).to.deep.include({ allocated_storage: 60, max_allocated_storage: 150 });
    });

    it("a storage decrease is refused with 400 in the user's words, before any change reaches RDS", async () => {
      const before = modifyCalls();
      const shrink = await patch({ parameters: { allocated_storage: 40 } });
      expect(shrink.status).to.equal(400);
      expect(shrink.json.description).to.equal(
        'allocated_storage 40 is less than the 60 GiB the instance has: RDS cannot shrink storage; ask for 60 GiB or more',
      );
      const low = await patch({ parameters: { max_allocated_storage: 65 } });
      expect(low.status).to.equal(400);
      expect(low.json.description).to.match(/max_allocated_storage 65 must be at least 10% above the instance's 60 GiB of storage: 66 GiB/);
      expect(modifyCalls(), 'no ModifyDBInstance').to.equal(before);
      expect(await rdsView(user)).to.deep.include({ AllocatedStorage: 60, MaxAllocatedStorage: 150 });
    });
  });
});
