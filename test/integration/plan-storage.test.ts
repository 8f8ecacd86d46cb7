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
});
