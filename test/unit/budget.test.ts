import { expect } from 'chai';
import {
  BudgetExhaustedError,
  currentBudgetContext,
  DEFAULT_BUDGET,
  RequestBudget,
  withBudgetPriority,
  type BudgetClock,
  type BudgetPriority,
  type BudgetSettings,
} from '../../src/aws/budget.js';

/** A clock driven by the test: timers fire only when advance() passes them. */
class ManualClock implements BudgetClock {
  private at = 0;
  private timers = new Map<number, { at: number; callback: () => void }>();
  private nextId = 1;
  now(): number {
    return this.at;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.at + ms, callback });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward in steps of 1 ms at most between due timers, running each when due. */
  async advance(ms: number): Promise<void> {
    const end = this.at + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.at = Math.max(this.at, due[1].at);
      due[1].callback();
      await flush();
    }
    this.at = end;
    await flush();
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

const settings = (overrides: Partial<BudgetSettings> = {}): BudgetSettings => ({
  ...DEFAULT_BUDGET,
  burst: 10,
  ratePerSecond: 2,
  maxWaitMs: 5000,
  backgroundMaxWaitMs: 60000,
  backgroundReserve: 0.5,
  adaptive: true,
  ...overrides,
});

/** Starts a take and records when and how it settled. */
function track(budget: RequestBudget, priority: BudgetPriority, log: string[], name: string, unbounded = false) {
  const outcome: { granted?: boolean; error?: unknown } = {};
  budget.take(priority, unbounded).then(
    () => {
      outcome.granted = true;
      log.push(name);
    },
    (error: unknown) => {
      outcome.granted = false;
      outcome.error = error;
      log.push(`${name}:refused`);
    },
  );
  return outcome;
}

describe('RDS request budget (src/aws/budget.ts)', () => {
  it('grants the burst at once, then one token per 1/rate seconds', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings(), clock);
    const log: string[] = [];
    for (let i = 0; i < 10; i++) track(budget, 'request', log, `r${i}`);
    await flush();
    expect(log).to.have.length(10);
    const late = track(budget, 'request', log, 'late');
    await flush();
    expect(late.granted).to.equal(undefined);
    await clock.advance(400);
    expect(late.granted).to.equal(undefined);
    await clock.advance(150);
    expect(late.granted).to.equal(true);
  });

  it('serves requests before polls before background, whatever the order they arrived in', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 1, backgroundReserve: 0 }), clock);
    const log: string[] = [];
    track(budget, 'request', log, 'first');
    await flush();
    track(budget, 'background', log, 'b1');
    track(budget, 'poll', log, 'p1');
    track(budget, 'request', log, 'r1');
    track(budget, 'poll', log, 'p2');
    track(budget, 'request', log, 'r2');
    await clock.advance(5000);
    expect(log).to.deep.equal(['first', 'r1', 'r2', 'p1', 'p2', 'b1']);
  });

  it('background work leaves the reserve to requests and waits while anything else waits', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 10, backgroundReserve: 0.5 }), clock);
    const log: string[] = [];
    for (let i = 0; i < 6; i++) track(budget, 'background', log, `b${i}`);
    await flush();
    // 10 tokens, reserve 5: background takes while a token above the reserve remains, 5 of them.
    expect(log).to.deep.equal(['b0', 'b1', 'b2', 'b3', 'b4']);
    for (let i = 0; i < 6; i++) track(budget, 'request', log, `r${i}`);
    await flush();
    // Requests may spend the reserve: 5 at once, the sixth waits for the next token, before b5.
    expect(log.slice(5)).to.deep.equal(['r0', 'r1', 'r2', 'r3', 'r4']);
    await clock.advance(600);
    expect(log.slice(10)).to.deep.equal(['r5']);
    // b5 waits until the bucket holds more than the reserve again: 6 tokens at 2/s, about 3 s.
    await clock.advance(2000);
    expect(budget.waiting('background')).to.equal(1);
    await clock.advance(1500);
    expect(log.slice(11)).to.deep.equal(['b5']);
  });

  it('refuses at once what it could not serve within the bound, with a Retry-After, and serves the rest', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 5, ratePerSecond: 1, maxWaitMs: 3000 }), clock);
    const log: string[] = [];
    const outcomes = Array.from({ length: 12 }, (_, i) => track(budget, 'request', log, `r${i}`));
    await flush();
    const refusedNow = outcomes.filter((o) => o.granted === false);
    // 5 from the burst, 3 more within 3 s at 1/s: 8 served, 4 refused without waiting.
    expect(refusedNow).to.have.length(4);
    const error = refusedNow[0]?.error as BudgetExhaustedError;
    expect(error).to.be.instanceOf(BudgetExhaustedError);
    expect(error.retryAfterSeconds).to.be.greaterThanOrEqual(1);
    expect(error.message).to.match(/request budget is exhausted/);
    expect(error.retryable).to.equal(true);
    await clock.advance(3100);
    expect(outcomes.filter((o) => o.granted === true)).to.have.length(8);
  });

  it('a waiter past its bound is refused when the rate fell meanwhile', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 1, ratePerSecond: 1, maxWaitMs: 2500 }), clock);
    const log: string[] = [];
    track(budget, 'request', log, 'r0');
    await flush();
    const waiting = [track(budget, 'request', log, 'r1'), track(budget, 'request', log, 'r2')];
    await flush();
    budget.onThrottled(); // rate halves to 0.5/s, bucket emptied
    await clock.advance(3000);
    expect(waiting.map((w) => w.granted)).to.deep.equal([true, false]);
  });

  it("bounds a request's wait from the request's start, not per call: its later call gets only what is left", async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 10, ratePerSecond: 2, maxWaitMs: 5000 }), clock);
    const log: string[] = [];
    for (let i = 0; i < 10; i++) track(budget, 'request', log, `burst${i}`);
    // The request's first call (a describe) waits half a second for its token.
    const first = budget.take('request', false, 0);
    for (let i = 0; i < 9; i++) track(budget, 'request', log, `other${i}`);
    await clock.advance(500);
    await first;
    // Its second call (the create), behind 9 others: 5 s more at 2/s. Counted per call that fits
    // the 5 s bound; counted from the request's start (0.5 s ago) it does not, so it is refused now.
    const outcomes = { ofRequest: {} as { granted?: boolean; error?: unknown }, perCall: {} as { granted?: boolean } };
    budget.take('request', false, 0).then(
      () => (outcomes.ofRequest.granted = true),
      (error: unknown) => Object.assign(outcomes.ofRequest, { granted: false, error }),
    );
    budget.take('request').then(
      () => (outcomes.perCall.granted = true),
      () => (outcomes.perCall.granted = false),
    );
    await flush();
    expect(outcomes.ofRequest.granted).to.equal(false);
    expect(outcomes.ofRequest.error).to.be.instanceOf(BudgetExhaustedError);
    expect(outcomes.perCall.granted).to.equal(undefined);
    await clock.advance(5000);
    expect(outcomes.perCall.granted).to.equal(true);
  });

  it('refuses a waiting call of a request once the request as a whole has waited the bound', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 1, ratePerSecond: 1, maxWaitMs: 3000 }), clock);
    const log: string[] = [];
    track(budget, 'request', log, 'r0');
    await clock.advance(2000);
    // The request began 2 s ago; this call is estimated to go in 1 s, within what is left, and queues.
    const late = { granted: undefined as boolean | undefined };
    budget.take('request', false, 0).then(
      () => (late.granted = true),
      () => (late.granted = false),
    );
    await flush();
    expect(late.granted).to.equal(true);
    // Two more calls of the same request behind an empty bucket: the first fits what is left (1 s), the second not.
    const calls = [{ granted: undefined as boolean | undefined }, { granted: undefined as boolean | undefined }];
    for (const call of calls)
      budget.take('request', false, 0).then(
        () => (call.granted = true),
        () => (call.granted = false),
      );
    await clock.advance(1500);
    expect(calls.map((c) => c.granted)).to.deep.equal([true, false]);
  });

  it('background work is bounded per call, however long its job has run', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 2, ratePerSecond: 1, backgroundMaxWaitMs: 3000, backgroundReserve: 0 }), clock);
    const log: string[] = [];
    await clock.advance(600_000);
    track(budget, 'request', log, 'r0');
    track(budget, 'request', log, 'r1');
    // The job began ten minutes ago (clock 0); this call waits its own bound.
    const call = { granted: undefined as boolean | undefined };
    budget.take('background', false, 0).then(
      () => (call.granted = true),
      () => (call.granted = false),
    );
    await clock.advance(1500);
    expect(call.granted).to.equal(true);
  });

  it('an operation that already changed something waits without bound', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ burst: 1, ratePerSecond: 1, maxWaitMs: 1000 }), clock);
    const log: string[] = [];
    track(budget, 'request', log, 'r0');
    const bounded = [track(budget, 'request', log, 'r1'), track(budget, 'request', log, 'r2')];
    const unbounded = track(budget, 'request', log, 'commit', true);
    await flush();
    expect(bounded.map((b) => b.granted)).to.deep.equal([undefined, false]);
    await clock.advance(3000);
    expect(unbounded.granted).to.equal(true);
  });

  it('halves the rate on a throttle (once per burst of throttles) and raises it back in calm', async () => {
    const clock = new ManualClock();
    const budget = new RequestBudget(settings({ ratePerSecond: 10 }), clock);
    budget.onThrottled();
    budget.onThrottled();
    expect(budget.rate).to.equal(5);
    expect(budget.tokens).to.equal(0);
    await clock.advance(1000);
    budget.onThrottled();
    expect(budget.rate).to.equal(2.5);
    await clock.advance(1500);
    expect(budget.rate).to.equal(2.5); // not calm yet (2 s after the last throttle)
    await clock.advance(10000);
    expect(budget.rate).to.be.greaterThan(2.5);
    await clock.advance(30000);
    expect(budget.rate).to.equal(10);
  });

  it('never lowers the rate below a tenth of the configured one, and a fixed budget does not adapt', () => {
    const clock = new ManualClock();
    const adaptive = new RequestBudget(settings({ ratePerSecond: 10 }), clock);
    const fixed = new RequestBudget(settings({ ratePerSecond: 10, adaptive: false }), clock);
    for (let i = 0; i < 20; i++) {
      adaptive.onThrottled();
      fixed.onThrottled();
      (clock as unknown as { at: number }).at += 1000;
    }
    expect(adaptive.rate).to.equal(1);
    expect(fixed.rate).to.equal(10);
  });

  it('a disabled budget grants everything at once', async () => {
    const budget = new RequestBudget(settings({ enabled: false, burst: 1 }), new ManualClock());
    const log: string[] = [];
    for (let i = 0; i < 50; i++) track(budget, 'poll', log, `p${i}`);
    await flush();
    expect(log).to.have.length(50);
  });

  it('carries the priority through async work; outside any, calls count as polls', async () => {
    expect(currentBudgetContext().priority).to.equal('poll');
    const seen = await withBudgetPriority('background', async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentBudgetContext().priority;
    });
    expect(seen).to.equal('background');
  });
});
