/**
 * RDS takes one storage change (size, type, IOPS, throughput) at a time: after one is applied it
 * refuses another for six hours, or until the storage optimization that follows it is over,
 * whichever is longer. Creation is not a modification, so it starts no interval.
 */
import type { InstanceRecord } from './types.js';

export const STORAGE_CHANGE_INTERVAL_MS = 6 * 3_600_000;

/** RDS's words (InvalidParameterCombination). */
export const STORAGE_BEING_OPTIMIZED =
  "You can't currently modify the storage of this DB instance because the previous storage change is being optimized.";

/** The storage settings differ between two versions of a record. */
export function storageDiffers(before: InstanceRecord, after: InstanceRecord): boolean {
  return (
    before.allocatedStorage !== after.allocatedStorage ||
    before.storageType !== after.storageType ||
    before.iops !== after.iops ||
    before.storageThroughput !== after.storageThroughput
  );
}

/** Why a storage change cannot be taken now, or undefined when it can. */
export function storageChangeRefusal(inst: InstanceRecord, now: number): string | undefined {
  const t = inst.transition;
  const optimizing = t?.phases.slice(t.index).some((p) => p.status === 'storage-optimization');
  const recent = inst.lastStorageChangeAt !== undefined && now - inst.lastStorageChangeAt < STORAGE_CHANGE_INTERVAL_MS;
  return optimizing || recent ? STORAGE_BEING_OPTIMIZED : undefined;
}
