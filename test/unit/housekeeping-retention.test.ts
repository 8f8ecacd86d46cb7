import { expect } from 'chai';
import { snapshotsToDelete } from '../../src/housekeeping/jobs.js';
import type { ObservedSnapshot } from '../../src/aws/observe.js';

const now = new Date('2026-11-25T00:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);

function snapshot(
  identifier: string,
  overrides: Partial<ObservedSnapshot> = {},
  tags: Record<string, string> = { 'Broker Name': 'mine' },
): ObservedSnapshot {
  return {
    identifier,
    arn: `arn:${identifier}`,
    instanceIdentifier: 'i',
    status: 'available',
    type: 'manual',
    engine: 'postgres',
    engineVersion: '17.4',
    createdAt: daysAgo(1),
    tags,
    ...overrides,
  };
}

describe('snapshot retention', () => {
  const retention = { brokerName: 'mine', retentionDays: 30, finalSnapshotRetentionDays: 90 };
  it("deletes only this broker's manual snapshots past their retention", () => {
    const all = [
      snapshot('old-mine', { createdAt: daysAgo(31) }),
      snapshot('recent-mine', { createdAt: daysAgo(29) }),
      snapshot('old-foreign', { createdAt: daysAgo(400) }, { 'Broker Name': 'other' }),
      snapshot('old-untagged', { createdAt: daysAgo(400) }, {}),
      snapshot('old-automated', { createdAt: daysAgo(400), type: 'automated' }),
      snapshot('old-creating', { createdAt: daysAgo(400), status: 'creating' }),
    ];
    expect(snapshotsToDelete(all, retention, now).map((s) => s.identifier)).to.deep.equal(['old-mine']);
  });
  it("keeps a deleted instance's final snapshot for its own retention, counted from the deletion", () => {
    const final = (id: string, deleted: number) =>
      snapshot(id, { createdAt: daysAgo(500) }, { 'Broker Name': 'mine', 'Deleted at': daysAgo(deleted).toISOString() });
    expect(snapshotsToDelete([final('final-60', 60), final('final-91', 91)], retention, now).map((s) => s.identifier)).to.deep.equal([
      'final-91',
    ]);
  });
});
