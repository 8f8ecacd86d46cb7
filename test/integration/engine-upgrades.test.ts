import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { bindUri, caOf, provisionAndWait, query } from '../support/osb-flows.js';

describe('engine version upgrades', function () {
  this.timeout(300_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
  });
  after(async () => {
    await stack?.stop();
  });

  const described = async (id: string) =>
    (await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }))).DBInstances![0]!;
  const update = (id: string, body: Record<string, unknown>) =>
    stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, { service_id: LOCAL_SERVICE_ID, ...body });

  it('upgrades to the latest minor version on request', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    expect((await described(id)).EngineVersion).to.equal('17.4');
    const response = await update(id, { parameters: { upgrade_minor_version: true } });
    expect(response.status, response.text).to.equal(202);
    expect((await pollUntilDone(stack, id, response.json.operation)).state).to.equal('succeeded');
    expect((await described(id)).EngineVersion).to.equal('17.5');
    const fetched = await stack.server.client.get(`/v2/service_instances/${id}`);
    expect(fetched.json.maintenance_info.version).to.equal('17.5.0');
  });

  it('upgrades the major version through a plan change, switching the parameter group family, data kept', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id, { plan_id: LOCAL_PLANS.postgres16 })).state).to.equal('succeeded');
    const uri = await bindUri(stack, id, 'app');
    await query(uri, caOf(stack), 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (16)');
    expect((await described(id)).EngineVersion).to.equal('16.4');
    const response = await update(id, { plan_id: LOCAL_PLANS.small });
    expect(response.status, response.text).to.equal(202);
    const done = await pollUntilDone(stack, id, response.json.operation);
    expect(done.state, done.description).to.equal('succeeded');
    const instance = await described(id);
    expect(instance.EngineVersion).to.equal('17.4');
    expect(instance.DBParameterGroups![0]!.DBParameterGroupName).to.equal('rds-broker-local-postgres17');
    expect((await query(uri, caOf(stack), 'SELECT v FROM kept'))[0].v).to.equal(16);
  });

  it('refuses a plan change that would downgrade the engine, and modifies nothing', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const before = stack.emulator.stats().calls.ModifyDBInstance ?? 0;
    const response = await update(id, { plan_id: LOCAL_PLANS.postgres16 });
    expect(response.status).to.equal(422);
    expect(response.json.description).to.match(/downgrade/);
    expect(stack.emulator.stats().calls.ModifyDBInstance ?? 0).to.equal(before);
  });
});
