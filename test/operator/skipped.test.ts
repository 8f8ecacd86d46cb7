import { expect } from 'chai';
import fc from 'fast-check';
import { decodeSkipped, recordSkip, SKIPPED_TAG_LIMIT } from '../../src/operator/skipped.js';
import { Step, type StepTag } from '../../src/reconcile/tags.js';

/** What RDS accepts in a tag value, written out here from the RDS documentation, not taken from the code. */
const RDS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

const t1 = new Date('2026-03-10T12:00:00.123Z');
const t2 = new Date('2026-03-11T08:30:05Z');

describe('the Skipped Steps tag', () => {
  it('records step, time to the second and reason, newest first', () => {
    const first = recordSkip(undefined, Step.reboot, t1, 'rebooted by hand in the console');
    expect(first.value).to.equal('PendingReboot@2026-03-10T12:00:00Z: rebooted by hand in the console');
    const second = recordSkip(first.value, Step.neutraliseUsers, t2, 'users dropped with psql, ticket OPS-42');
    expect(second.value).to.equal(
      'PendingResetUserPassword@2026-03-11T08:30:05Z: users dropped with psql_ ticket OPS-42 PendingReboot@2026-03-10T12:00:00Z: rebooted by hand in the console',
    );
    expect(decodeSkipped(second.value)).to.deep.equal([
      { step: 'PendingResetUserPassword', at: t2, reason: 'users dropped with psql_ ticket OPS-42' },
      { step: 'PendingReboot', at: new Date('2026-03-10T12:00:00Z'), reason: 'rebooted by hand in the console' },
    ]);
  });

  it('replaces what tags do not allow and collapses whitespace', () => {
    const record = recordSkip(undefined, Step.extensions, t1, '  created "citext";\n\tby hand (DBA)  ');
    expect(record.recordedReason).to.equal('created _citext__ by hand _DBA_');
    expect(record.value).to.match(RDS_TAG_VALUE);
  });

  it('drops the oldest entries whole when the newest does not fit beside them', () => {
    let value: string | undefined;
    const reasons = Array.from({ length: 8 }, (_, i) => `reason number ${i} ${'x'.repeat(30)}`);
    reasons.forEach((reason, i) => {
      value = recordSkip(value, Step.reboot, new Date(t1.getTime() + i * 1000), reason).value;
    });
    const entries = decodeSkipped(value);
    expect(value!.length).to.be.at.most(SKIPPED_TAG_LIMIT);
    expect(entries[0]!.reason).to.equal(reasons[7]);
    expect(entries.map((e) => e.reason)).to.deep.equal(reasons.slice(8 - entries.length).reverse());
    expect(entries.length).to.be.greaterThan(1).and.lessThan(8);
  });

  it('shortens a reason longer than a tag holds, and says so', () => {
    const record = recordSkip('PendingReboot@2026-03-09T00:00:00Z: old', Step.delete, t1, 'y'.repeat(400));
    expect(record.shortened).to.equal(true);
    expect(record.dropped).to.equal(1);
    expect(record.value.length).to.be.at.most(SKIPPED_TAG_LIMIT);
    expect(record.value.startsWith('PendingDelete@2026-03-10T12:00:00Z: yyy')).to.equal(true);
    expect(record.value.endsWith('...')).to.equal(true);
  });

  it('never cuts a character in half when shortening', () => {
    const record = recordSkip(undefined, Step.reboot, t1, '𝒜'.repeat(200));
    expect(record.shortened).to.equal(true);
    expect(record.value).to.match(RDS_TAG_VALUE);
    expect(record.value.length).to.be.at.most(SKIPPED_TAG_LIMIT);
  });

  it('cannot be confused by a reason that looks like another entry', () => {
    const record = recordSkip(undefined, Step.reboot, t1, 'see PendingReboot@2026-01-01T00:00:00Z: earlier');
    const entries = decodeSkipped(record.value);
    expect(entries).to.have.length(1);
    expect(entries[0]!.reason).to.contain('earlier');
  });

  it('always yields a value RDS accepts, at most 256 characters, with the new entry first', () => {
    const steps = Object.values(Step) as StepTag[];
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(...steps), fc.string({ maxLength: 300, unit: 'grapheme' }), fc.integer({ min: 0, max: 10_000_000 })),
          { minLength: 1, maxLength: 12 },
        ),
        (skips) => {
          let value: string | undefined;
          for (const [step, reason, offset] of skips) {
            value = recordSkip(value, step, new Date(t1.getTime() + offset * 1000), reason).value;
            expect(value.length).to.be.at.most(SKIPPED_TAG_LIMIT);
            expect(value).to.match(RDS_TAG_VALUE);
            expect(decodeSkipped(value)[0]!.step).to.equal(step);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
