import type { ObservedInstance } from '../reconcile/observed.js';
import { statusPhase } from '../reconcile/phase.js';
import type { OperationKind } from '../reconcile/tags.js';

/**
 * What a failed operation leaves behind, as OSB 2.16+ lets a broker say on `last_operation`:
 * `instance_usable` after a failed update or deprovision, `update_repeatable` after a failed update.
 * The spec says both MUST NOT be present for other operations. Pure.
 *
 * True to the instance: a plan change RDS refused (and the broker rolled back) or a deletion that
 * never started leaves an instance RDS still serves — usable, and the same update may be tried
 * again; an instance RDS reports in a terminal status (failed, storage-full, incompatible-…) is not
 * usable, and repeating the same update will not get past that status.
 */
export interface FailedOperationFields {
  instance_usable?: boolean;
  update_repeatable?: boolean;
}

export function failedOperationFields(operation: OperationKind | undefined, observed: ObservedInstance | undefined): FailedOperationFields {
  const usable = observed !== undefined && statusPhase(observed.status) !== 'failed';
  if (operation === 'update' || operation === 'upgrade') return { instance_usable: usable, update_repeatable: usable };
  if (operation === 'deprovision') return { instance_usable: usable };
  return {};
}
