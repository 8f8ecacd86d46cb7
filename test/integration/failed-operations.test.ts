import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { OpenApiValidator } from '../support/openapi.js';
import { emulatorAdmin, pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { provisionAndWait } from '../support/osb-flows.js';

/**
 * A failed operation says what is left (OSB 2.16+): instance_usable after a failed update or
 * deprovision, update_repeatable after a failed update, true to the instance; absent otherwise.
 */
describe('failed operations say what is left of the instance', function () {
  this.timeout(300_000);
  let stack: Stack;
  const openapi = new OpenApiValidator();
  const identifier = (id: string) => `local-${id}`;
  const lastOperationPath = '/v2/service_instances/{instance_id}/last_operation';

  before(async () => {
    // settleSeconds 0: a change RDS does not show is judged at the next poll, not a minute later.
    stack = await startStack({ settleSeconds: 0 });
  });
  after(async () => {
    await stack?.stop();
  });

  const patch = (id: string, body: Record<string, unknown>) =>
    stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, { service_id: LOCAL_SERVICE_ID, ...body });

  async function poll(id: string, operation: string) {
    const response = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=${operation}`);
    if (openapi.available) expect(openapi.problems(response, lastOperationPath, 'get')).to.deep.equal([]);
    return response;
  }

  it('a plan change RDS did not carry out ends failed, the instance usable and the update repeatable, on its old plan', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const accepted = await patch(id, { plan_id: LOCAL_PLANS.medium });
    expect(accepted.status, accepted.text).to.equal(202);
    await emulatorAdmin(stack, 'POST', 'settle', {});
    // RDS ends up on the old class (as when it reverts a change it could not make): the plan change did not happen.
    await stack.rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier(id), DBInstanceClass: 'db.t4g.micro', ApplyImmediately: true }),
    );
    await emulatorAdmin(stack, 'POST', 'settle', {});
    const failed = await poll(id, 'update');
    expect(failed.status).to.equal(200);
    expect(failed.json).to.include({ state: 'failed', instance_usable: true, update_repeatable: true });
    const fetched = await stack.server.client.get(`/v2/service_instances/${id}`);
    expect(fetched.json.plan_id, 'rolled back to the plan the instance is on').to.equal(LOCAL_PLANS.small);
    // Repeatable indeed: the same update is accepted again and this time succeeds.
    expect((await patch(id, { plan_id: LOCAL_PLANS.medium })).status).to.equal(202);
    expect((await pollUntilDone(stack, id, 'update')).state).to.equal('succeeded');
  });

  it('an update on an instance RDS reports as failed ends failed, not usable and not repeatable', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    await emulatorAdmin(stack, 'POST', 'hold', { instance: identifier(id) });
    expect((await patch(id, { plan_id: LOCAL_PLANS.medium })).status).to.equal(202);
    await emulatorAdmin(stack, 'POST', 'fail', { instance: identifier(id), reason: 'host lost' });
    await emulatorAdmin(stack, 'POST', 'release', { instance: identifier(id) });
    const failed = await poll(id, 'update');
    expect(failed.json).to.include({ state: 'failed', instance_usable: false, update_repeatable: false });
  });

  it('a deprovision poll that finds no deprovision under way: failed, instance_usable true, no update_repeatable', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const failed = await poll(id, 'deprovision');
    expect(failed.json.state).to.equal('failed');
    expect(failed.json.instance_usable).to.equal(true);
    expect(failed.json).to.not.have.property('update_repeatable');
  });

  it('a failed provision carries neither field', async () => {
    const id = randomUUID();
    await stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: { platform: 'cloudfoundry', organization_guid: 'org-1', space_guid: 'space-1' },
    });
    await emulatorAdmin(stack, 'POST', 'fail', { instance: identifier(id), reason: 'host lost' });
    const failed = await poll(id, 'provision');
    expect(failed.json.state).to.equal('failed');
    expect(failed.json).to.not.have.any.keys('instance_usable', 'update_repeatable');
  });
});
