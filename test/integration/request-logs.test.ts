import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { BrokerProcesses } from '../support/broker-process.js';
import { cfContext } from '../support/osb-flows.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Request-scoped logs, read from the real process's standard output: the lines a last_operation poll
 * causes while it performs a step (the reconcile decision, the SQL and RDS actions) carry that
 * poll's request ID and originating identity.
 */
describe('request-scoped logs of the real broker process', function () {
  this.timeout(180_000);
  let stack: Stack;
  let processes: BrokerProcesses;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
    processes = new BrokerProcesses(stack.emulator.url, stack.emulator.caFile);
  });
  after(async () => {
    await processes?.stopAll();
    await stack?.stop();
  });

  it('the lines of a poll that performs a step carry its request ID and identity', async () => {
    const broker = await processes.start({ RDS_BROKER_HOUSEKEEPING_MODE: 'never' });
    const id = randomUUID();
    const identity = `cloudfoundry ${Buffer.from(JSON.stringify({ user_id: 'poll-user' })).toString('base64')}`;
    const created = await broker.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      // The extensions step is performed by a poll once RDS has created the instance.
      parameters: { enable_extensions: ['citext'] },
    });
    expect(created.status, created.text).to.equal(202);
    const pollIds: string[] = [];
    for (let i = 0; i < 600; i++) {
      const requestId = `poll-${i}-${id.slice(0, 8)}`;
      pollIds.push(requestId);
      const poll = await broker.client.get(`/v2/service_instances/${id}/last_operation?operation=provision`, {
        headers: { 'X-Broker-API-Request-Identity': requestId, 'X-Broker-API-Originating-Identity': identity },
      });
      expect(poll.status, poll.text).to.equal(200);
      if (poll.json.state !== 'in progress') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const parsed = () =>
      broker
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line));
    // The last poll's own lines may still be on their way through the pipe.
    for (let i = 0; i < 40 && !parsed().some((line) => line.msg === 'request' && line.requestId === pollIds.at(-1)); i++)
      await new Promise((resolve) => setTimeout(resolve, 50));
    const lines = parsed();
    const performed = lines.filter((line) => line.msg === 'reconcile action performed' && line.instanceId === id);
    expect(performed.map((line) => line.action)).to.include('ensure-extensions');
    for (const line of performed) {
      expect(pollIds, JSON.stringify(line)).to.include(line.requestId);
      expect(line.identity?.value?.user_id, JSON.stringify(line)).to.equal('poll-user');
    }
    // And the poll's own access line has the same ID: the lines are the poll's, not a neighbour's.
    const pollOf = performed.find((line) => line.action === 'ensure-extensions')!.requestId;
    expect(lines.some((line) => line.msg === 'request' && line.requestId === pollOf)).to.equal(true);
  });
});
