import { expect } from 'chai';
import {
  decideLeaseAction,
  leadershipValidUntil,
  leaseDurationSeconds,
  nextLeaseSpec,
  releasedLeaseSpec,
  retryDelayMs,
  timingProblems,
  type LeaseAction,
  type LeaseRecord,
} from '../../src/housekeeping/leaderDecision.js';
import { decideParticipation, effectiveMode } from '../../src/housekeeping/leadership.js';

const timings = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const t0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);

function lease(fields: Partial<LeaseRecord>): LeaseRecord {
  return { leaseTransitions: 3, resourceVersion: '42', leaseDurationSeconds: 15, ...fields };
}

describe('leader election decisions', () => {
  describe('decideLeaseAction', () => {
    // [description, lease, now (s), observedSince (s), expected]
    const cases: Array<[string, LeaseRecord | undefined, number, number, LeaseAction]> = [
      ['no lease object: create it', undefined, 0, 0, { kind: 'create' }],
      ['lease without holder (released): acquire at once', lease({ renewTime: at(0) }), 0, 0, { kind: 'acquire', reason: 'free' }],
      ['empty holder string counts as free', lease({ holderIdentity: '', renewTime: at(0) }), 1, 1, { kind: 'acquire', reason: 'free' }],
      ['our own lease: renew', lease({ holderIdentity: 'me', renewTime: at(-100) }), 0, -100, { kind: 'renew' }],
      ['our own lease, even long expired: renew', lease({ holderIdentity: 'me', renewTime: at(-1000) }), 0, 0, { kind: 'renew' }],
      [
        'another holder, renewed recently: wait until renewTime + duration',
        lease({ holderIdentity: 'other', renewTime: at(-5) }),
        0,
        -20,
        { kind: 'wait', holder: 'other', expiresAt: at(10) },
      ],
      [
        'another holder, expired by its renewTime and unchanged for a full duration here: take over',
        lease({ holderIdentity: 'other', renewTime: at(-16) }),
        0,
        -15,
        { kind: 'acquire', reason: 'expired' },
      ],
      [
        'exactly at expiry counts as expired',
        lease({ holderIdentity: 'other', renewTime: at(-15) }),
        0,
        -15,
        { kind: 'acquire', reason: 'expired' },
      ],
      [
        'expired by renewTime but only just seen here (clock skew, or a fresh replica): wait a duration by our clock',
        lease({ holderIdentity: 'other', renewTime: at(-100) }),
        0,
        -3,
        { kind: 'wait', holder: 'other', expiresAt: at(12) },
      ],
      [
        'renewTime in our future (the holder’s clock runs ahead): wait for it even if seen unchanged long',
        lease({ holderIdentity: 'other', renewTime: at(30) }),
        0,
        -60,
        { kind: 'wait', holder: 'other', expiresAt: at(45) },
      ],
      [
        'the holder’s own duration governs, not ours',
        lease({ holderIdentity: 'other', renewTime: at(-5), leaseDurationSeconds: 60 }),
        0,
        -30,
        { kind: 'wait', holder: 'other', expiresAt: at(55) },
      ],
      [
        'no renewTime at all: only the observation counts',
        lease({ holderIdentity: 'other', renewTime: undefined }),
        0,
        -15,
        { kind: 'acquire', reason: 'expired' },
      ],
      [
        'no duration in the lease: ours is assumed',
        lease({ holderIdentity: 'other', renewTime: at(-14), leaseDurationSeconds: undefined }),
        0,
        -20,
        { kind: 'wait', holder: 'other', expiresAt: at(1) },
      ],
    ];
    for (const [description, record, now, since, expected] of cases) {
      it(description, () => {
        expect(decideLeaseAction(record, 'me', at(now), timings, at(since))).to.deep.equal(expected);
      });
    }
  });

  describe('nextLeaseSpec', () => {
    it('create: we hold it, no transitions yet, acquired and renewed now', () => {
      expect(nextLeaseSpec({ kind: 'create' }, undefined, 'me', at(0), timings)).to.deep.equal({
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: at(0),
        renewTime: at(0),
        leaseTransitions: 0,
      });
    });
    it('renew: keeps acquireTime and transitions, moves renewTime', () => {
      const current = lease({ holderIdentity: 'me', acquireTime: at(-300), renewTime: at(-2) });
      expect(nextLeaseSpec({ kind: 'renew' }, current, 'me', at(0), timings)).to.deep.equal({
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: at(-300),
        renewTime: at(0),
        leaseTransitions: 3,
      });
    });
    it('acquire from another holder: one more transition, acquired now', () => {
      const current = lease({ holderIdentity: 'other', acquireTime: at(-300), renewTime: at(-20) });
      expect(nextLeaseSpec({ kind: 'acquire', reason: 'expired' }, current, 'me', at(0), timings)).to.deep.equal({
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: at(0),
        renewTime: at(0),
        leaseTransitions: 4,
      });
    });
    it('release: no holder, one-second duration, transitions kept', () => {
      expect(releasedLeaseSpec(lease({ holderIdentity: 'me' }), at(0))).to.deep.equal({
        leaseDurationSeconds: 1,
        acquireTime: at(0),
        renewTime: at(0),
        leaseTransitions: 3,
      });
    });
  });

  describe('timings', () => {
    const table: Array<[string, { leaseDurationMs: number; renewDeadlineMs: number; retryPeriodMs: number }, number]> = [
      ['the defaults (15/10/2) are valid', timings, 0],
      ['renew deadline equal to the duration is refused', { leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }, 1],
      ['renew deadline longer than the duration is refused', { leaseDurationMs: 10_000, renewDeadlineMs: 12_000, retryPeriodMs: 2_000 }, 1],
      [
        'retry period not shorter than the deadline is refused',
        { leaseDurationMs: 15_000, renewDeadlineMs: 5_000, retryPeriodMs: 5_000 },
        1,
      ],
      ['both wrong: both reported', { leaseDurationMs: 5_000, renewDeadlineMs: 6_000, retryPeriodMs: 7_000 }, 2],
    ];
    for (const [description, input, problems] of table) {
      it(description, () => expect(timingProblems(input)).to.have.length(problems));
    }
    it('writes the duration in whole seconds, rounding up', () => {
      expect(leaseDurationSeconds({ ...timings, leaseDurationMs: 1_500 })).to.equal(2);
      expect(leaseDurationSeconds({ ...timings, leaseDurationMs: 15_000 })).to.equal(15);
    });
    it('a leader may work until the send time of its last renewal plus the renew deadline', () => {
      expect(leadershipValidUntil(t0, timings)).to.equal(t0 + 10_000);
    });
    it('candidates retry with up to 20% jitter, leaders on the period exactly', () => {
      expect(retryDelayMs(true, timings, 0.9)).to.equal(2_000);
      expect(retryDelayMs(false, timings, 0)).to.equal(2_000);
      expect(retryDelayMs(false, timings, 1)).to.equal(2_400);
    });
  });

  describe('housekeeping mode', () => {
    const inCluster = { kind: 'in-cluster' } as const;
    const kubeconfig = { kind: 'kubeconfig', path: 'k.yaml' } as const;
    const table: Array<[Parameters<typeof decideParticipation>[0], Parameters<typeof decideParticipation>[1], string]> = [
      ['always', undefined, 'always'],
      ['always', inCluster, 'always'],
      ['never', inCluster, 'never'],
      ['never', undefined, 'never'],
      ['auto', inCluster, 'elect'],
      ['auto', kubeconfig, 'elect'],
      ['auto', undefined, 'never'],
      ['leader', inCluster, 'elect'],
      ['leader', kubeconfig, 'elect'],
    ];
    for (const [mode, access, expected] of table) {
      it(`${mode} with ${access?.kind ?? 'no Kubernetes API'} → ${expected}`, () => {
        expect(decideParticipation(mode, access).participation).to.equal(expected);
      });
    }
    it('RDS_BROKER_HOUSEKEEPING_MODE names this instance outside Kubernetes, over the file', () => {
      expect(effectiveMode('never', { RDS_BROKER_HOUSEKEEPING_MODE: 'always' })).to.equal('always');
      expect(effectiveMode('auto', { RDS_BROKER_HOUSEKEEPING_MODE: '' })).to.equal('auto');
      expect(effectiveMode('auto', {})).to.equal('auto');
      expect(() => effectiveMode('auto', { RDS_BROKER_HOUSEKEEPING_MODE: 'sometimes' })).to.throw(
        /must be one of auto, leader, always, never, not "sometimes"/,
      );
    });
    it('leader without a Kubernetes API refuses to start, saying why', () => {
      expect(() => decideParticipation('leader', undefined)).to.throw(/no Kubernetes API.*KUBERNETES_SERVICE_HOST.*kubeconfig/);
    });
  });
});
