import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { housekeepingJobs } from '../../src/housekeeping/jobs.js';
import { startHousekeeping, type RunningHousekeeping } from '../../src/housekeeping/leadership.js';
import { attachRequeue } from '../../src/housekeeping/requeue.js';
import { provisionAndWait, requestRestore, takeSnapshot } from '../support/osb-flows.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Requeue like a controller. With housekeeping on, a restore whose platform polls every 60 s is
 * reported succeeded at the first poll after the same restore polled every second succeeds: the
 * leader's requeue starts each step as soon as RDS allows, not at the slow platform's next poll.
 *
 * Everything runs at the emulator's speed SPEED (RDS's durations × SPEED), and so do the platform's
 * intervals (60 s and 1 s × SPEED), the broker's Retry-After (broker.retryAfterScale) and the
 * coalescing window: the same property, in seconds instead of minutes.
 */
const SPEED = 0.05;
const SLOW_POLL_MS = 60_000 * SPEED;
const FAST_POLL_MS = 1_000 * SPEED;

interface Poll {
  sentAt: number;
  state: string;
}

describe('requeue: a step starts as soon as RDS allows, whatever the platform polling interval', function () {
  this.timeout(300_000);
  let stack: Stack;
  let housekeeping: RunningHousekeeping;
  const source = randomUUID();

  before(async () => {
    stack = await startStack({
      emulator: { speed: SPEED },
      settleSeconds: 5,
      configure: (document: any) => {
        document.broker.retryAfterScale = SPEED;
        document.aws.coalesce = { enabled: true, windowMs: Math.round(250 * SPEED), maxIdentifiers: 100 };
        // RDS's request budget scaled as its durations are: the same number of calls per RDS step.
        document.aws.budget = { ratePerSecond: Math.round(11 / SPEED), burst: 280 };
      },
    });
    const requeue = attachRequeue(stack.broker.deps, stack.config.housekeeping.requeue);
    housekeeping = startHousekeeping({ ...stack.config.housekeeping, mode: 'always' }, housekeepingJobs(stack.broker.deps), {
      env: {},
      whileLeading: [requeue.whileLeading],
    });
    expect((await provisionAndWait(stack, source)).state).to.equal('succeeded');
    await takeSnapshot(stack, source, `snap-${source.slice(0, 8)}`);
  });
  after(async () => {
    await housekeeping?.stop();
    await stack?.stop();
  });

  async function pollEvery(instanceId: string, intervalMs: number, until: () => boolean): Promise<Poll[]> {
    const polls: Poll[] = [];
    for (let i = 0; i < 2000; i++) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      const sentAt = Date.now();
      const response = await stack.server.client.get(`/v2/service_instances/${instanceId}/last_operation?operation=restore`);
      expect(response.status, response.text).to.equal(200);
      polls.push({ sentAt, state: response.json.state });
      if (response.json.state !== 'in progress' && until()) return polls;
    }
    throw new Error(`the restore of ${instanceId} did not finish`);
  }

  it('the slowly polled restore answers succeeded at its first poll after the quickly polled one succeeded', async () => {
    const slow = randomUUID();
    const fast = randomUUID();
    // The same restore twice, requested together.
    for (const id of [slow, fast]) {
      const response = await requestRestore(stack, id, { restore_from_latest_snapshot_of: source });
      expect(response.status, response.text).to.equal(202);
    }
    let fastDoneAt: number | undefined;
    const [fastPolls, slowPolls] = await Promise.all([
      pollEvery(fast, FAST_POLL_MS, () => true).then((polls) => {
        fastDoneAt = polls[polls.length - 1]!.sentAt;
        return polls;
      }),
      // The slow platform keeps polling until it has polled once after the fast restore succeeded.
      pollEvery(slow, SLOW_POLL_MS, () => fastDoneAt !== undefined),
    ]);
    expect(fastPolls[fastPolls.length - 1]!.state).to.equal('succeeded');
    const firstAfter = slowPolls.find((poll) => fastDoneAt !== undefined && poll.sentAt >= fastDoneAt);
    expect(firstAfter, 'a slow poll after the fast restore succeeded').to.not.equal(undefined);
    expect(firstAfter!.state, `slow polls: ${slowPolls.map((p) => p.state).join(', ')}`).to.equal('succeeded');
  });
});
