import type { ObservedInstance } from './observed.js';
import { parseStep, pendingSteps, Step } from './tags.js';

/**
 * Where an instance is in its life, in one word. Every path asks this one module — a repeated
 * provision, an update, GET instance, bindings, housekeeping, reconcile — so none can disagree
 * about whether an instance is idle (they once did: during storage-optimization a repeated PUT
 * answered 202 while last_operation answered succeeded).
 *
 * - idle: RDS shows a ready status, nothing pending in RDS, no pending step in the tags;
 * - busy: RDS or the broker still has work on it (wait);
 * - failed: RDS reports a terminal status (an operator must look);
 * - deleting: RDS is deleting it, or a deprovision was accepted (its PendingDelete tag);
 * - gone: RDS does not know it.
 */
export type Phase = 'idle' | 'busy' | 'failed' | 'deleting' | 'gone';

/** What an RDS status alone says (no tags, no pending modifications). */
export type StatusPhase = Exclude<Phase, 'gone'>;

const IDLE = new Set(['available', 'storage-optimization']);
const FAILED = new Set([
  'failed',
  'restore-error',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-credentials',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'insufficient-capacity',
  'storage-full',
]);

/** Maps every RDS instance status onto a phase. Unknown statuses are "busy": wait. */
export function statusPhase(status: string): StatusPhase {
  if (IDLE.has(status)) return 'idle';
  if (status === 'deleting') return 'deleting';
  if (FAILED.has(status) || status.startsWith('incompatible-')) return 'failed';
  return 'busy';
}

/** Whether RDS itself has finished with the instance: an idle status and no pending modified values. */
export function rdsIdle(observed: ObservedInstance): boolean {
  return statusPhase(observed.status) === 'idle' && observed.pendingModifications.length === 0;
}

/** Whether the broker has a step pending on the instance (a deprovision included). */
export function hasPendingWork(observed: ObservedInstance): boolean {
  return pendingSteps(observed.tags).length > 0 || parseStep(Step.delete, observed.tags[Step.delete]) !== undefined;
}

/** The phase of an observed instance (undefined: RDS does not know it). */
export function phase(observed: ObservedInstance | undefined): Phase {
  if (!observed) return 'gone';
  const byStatus = statusPhase(observed.status);
  if (byStatus === 'deleting' || parseStep(Step.delete, observed.tags[Step.delete])) return 'deleting';
  if (byStatus === 'failed') return 'failed';
  if (byStatus === 'busy' || observed.pendingModifications.length > 0 || pendingSteps(observed.tags).length > 0) return 'busy';
  return 'idle';
}

/** Statuses from which RDS accepts DeleteDBInstance now; from the others a delete must wait. */
const DELETABLE = new Set([
  'available',
  'storage-optimization',
  'failed',
  'restore-error',
  'inaccessible-encryption-credentials',
  'incompatible-credentials',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'storage-full',
  'stopped',
  'backing-up',
]);

export function canDeleteNow(status: string): boolean {
  return DELETABLE.has(status);
}

/**
 * Where the work on an instance stands, in one word, for metrics and operators: the accepted
 * deletion, else the first pending step (its tag), else RDS's own work — its status while that is
 * not a ready one, or `pending-modifications` — else `none`. Bounded: step tags and RDS statuses.
 */
export function currentStep(observed: ObservedInstance | undefined): string {
  if (!observed) return 'none';
  if (parseStep(Step.delete, observed.tags[Step.delete])) return Step.delete;
  const first = pendingSteps(observed.tags)[0];
  if (first) return first.step;
  if (statusPhase(observed.status) !== 'idle') return observed.status;
  return observed.pendingModifications.length > 0 ? 'pending-modifications' : 'none';
}
