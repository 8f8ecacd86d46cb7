import { expect } from 'chai';
import { OperationTracker, type OperationSighting } from '../../src/metrics/operations.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');

function seen(instanceId: string, overrides: Partial<OperationSighting> = {}): OperationSighting {
  return { instanceId, kind: 'provision', step: 'creating', state: 'in progress', ...overrides };
}

const sorted = <T extends { kind: string }>(rows: T[]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('OperationTracker: the operations in progress a replica has seen', () => {
  it('counts instances in progress by kind and step, each by its last sighting', () => {
    const tracker = new OperationTracker({ maxInstances: 100, forgetAfterMs: 10 * MINUTE });
    tracker.note(seen('a'), T0);
    tracker.note(seen('b'), T0);
    tracker.note(seen('c', { kind: 'restore', step: 'PendingResetMasterPassword' }), T0);
    // a moved on to a step: counted there only.
    tracker.note(seen('a', { step: 'PendingExtensions' }), T0 + 1000);
    expect(sorted(tracker.view(T0 + 2000).inProgress)).to.deep.equal(
      sorted([
        { kind: 'provision', step: 'creating', count: 1 },
        { kind: 'provision', step: 'PendingExtensions', count: 1 },
        { kind: 'restore', step: 'PendingResetMasterPassword', count: 1 },
      ]),
    );
  });

  it("ages the oldest operation of each kind from its Operation tag's time, else from when it was first seen", () => {
    const tracker = new OperationTracker({ maxInstances: 100, forgetAfterMs: 10 * MINUTE });
    tracker.note(seen('old', { startedAt: new Date(T0 - 30 * MINUTE) }), T0);
    tracker.note(seen('new', { startedAt: new Date(T0 - MINUTE) }), T0);
    tracker.note(seen('untagged', { kind: 'other', step: 'PendingResetMasterPassword' }), T0);
    tracker.note(seen('untagged', { kind: 'other', step: 'PendingResetMasterPassword' }), T0 + 2 * MINUTE);
    expect(sorted(tracker.view(T0 + 3 * MINUTE).oldestAgeSeconds)).to.deep.equal(
      sorted([
        { kind: 'provision', seconds: 33 * 60 },
        { kind: 'other', seconds: 3 * 60 },
      ]),
    );
  });

  it('an operation that ends leaves the view and is reported finished, once, with the kind it was seen under', () => {
    const tracker = new OperationTracker({ maxInstances: 100, forgetAfterMs: 10 * MINUTE });
    tracker.note(seen('a', { kind: 'update', step: 'modifying' }), T0);
    tracker.note(seen('d', { kind: 'deprovision', step: 'PendingDelete' }), T0);
    tracker.note(seen('f', { kind: 'restore', step: 'restore-error' }), T0);
    expect(tracker.note(seen('a', { kind: 'update', step: 'none', state: 'succeeded' }), T0 + 1)).to.deep.equal({
      kind: 'update',
      state: 'succeeded',
    });
    // A repeated poll of a finished operation counts nothing more.
    expect(tracker.note(seen('a', { kind: 'update', step: 'none', state: 'succeeded' }), T0 + 2)).to.equal(undefined);
    // A deprovision ends with its instance gone.
    expect(tracker.note(seen('d', { kind: 'deprovision', step: 'none', state: 'gone' }), T0 + 3)).to.deep.equal({
      kind: 'deprovision',
      state: 'succeeded',
    });
    expect(tracker.note(seen('f', { kind: 'restore', step: 'restore-error', state: 'failed' }), T0 + 4)).to.deep.equal({
      kind: 'restore',
      state: 'failed',
    });
    // Never seen in progress: nothing to report.
    expect(tracker.note(seen('z', { state: 'succeeded' }), T0 + 5)).to.equal(undefined);
    expect(tracker.view(T0 + 6)).to.deep.equal({ inProgress: [], oldestAgeSeconds: [] });
  });

  it('forgets an instance not seen within the limit (another replica may have finished it), and only that one', () => {
    const tracker = new OperationTracker({ maxInstances: 100, forgetAfterMs: 10 * MINUTE });
    tracker.note(seen('stale'), T0);
    tracker.note(seen('live'), T0);
    tracker.note(seen('live'), T0 + 9 * MINUTE);
    expect(tracker.view(T0 + 10 * MINUTE).inProgress).to.deep.equal([{ kind: 'provision', step: 'creating', count: 2 }]);
    expect(tracker.view(T0 + 10 * MINUTE + 1).inProgress).to.deep.equal([{ kind: 'provision', step: 'creating', count: 1 }]);
    expect(tracker.size).to.equal(1);
  });

  it('holds at most maxInstances, dropping the one seen longest ago', () => {
    const tracker = new OperationTracker({ maxInstances: 3, forgetAfterMs: 10 * MINUTE });
    tracker.note(seen('a', { step: 's-a' }), T0);
    tracker.note(seen('b', { step: 's-b' }), T0 + 1);
    tracker.note(seen('c', { step: 's-c' }), T0 + 2);
    tracker.note(seen('a', { step: 's-a' }), T0 + 3); // a is now the most recently seen
    tracker.note(seen('d', { step: 's-d' }), T0 + 4);
    expect(tracker.size).to.equal(3);
    expect(
      tracker
        .view(T0 + 5)
        .inProgress.map((r) => r.step)
        .sort(),
    ).to.deep.equal(['s-a', 's-c', 's-d']);
  });
});
