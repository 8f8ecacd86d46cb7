/**
 * A plan's storage as RDS will accept it (MariaDB, MySQL, PostgreSQL), checked when the
 * configuration loads, so an impossible plan fails at start-up with the field named instead of
 * failing every provision at CreateDBInstance. Pure. The rules are RDS's storage documentation's:
 *
 * - sizes: gp2 and gp3 20–65536 GiB, io1 and io2 100–65536, standard (magnetic) 5–3072;
 * - gp2 and standard take neither IOPS nor throughput;
 * - gp3 takes IOPS (12000–64000) and throughput (500–4000 MiB/s, at most 0.25 MiB/s per IOPS) only
 *   from 400 GiB; below, it runs at its baseline of 3000 IOPS and 125 MiB/s;
 * - io1 and io2 need IOPS, 1000–256000, 1–50 (io1) or 1–1000 (io2) per GiB; no throughput;
 * - the autoscaling ceiling (maxAllocatedStorage) is at least 10% above the allocated storage.
 */

export interface StorageSettings {
  storageType: string;
  allocatedStorage: number;
  iops?: number;
  storageThroughput?: number;
  maxAllocatedStorage?: number;
}

export interface StorageProblem {
  /** The field, as the plan's `rds` object names it. */
  field: keyof StorageSettings;
  message: string;
}

export const SIZE_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  gp2: [20, 65536],
  gp3: [20, 65536],
  io1: [100, 65536],
  io2: [100, 65536],
  standard: [5, 3072],
};

/** From this size gp3 IOPS and throughput can be provisioned. */
export const GP3_THRESHOLD_GIB = 400;
const GP3 = { iops: [12000, 64000], throughput: [500, 4000], baselineIops: 12000, baselineThroughput: 500, maxThroughputPerIops: 0.25 };
const PROVISIONED_IOPS = [1000, 256000];
const IOPS_PER_GIB: Readonly<Record<string, readonly [number, number]>> = { io1: [1, 50], io2: [1, 1000] };

/** The least autoscaling ceiling RDS accepts for a size: 10% above it. */
export function leastMaxAllocatedStorage(allocatedStorage: number): number {
  return Math.ceil((allocatedStorage * 11) / 10);
}

/** What RDS would refuse about these storage settings; empty when it accepts them. */
export function storageProblems(s: StorageSettings): StorageProblem[] {
  const problems: StorageProblem[] = [];
  const add = (field: keyof StorageSettings, message: string) => problems.push({ field, message });
  const range = SIZE_RANGE[s.storageType];
  if (!range) return [{ field: 'storageType', message: `must be one of ${Object.keys(SIZE_RANGE).join(', ')}` }];
  const [minSize, maxSize] = range;
  if (s.allocatedStorage < minSize || s.allocatedStorage > maxSize) {
    add('allocatedStorage', `must be ${minSize}–${maxSize} GiB for storage type ${s.storageType}`);
  }
  if (s.storageThroughput !== undefined && s.storageType !== 'gp3') {
    add('storageThroughput', `applies only to storage type gp3, not ${s.storageType}`);
  }
  switch (s.storageType) {
    case 'gp2':
    case 'standard':
      if (s.iops !== undefined) add('iops', `cannot be set for storage type ${s.storageType}; use gp3 (from 400 GiB), io1 or io2`);
      break;
    case 'gp3': {
      if (s.iops === undefined && s.storageThroughput === undefined) break;
      if (s.allocatedStorage < GP3_THRESHOLD_GIB) {
        const field = s.iops !== undefined ? 'iops' : 'storageThroughput';
        add(field, `can be set for gp3 only from ${GP3_THRESHOLD_GIB} GiB of allocatedStorage (below, gp3 gives 3000 IOPS and 125 MiB/s)`);
        break;
      }
      const iops = s.iops ?? GP3.baselineIops;
      const throughput = s.storageThroughput ?? GP3.baselineThroughput;
      if (iops < GP3.iops[0]! || iops > GP3.iops[1]!) add('iops', `must be ${GP3.iops[0]}–${GP3.iops[1]} for gp3`);
      if (throughput < GP3.throughput[0]! || throughput > GP3.throughput[1]!) {
        add('storageThroughput', `must be ${GP3.throughput[0]}–${GP3.throughput[1]} MiB/s for gp3`);
      } else if (throughput / iops > GP3.maxThroughputPerIops) {
        add(
          'storageThroughput',
          `must be at most ${GP3.maxThroughputPerIops} MiB/s per IOPS (${Math.floor(iops * GP3.maxThroughputPerIops)} with ${iops} IOPS)`,
        );
      }
      break;
    }
    default: {
      if (s.iops === undefined) {
        add('iops', `is required for storage type ${s.storageType}`);
        break;
      }
      const [minPerGib, maxPerGib] = IOPS_PER_GIB[s.storageType]!;
      if (s.iops < PROVISIONED_IOPS[0]! || s.iops > PROVISIONED_IOPS[1]!) {
        add('iops', `must be ${PROVISIONED_IOPS[0]}–${PROVISIONED_IOPS[1]} for ${s.storageType}`);
      } else if (s.iops < minPerGib * s.allocatedStorage || s.iops > maxPerGib * s.allocatedStorage) {
        add(
          'iops',
          `must be ${minPerGib}–${maxPerGib} IOPS per GiB of allocatedStorage for ${s.storageType} (${minPerGib * s.allocatedStorage}–${maxPerGib * s.allocatedStorage} with ${s.allocatedStorage} GiB)`,
        );
      }
    }
  }
  if (s.maxAllocatedStorage !== undefined) {
    const least = leastMaxAllocatedStorage(s.allocatedStorage);
    if (s.maxAllocatedStorage < least || s.maxAllocatedStorage > maxSize) {
      add('maxAllocatedStorage', `must be at least 10% above allocatedStorage (${least} GiB or more) and at most ${maxSize} GiB`);
    }
  }
  return problems;
}

/** The bounds a plan sets on the storage parameters (plan.userStorage). */
export interface UserStorageBounds {
  allocatedStorage?: { min: number; max: number };
  maxAllocatedStorage?: { max: number };
}

/**
 * What is wrong with a plan's bounds on `allocated_storage` and `max_allocated_storage`: the plan's
 * own values must lie within them, and every size the user may choose must still be storage RDS
 * accepts with the plan's IOPS and throughput (the rules are monotone in the size, so the two
 * ends decide). Fields are named from the plan (`userStorage.allocatedStorage.min`, …).
 */
export function userStorageProblems(
  rds: StorageSettings,
  bounds: UserStorageBounds | undefined,
): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const sizes = bounds?.allocatedStorage;
  if (sizes) {
    const where = 'userStorage.allocatedStorage';
    if (sizes.min > sizes.max) problems.push({ field: `${where}.min`, message: `${sizes.min} is above max (${sizes.max})` });
    if (rds.allocatedStorage < sizes.min || rds.allocatedStorage > sizes.max) {
      problems.push({ field: where, message: `must include rds.allocatedStorage (${rds.allocatedStorage} GiB), the default` });
    }
    for (const end of ['min', 'max'] as const) {
      const atEnd = storageProblems({ ...rds, allocatedStorage: sizes[end], maxAllocatedStorage: undefined });
      for (const problem of atEnd) {
        problems.push({ field: `${where}.${end}`, message: `with ${sizes[end]} GiB, rds.${problem.field} ${problem.message}` });
      }
    }
  }
  const ceiling = bounds?.maxAllocatedStorage;
  if (ceiling) {
    const where = 'userStorage.maxAllocatedStorage.max';
    const least = leastMaxAllocatedStorage(sizes?.min ?? rds.allocatedStorage);
    const largest = SIZE_RANGE[rds.storageType]?.[1] ?? 65536;
    if (ceiling.max < least || ceiling.max > largest) {
      problems.push({
        field: where,
        message: `must be at least ${least} GiB (10% above the smallest allocated storage) and at most ${largest}`,
      });
    }
    if (rds.maxAllocatedStorage !== undefined && rds.maxAllocatedStorage > ceiling.max) {
      problems.push({ field: where, message: `must include rds.maxAllocatedStorage (${rds.maxAllocatedStorage} GiB), the default` });
    }
  }
  return problems;
}
