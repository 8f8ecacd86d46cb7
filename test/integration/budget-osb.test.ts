import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { expect } from 'chai';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { cfContext } from '../support/osb-flows.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * The request budget as a platform meets it, over OSB: a provision that cannot get a token within the
 * wait bound answers 503 with Retry-After and says RDS's budget is exhausted, and nothing is created
 * in RDS. The budget refills at one token an hour, so once it is drained nothing refills it during
 * the test; the wait bound is one second, so the refusal is decided before anything is sent.
 */
describe('request budget over OSB', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack({
      configure: (document) => {
        document.aws.budget = { burst: 50, ratePerSecond: 1 / 3600, maxWaitMs: 1000, adaptive: false };
      },
    });
  });
  after(async () => stack?.stop());

  it('answers 503 with Retry-After when no token can come in time, and creates nothing', async () => {
    const budget = stack.broker.deps.rds.budget!;
    while (budget.tokens >= 1) await budget.take('request');

    const response = await stack.server.client.put('/v2/service_instances/budget-refused-1?accepts_incomplete=true', {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
    });
    expect(response.status, response.text).to.equal(503);
    expect(response.json.description).to.match(/budget/i);
    expect(response.json.description).to.match(/exhausted/i);
    const retryAfter = Number(response.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter > 0, `Retry-After: ${response.headers['retry-after']}`).to.equal(true);

    // The test's own client does not draw on the broker's budget: it sees what RDS has.
    const described = await stack.rds.send(new DescribeDBInstancesCommand({}));
    expect((described.DBInstances ?? []).map((instance) => instance.DBInstanceIdentifier)).to.deep.equal([]);
  });
});
