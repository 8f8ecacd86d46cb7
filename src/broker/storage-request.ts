import { leastMaxAllocatedStorage } from '../config/storage.js';
import type { DesiredSettings } from '../reconcile/settings.js';

/** What the instance has now; absent on provision. */
export interface CurrentStorage {
  allocatedStorage: number;
  maxAllocatedStorage?: number;
}

/**
 * Pure: why the storage a provision or update asks for cannot be had, in the user's words, or
 * undefined when RDS will accept it. Checked before any change is made, so a refusal leaves the
 * instance as it was: a decrease (RDS never shrinks storage) and an autoscaling ceiling that is
 * not 10% above the storage the instance will have.
 */
export function storageRequestProblem(
  parameters: Record<string, unknown>,
  desired: DesiredSettings,
  current?: CurrentStorage,
): string | undefined {
  const askedSize = typeof parameters.allocated_storage === 'number' ? parameters.allocated_storage : undefined;
  const askedCeiling = typeof parameters.max_allocated_storage === 'number' ? parameters.max_allocated_storage : undefined;
  if (askedSize === undefined && askedCeiling === undefined) return undefined;
  if (askedSize !== undefined && current && askedSize < current.allocatedStorage) {
    return (
      `allocated_storage ${askedSize} is less than the ${current.allocatedStorage} GiB the instance has: ` +
      `RDS cannot shrink storage; ask for ${current.allocatedStorage} GiB or more`
    );
  }
  const size = Math.max(desired.allocatedStorage, current?.allocatedStorage ?? 0);
  const ceiling = desired.maxAllocatedStorage ?? current?.maxAllocatedStorage;
  const least = leastMaxAllocatedStorage(size);
  if (ceiling === undefined || ceiling >= least) return undefined;
  if (askedCeiling !== undefined) {
    return `max_allocated_storage ${askedCeiling} must be at least 10% above the instance's ${size} GiB of storage: ${least} GiB or more`;
  }
  return (
    `with ${size} GiB of storage the autoscaling ceiling of ${ceiling} GiB is too low (RDS needs it at least 10% above the storage): ` +
    `send max_allocated_storage of ${least} GiB or more too`
  );
}

/**
 * Pure: why an update cannot go ahead on an instance RDS reports `storage-full`, or undefined for
 * the one update RDS then takes: more storage (`allocated_storage` above what it has), alone. The
 * answer says what to do, since the user can usually do it.
 */
export function storageFullRefusal(
  parameters: Record<string, unknown>,
  planChanges: boolean,
  current: CurrentStorage,
  allowedMax: number | undefined,
): string | undefined {
  const grows = typeof parameters.allocated_storage === 'number' && parameters.allocated_storage > current.allocatedStorage;
  const others = Object.keys(parameters).filter((name) => name !== 'allocated_storage' && name !== 'max_allocated_storage');
  if (grows && !planChanges && others.length === 0) return undefined;
  const refusal = 'the instance is out of storage (RDS reports it storage-full) and RDS takes no other change until its storage grows';
  if (allowedMax !== undefined && allowedMax > current.allocatedStorage) {
    return (
      `${refusal}: first update it with only allocated_storage above ${current.allocatedStorage} GiB ` +
      `(this plan allows up to ${allowedMax} GiB), then ask for this change again`
    );
  }
  return `${refusal}, and this plan lets no user choose more: ask an operator to increase its allocated storage above ${current.allocatedStorage} GiB, then ask for this change again`;
}
