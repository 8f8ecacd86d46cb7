import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Concurrent last_operation polls through the whole broker over HTTP, with coalescing on: each
 * poll answers for its own instance, whatever the others in its batch are doing. Correctness only.
 */
describe('concurrent polls with coalesced describes', function () {
  this.timeout(120_000);
  let stack: Stack;
  const creating = Array.from({ length: 15 }, () => randomUUID());
  const ready = Array.from({ length: 15 }, () => randomUUID());
  const neverCreated = randomUUID();

  before(async () => {
    stack = await startStack({
      emulator: { databases: 'none', visibilityLagMs: 0, log: () => undefined },
      configure: (document) => {
        document.aws.coalesce = { enabled: true, windowMs: 100, maxIdentifiers: 100 };
      },
    });
    // Held instances stay creating; the others are settled to available.
    for (const id of creating) stack.emulator.hold(`local-${id}`);
    for (const id of [...creating, ...ready]) {
      const response = await stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
        context: { platform: 'cloudfoundry', organization_guid: 'org-perf', space_guid: 'space-perf' },
      });
      if (response.status !== 202) throw new Error(`provision answered ${response.status}: ${response.text}`);
    }
    const unsettled = await stack.emulator.settle();
    expect(unsettled.filter((name) => !creating.some((id) => name === `local-${id}`))).to.deep.equal([]);
  });

  after(async () => {
    stack?.emulator.release();
    await stack?.stop();
  });

  it('answers every poll for its own instance: in progress, succeeded or gone', async () => {
    const polls = [
      ...creating.map((id) => ({ id, operation: 'provision', expected: 'in progress' })),
      ...ready.map((id) => ({ id, operation: 'provision', expected: 'succeeded' })),
      { id: neverCreated, operation: 'deprovision', expected: 'gone' },
    ];
    // Interleaved, so that batches mix instances of every kind.
    polls.sort(() => Math.random() - 0.5);
    const answers = await Promise.all(
      polls.map((p) => stack.server.client.get(`/v2/service_instances/${p.id}/last_operation?operation=${p.operation}`)),
    );
    answers.forEach((answer, i) => {
      const poll = polls[i]!;
      if (poll.expected === 'gone') {
        expect(answer.status, poll.id).to.equal(410);
        return;
      }
      expect(answer.status, answer.text).to.equal(200);
      expect(answer.json.state, `${poll.id}: ${answer.text}`).to.equal(poll.expected);
      if (poll.expected === 'in progress') {
        expect(answer.json.description).to.equal('creating the RDS instance');
        expect(answer.headers['retry-after']).to.match(/^[1-9]\d*$/);
      } else {
        expect(answer.headers['retry-after']).to.equal(undefined);
      }
    });
  });

  it('keeps answering right in the next batches, with the same instances polled again', async () => {
    const ids = [...ready.slice(0, 5), ...creating.slice(0, 5)];
    const answers = await Promise.all(
      ids.map((id) => stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=provision`)),
    );
    expect(answers.map((a) => a.json?.state)).to.deep.equal([...Array(5).fill('succeeded'), ...Array(5).fill('in progress')]);
  });
});
