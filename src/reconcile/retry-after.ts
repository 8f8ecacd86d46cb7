/**
 * The Retry-After policy: every "come back in N seconds" the broker answers — and, since the
 * housekeeping leader requeues on the same figure, every "look again in N seconds" it tells itself —
 * comes from here. No other module writes a literal.
 *
 * The figures are nominal: how long real RDS usually spends in a status. The one place that turns a
 * decision into a header or a requeue applies `effectiveRetryAfter` with the configured scale
 * (`broker.retryAfterScale`, 1 against real RDS), so an emulator that runs RDS's lifecycle faster can
 * have the broker come back as much sooner.
 */

/** How long RDS usually spends in a status, in seconds. */
const EXPECTED_SECONDS: Readonly<Record<string, number>> = {
  creating: 60,
  'backing-up': 30,
  modifying: 30,
  rebooting: 20,
  'resetting-master-credentials': 15,
  deleting: 60,
  upgrading: 120,
  'configuring-enhanced-monitoring': 30,
  maintenance: 60,
  starting: 30,
  renaming: 20,
  'storage-optimization': 60,
};

export const RetryAfter = {
  /** A status RDS is in (unknown statuses: 30 s). */
  forStatus: (status: string): number => EXPECTED_SECONDS[status] ?? 30,
  /** The next step is synchronous and could run at once (the pass stopped short of it). */
  nextStepNow: 1,
  /** RDS throttled or failed transiently after the gateway's retries. */
  rdsBusy: 15,
  /** RDS refused an action a step asked for: the broker tries again a minute later. */
  rdsRefused: 60,
  /** The database did not answer yet (starting, restarting, network). */
  databaseUnreachable: 15,
  /** The database's certificate did not verify: an operator's problem, so no hurry. */
  databaseTls: 60,
  /** A pending step this version does not know (written by a newer one). */
  unknownStep: 5,
  /** A pass ran its maximum number of actions and stopped. */
  passLimit: 5,
  /** A poll whose decision named no time. */
  fallback: 30,
  /**
   * The longest the housekeeping leader waits before looking at an instance with work pending
   * again, whatever the Retry-After: RDS's durations vary, and a step should start as soon as RDS
   * allows — as soon as a platform polling every second would see it. Reads go through the
   * coalesced describe (one call for up to 100 instances) and passes are rate-limited, so this costs
   * little of RDS's budget.
   */
  requeueAtMost: 1,
} as const;

/** When the requeue looks again, in milliseconds: the Retry-After, capped, scaled; at least 10 ms. */
export function requeueDelayMs(nominalSeconds: number, scale: number): number {
  return Math.max(10, Math.round(Math.min(nominalSeconds, RetryAfter.requeueAtMost) * scale * 1000));
}

/** The seconds to send or wait: nominal × scale, whole seconds, at least 1. */
export function effectiveRetryAfter(nominalSeconds: number, scale: number): number {
  return Math.max(1, Math.ceil(nominalSeconds * scale));
}
