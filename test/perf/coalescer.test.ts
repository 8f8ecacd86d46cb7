import { expect } from 'chai';
import { Coalescer, type CoalescerTimers } from '../../src/aws/coalesce.js';

/**
 * The Coalescer's batching and pacing, with a hand-driven clock: every timer it asks for is
 * recorded with its delay and fired by the test, so pacing is checked without waiting.
 */
class ManualTimers implements CoalescerTimers {
  time = 1_000;
  scheduled: Array<{ run: () => void; delayMs: number; cancelled: boolean }> = [];

  now(): number {
    return this.time;
  }

  schedule(run: () => void, delayMs: number): () => void {
    const entry = { run, delayMs, cancelled: false };
    this.scheduled.push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  /** The timers not yet fired nor cancelled. */
  get live() {
    return this.scheduled.filter((s) => !s.cancelled);
  }

  /** Advances the clock by the earliest live timer's delay and fires it. */
  fireNext(): void {
    const next = this.live[0];
    if (!next) throw new Error('no timer is scheduled');
    this.time += next.delayMs;
    next.cancelled = true;
    next.run();
  }
}

/** A batch reader over a fixed table of values that records every batch it was asked for. */
function tableReader(table: Record<string, number>) {
  const batches: string[][] = [];
  let failNext: Error | undefined;
  return {
    batches,
    failOnce(error: Error) {
      failNext = error;
    },
    read: async (keys: string[]) => {
      batches.push([...keys]);
      if (failNext) {
        const error = failNext;
        failNext = undefined;
        throw error;
      }
      return new Map(keys.filter((k) => k in table).map((k) => [k, table[k]!] as const));
    },
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Coalescer (pacing and batching, hand-driven clock)', () => {
  it('sends a read that arrives after a quiet window on the next turn, with no wait', async () => {
    const timers = new ManualTimers();
    const reader = tableReader({ a: 1 });
    const coalescer = new Coalescer(reader.read, 200, 100, timers);
    const result = coalescer.get('a');
    expect(timers.live.map((t) => t.delayMs)).to.deep.equal([0]);
    timers.fireNext();
    expect(await result).to.equal(1);
    expect(reader.batches).to.deep.equal([['a']]);
  });

  it('joins the reads of one turn into one batch, and the same key asked twice into one identifier', async () => {
    const timers = new ManualTimers();
    const reader = tableReader({ a: 1, b: 2, c: 3 });
    const coalescer = new Coalescer(reader.read, 200, 100, timers);
    const results = Promise.all([coalescer.get('a'), coalescer.get('b'), coalescer.get('a'), coalescer.get('c')]);
    expect(timers.live).to.have.length(1);
    timers.fireNext();
    expect(await results).to.deep.equal([1, 2, 1, 3]);
    expect(reader.batches).to.deep.equal([['a', 'b', 'c']]);
  });

  it('holds reads that arrive within a window of the last batch until the window is over', async () => {
    const timers = new ManualTimers();
    const reader = tableReader({ a: 1, b: 2, c: 3 });
    const coalescer = new Coalescer(reader.read, 200, 100, timers);
    const first = coalescer.get('a');
    timers.fireNext(); // batch 1 starts at t=1000
    await first;
    timers.time += 50;
    const later = Promise.all([coalescer.get('b'), coalescer.get('c')]);
    // 150 ms of the window remain; one timer covers both reads.
    expect(timers.live.map((t) => t.delayMs)).to.deep.equal([150]);
    timers.fireNext();
    expect(await later).to.deep.equal([2, 3]);
    expect(reader.batches).to.deep.equal([['a'], ['b', 'c']]);
  });

  it('sends a full batch at once, without waiting for its window', async () => {
    const timers = new ManualTimers();
    const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
    const reader = tableReader(Object.fromEntries(keys.map((k, i) => [k, i])));
    const coalescer = new Coalescer(reader.read, 200, 3, timers);
    const results = Promise.all(keys.map((k) => coalescer.get(k)));
    // Two full batches went synchronously; the seventh key waits for its timer.
    expect(reader.batches).to.deep.equal([
      ['k0', 'k1', 'k2'],
      ['k3', 'k4', 'k5'],
    ]);
    expect(coalescer.waiting).to.equal(1);
    timers.fireNext();
    expect(await results).to.deep.equal([0, 1, 2, 3, 4, 5, 6]);
    expect(reader.batches[2]).to.deep.equal(['k6']);
  });

  it('resolves a key missing from the answer to undefined without touching the others', async () => {
    const timers = new ManualTimers();
    const reader = tableReader({ a: 1, c: 3 });
    const coalescer = new Coalescer(reader.read, 200, 100, timers);
    const results = Promise.all([coalescer.get('a'), coalescer.get('missing'), coalescer.get('c')]);
    timers.fireNext();
    expect(await results).to.deep.equal([1, undefined, 3]);
  });

  it('fails only the callers of a failed batch; the next batch works', async () => {
    const timers = new ManualTimers();
    const reader = tableReader({ a: 1, b: 2, c: 3 });
    const coalescer = new Coalescer(reader.read, 200, 100, timers);
    reader.failOnce(new Error('injected batch failure'));
    const failed = Promise.allSettled([coalescer.get('a'), coalescer.get('b')]);
    timers.fireNext();
    const outcomes = await failed;
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected']);
    expect(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : ''))).to.deep.equal([
      'injected batch failure',
      'injected batch failure',
    ]);
    const next = Promise.all([coalescer.get('a'), coalescer.get('c')]);
    timers.fireNext();
    expect(await next).to.deep.equal([1, 3]);
  });

  it('answers its callers even when the reader throws before returning a promise', async () => {
    const timers = new ManualTimers();
    const coalescer = new Coalescer<string, number>(
      () => {
        throw new Error('synchronous reader failure');
      },
      200,
      100,
      timers,
    );
    const result = coalescer.get('a');
    timers.fireNext();
    const outcome = (await Promise.allSettled([result]))[0]!;
    expect(outcome.status).to.equal('rejected');
  });

  it('close() sends waiting reads at once and cancels their timer', async () => {
    const timers = new ManualTimers();
    const reader = tableReader({ a: 1 });
    const coalescer = new Coalescer(reader.read, 200, 100, timers);
    const result = coalescer.get('a');
    coalescer.close();
    expect(timers.live).to.have.length(0);
    expect(await result).to.equal(1);
    expect(reader.batches).to.deep.equal([['a']]);
  });

  it('with the real timers, a burst of reads in one turn becomes batches of at most maxBatch', async () => {
    const reader = tableReader(Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`k${i}`, i])));
    const coalescer = new Coalescer(reader.read, 50, 100);
    const results = await Promise.all(Array.from({ length: 250 }, (_, i) => coalescer.get(`k${i}`)));
    expect(results).to.deep.equal(Array.from({ length: 250 }, (_, i) => i));
    expect(reader.batches.map((b) => b.length)).to.deep.equal([100, 100, 50]);
    await settle();
  });
});
