/**
 * The decisions of leader election, free of I/O and clocks: given the Lease as last read, who we
 * are and what time it is, what should this elector do? The elector in leader.ts carries them out.
 *
 * The rules follow client-go's leaderelection package, with one safety addition: a lease counts as
 * expired only when BOTH its renewTime is older than its duration (the holder's clock) AND this
 * elector has seen it unchanged for that long (its own clock). The first alone trusts clocks to
 * agree across nodes; the second alone makes a fresh replica wait a full duration even for a lease
 * abandoned long ago — which it does anyway, and that is the price of never taking over from a
 * live leader whose node's clock runs behind ours.
 */

/** What an elector needs of a coordination.k8s.io/v1 Lease, normalised from the API's shape. */
export interface LeaseRecord {
  /** Absent or empty: nobody holds the lease (never held, or released). */
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: Date;
  renewTime?: Date;
  leaseTransitions: number;
  resourceVersion: string;
}

/** The spec fields an elector writes. */
export interface LeaseSpecFields {
  holderIdentity?: string;
  leaseDurationSeconds: number;
  acquireTime: Date;
  renewTime: Date;
  leaseTransitions: number;
}

export interface LeaseTimings {
  /** How long a lease is good for after its last renewal: how long the others wait. */
  leaseDurationMs: number;
  /** A leader that has not renewed for this long stops leading. Must be shorter than the duration. */
  renewDeadlineMs: number;
  /** Pause between attempts to acquire or renew. */
  retryPeriodMs: number;
}

export type LeaseAction =
  /** No Lease object exists yet: create it with us as holder. */
  | { kind: 'create' }
  /** The lease is free or expired: take it (an update guarded by its resourceVersion). */
  | { kind: 'acquire'; reason: 'free' | 'expired' }
  /** We hold it: renew it. */
  | { kind: 'renew' }
  /** Someone else holds a lease that has not expired: wait, and do not lead. */
  | { kind: 'wait'; holder: string; expiresAt: Date };

/** Config-to-runtime check: the relations between the timings that make the election safe. */
export function timingProblems(timings: LeaseTimings): string[] {
  const problems: string[] = [];
  const { leaseDurationMs, renewDeadlineMs, retryPeriodMs } = timings;
  if (!(retryPeriodMs > 0)) problems.push('retry period must be positive');
  if (!(renewDeadlineMs < leaseDurationMs)) {
    problems.push(
      `renew deadline (${renewDeadlineMs / 1000}s) must be shorter than the lease duration (${leaseDurationMs / 1000}s), or a leader could still be working after another took over`,
    );
  }
  if (!(retryPeriodMs < renewDeadlineMs)) {
    problems.push(
      `retry period (${retryPeriodMs / 1000}s) must be shorter than the renew deadline (${renewDeadlineMs / 1000}s), or a leader gets no second chance to renew`,
    );
  }
  return problems;
}

/** The duration written into the Lease: whole seconds, rounded up so nobody waits less than we mean. */
export function leaseDurationSeconds(timings: LeaseTimings): number {
  return Math.max(1, Math.ceil(timings.leaseDurationMs / 1000));
}

/**
 * @param observedSince when this elector first saw the lease at its current resourceVersion (its own
 *   clock); for a lease it has just read for the first time, that is now.
 */
export function decideLeaseAction(
  lease: LeaseRecord | undefined,
  identity: string,
  now: Date,
  timings: LeaseTimings,
  observedSince: Date,
): LeaseAction {
  if (!lease) return { kind: 'create' };
  const holder = lease.holderIdentity ?? '';
  if (holder === '') return { kind: 'acquire', reason: 'free' };
  if (holder === identity) return { kind: 'renew' };
  const durationMs = (lease.leaseDurationSeconds ?? leaseDurationSeconds(timings)) * 1000;
  const byObservation = observedSince.getTime() + durationMs;
  const byRenewTime = lease.renewTime ? lease.renewTime.getTime() + durationMs : byObservation;
  const expiresAt = new Date(Math.max(byObservation, byRenewTime));
  if (now.getTime() >= expiresAt.getTime()) return { kind: 'acquire', reason: 'expired' };
  return { kind: 'wait', holder, expiresAt };
}

/** The spec to write for a create, acquire or renew. */
export function nextLeaseSpec(
  action: Exclude<LeaseAction, { kind: 'wait' }>,
  lease: LeaseRecord | undefined,
  identity: string,
  now: Date,
  timings: LeaseTimings,
): LeaseSpecFields {
  const base = { holderIdentity: identity, leaseDurationSeconds: leaseDurationSeconds(timings), renewTime: now };
  switch (action.kind) {
    case 'create':
      return { ...base, acquireTime: now, leaseTransitions: 0 };
    case 'renew':
      return { ...base, acquireTime: lease?.acquireTime ?? now, leaseTransitions: lease?.leaseTransitions ?? 0 };
    case 'acquire': {
      // A transition is a change of holder; taking a released lease back is one too, as in client-go.
      const transitions = lease?.leaseTransitions ?? 0;
      return { ...base, acquireTime: now, leaseTransitions: lease?.holderIdentity === identity ? transitions : transitions + 1 };
    }
  }
}

/**
 * The spec that gives the lease up: no holder, and a one-second duration so that an elector which
 * reads it before noticing the empty holder does not wait long.
 */
export function releasedLeaseSpec(lease: LeaseRecord, now: Date): LeaseSpecFields {
  return { leaseDurationSeconds: 1, acquireTime: now, renewTime: now, leaseTransitions: lease.leaseTransitions };
}

/**
 * Until when a leader may go on working: its last successful renewal counts from the moment the
 * request was SENT (the server stored it later, so the others' wait starts later still), plus the
 * renew deadline, which is shorter than the duration the others wait.
 */
export function leadershipValidUntil(lastRenewSentAt: number, timings: LeaseTimings): number {
  return lastRenewSentAt + timings.renewDeadlineMs;
}

/** Candidates retry with jitter so that replicas started together do not collide every round. */
export function retryDelayMs(leading: boolean, timings: LeaseTimings, random: number): number {
  return leading ? timings.retryPeriodMs : Math.round(timings.retryPeriodMs * (1 + 0.2 * random));
}
