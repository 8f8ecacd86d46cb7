import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { provisionAndWait } from '../support/osb-flows.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';

/**
 * Deprovision as reconcile steps: a deletion-protected plan is deprovisioned by lifting the
 * protection, then deleting; missing instances answer per the OSB tables.
 */
describe('deprovision: preconditions are steps, missing instances per the OSB tables', function () {
  this.timeout(180_000);
  let stack: Stack;
  let rds: RDSClient;
  const ids = `service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`;

  before(async () => {
    stack = await startStack({
      configure: (document: any) => {
        // Every PostgreSQL plan of the catalog created with deletion protection on.
        for (const plan of document.catalog.services[0].plans) plan.rds.deletionProtection = true;
      },
    });
    rds = new RDSClient({ region: 'eu-west-1', endpoint: stack.emulator.url, credentials: stack.config.aws.credentials! });
  });
  after(async () => {
    rds?.destroy();
    await stack?.stop();
  });

  it('a deletion-protected instance: the protection is lifted, the instance deleted, the poll answers 410', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }));
    expect(described.DBInstances?.[0]?.DeletionProtection, 'the plan created it protected').to.equal(true);

    const response = await stack.server.client.delete(`/v2/service_instances/${id}?accepts_incomplete=true&${ids}`);
    expect(response.status, response.text).to.equal(202);
    expect(response.json.operation).to.equal('deprovision');
    // RDS could delete at once (after the lift): the same request issued the delete.
    const after = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` })).catch(() => undefined);
    const status = after?.DBInstances?.[0]?.DBInstanceStatus;
    expect(status === undefined || status === 'deleting', `status after the request: ${status}`).to.equal(true);
    expect((await pollUntilDone(stack, id, 'deprovision')).status).to.equal(410);
    // A poll of the finished deprovision keeps answering 410.
    expect((await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=deprovision`)).status).to.equal(410);
  });

  it('a poll of an instance that never existed answers 404; its deprovision and unbind 410', async () => {
    const id = randomUUID();
    const poll = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=provision`);
    expect(poll.status, poll.text).to.equal(404);
    expect((await stack.server.client.get(`/v2/service_instances/${id}/last_operation`)).status).to.equal(404);
    expect((await stack.server.client.get(`/v2/service_instances/${id}`)).status).to.equal(404);
    expect((await stack.server.client.delete(`/v2/service_instances/${id}?accepts_incomplete=true&${ids}`)).status).to.equal(410);
    expect((await stack.server.client.delete(`/v2/service_instances/${id}/service_bindings/b1?${ids}`)).status).to.equal(410);
    expect((await stack.server.client.get(`/v2/service_instances/${id}/service_bindings/b1`)).status).to.equal(404);
  });
});
