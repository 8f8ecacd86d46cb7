import { expect } from 'chai';
import { DelayQueue, type QueueClock } from '../../src/housekeeping/delay-queue.js';

/** A clock that only moves when a sleep asks it to. */
function fakeClock(): QueueClock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

describe('delay queue (AddAfter semantics, rate-limited)', () => {
  it('hands out keys when due, earliest first', async () => {
    const clock = fakeClock();
    const queue = new DelayQueue<string>({ perSecond: 100, burst: 10 }, clock);
    queue.addAfter('b', 200);
    queue.addAfter('a', 100);
    const signal = new AbortController().signal;
    expect(await queue.next(signal)).to.equal('a');
    expect(clock.t).to.equal(100);
    expect(await queue.next(signal)).to.equal('b');
    expect(clock.t).to.equal(200);
  });

  const table: Array<[string, number, number, number]> = [
    ['a later AddAfter keeps the earlier time', 100, 500, 100],
    ['an earlier AddAfter moves the key forward', 500, 100, 100],
    ['the same time twice is one entry', 300, 300, 300],
  ];
  for (const [name, first, second, expected] of table) {
    it(name, () => {
      const queue = new DelayQueue<string>({ perSecond: 1, burst: 1 }, fakeClock());
      queue.addAfter('x', first);
      queue.addAfter('x', second);
      expect(queue.size).to.equal(1);
      expect(queue.dueAt('x')).to.equal(expected);
    });
  }

  it('after the burst, hands out no faster than the rate', async () => {
    const clock = fakeClock();
    const queue = new DelayQueue<number>({ perSecond: 2, burst: 2 }, clock);
    for (let i = 0; i < 4; i++) queue.addAfter(i, 0);
    const signal = new AbortController().signal;
    const times: number[] = [];
    for (let i = 0; i < 4; i++) {
      await queue.next(signal);
      times.push(clock.t);
    }
    expect(times).to.deep.equal([0, 0, 500, 1000]);
  });

  it('answers undefined once its signal aborts', async () => {
    const controller = new AbortController();
    controller.abort();
    expect(await new DelayQueue<string>({ perSecond: 1, burst: 1 }, fakeClock()).next(controller.signal)).to.equal(undefined);
  });
});
