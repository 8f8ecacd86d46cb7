/**
 * Storage of a DB instance as RDS accepts, validates and describes it for MariaDB, MySQL and
 * PostgreSQL: the storage type, its size, provisioned IOPS and throughput, and the storage
 * autoscaling ceiling (MaxAllocatedStorage). Sizes and IOPS ranges are those
 * DescribeOrderableDBInstanceOptions reports (model/instance-classes.ts), so the two never disagree.
 *
 * The rules, from RDS's storage documentation:
 * - gp2 and standard: no provisioned IOPS, no throughput;
 * - gp3: below 400 GiB the baseline (3,000 IOPS, 125 MiB/s) and nothing may be provisioned; from
 *   400 GiB the baseline is 12,000 IOPS and 500 MiB/s, and IOPS 12,000–64,000 and throughput
 *   500–4,000 MiB/s may be provisioned, with at most 0.25 MiB/s per IOPS;
 * - io1 and io2: IOPS required, 1,000–256,000, within the IOPS-per-GiB ratio of the type; no throughput;
 * - MaxAllocatedStorage at least 10% above the allocated storage, and within the type's maximum.
 */
import { classOffersStorage, storageOptionOf } from '../model/instance-classes.js';
import type { EngineName } from '../model/types.js';
import { invalidCombination, invalidValue } from './errors.js';

export interface Storage {
  storageType: string;
  allocatedStorage: number;
  /** Provisioned IOPS (io1, io2, gp3 from 400 GiB); absent: none provisioned. */
  iops?: number;
  /** Provisioned throughput in MiB/s (gp3 from 400 GiB); absent: the baseline. */
  storageThroughput?: number;
}

/** From this size gp3 stripes over four volumes, with a higher baseline, and IOPS and throughput can be provisioned. */
export const GP3_THRESHOLD_GIB = 400;
const GP3_PROVISIONED = { iops: [12000, 64000], throughput: [500, 4000], maxThroughputPerIops: 0.25 } as const;

/** gp3's baseline at a size: what RDS describes when nothing is provisioned. */
export function gp3Baseline(size: number): { iops: number; throughput: number } {
  return size < GP3_THRESHOLD_GIB ? { iops: 3000, throughput: 125 } : { iops: 12000, throughput: 500 };
}

export function checkStorageType(value: string): string {
  if (!storageOptionOf(value)) throw invalidValue(`Invalid storage type: ${value}`);
  return value;
}

/** Checks a complete storage configuration, as it will be after the request. */
export function checkStorage(engine: EngineName, s: Storage): void {
  const option = storageOptionOf(checkStorageType(s.storageType))!;
  if (!Number.isInteger(s.allocatedStorage) || s.allocatedStorage < option.minStorageSize || s.allocatedStorage > option.maxStorageSize) {
    throw invalidCombination(`Invalid storage size for engine name ${engine} and storage type ${s.storageType}: ${s.allocatedStorage}`);
  }
  if (s.storageThroughput !== undefined && s.storageType !== 'gp3') {
    throw invalidCombination(`You can't specify storage throughput for storage type ${s.storageType}: it applies only to gp3.`);
  }
  switch (s.storageType) {
    case 'gp2':
    case 'standard':
      if (s.iops !== undefined) throw invalidCombination(`You can't specify IOPS for storage type ${s.storageType}.`);
      return;
    case 'gp3': {
      if (s.iops === undefined && s.storageThroughput === undefined) return;
      if (s.allocatedStorage < GP3_THRESHOLD_GIB) {
        throw invalidCombination(
          `You can't specify IOPS or storage throughput for engine ${engine} and a storage size less than ${GP3_THRESHOLD_GIB}.`,
        );
      }
      const iops = s.iops ?? gp3Baseline(s.allocatedStorage).iops;
      const throughput = s.storageThroughput ?? gp3Baseline(s.allocatedStorage).throughput;
      const [minIops, maxIops] = GP3_PROVISIONED.iops;
      if (iops < minIops || iops > maxIops) {
        throw invalidValue(`Invalid IOPS value ${iops} for storage type gp3: it must be between ${minIops} and ${maxIops}.`);
      }
      const [minThroughput, maxThroughput] = GP3_PROVISIONED.throughput;
      if (throughput < minThroughput || throughput > maxThroughput) {
        throw invalidValue(
          `Invalid storage throughput value ${throughput} for storage type gp3: it must be between ${minThroughput} and ${maxThroughput} MiBps.`,
        );
      }
      if (throughput / iops > GP3_PROVISIONED.maxThroughputPerIops) {
        throw invalidCombination(
          `The storage throughput to IOPS ratio ${throughput}/${iops} is too high: it must be at most ${GP3_PROVISIONED.maxThroughputPerIops}.`,
        );
      }
      return;
    }
    default: {
      // io1, io2: provisioned IOPS are what the type is.
      if (s.iops === undefined) throw invalidCombination(`Iops is required for storage type ${s.storageType}.`);
      const min = option.minIopsPerDbInstance!;
      const max = option.maxIopsPerDbInstance!;
      if (s.iops < min || s.iops > max) {
        throw invalidValue(`Invalid IOPS value ${s.iops} for storage type ${s.storageType}: it must be between ${min} and ${max}.`);
      }
      const ratio = s.iops / s.allocatedStorage;
      if (ratio < option.minIopsPerGib! || ratio > option.maxIopsPerGib!) {
        throw invalidCombination(
          `The IOPS to storage ratio of ${s.iops} IOPS on ${s.allocatedStorage} GiB is outside ${option.minIopsPerGib}-${option.maxIopsPerGib} for storage type ${s.storageType}.`,
        );
      }
    }
  }
}

/** The storage type must be one DescribeOrderableDBInstanceOptions lists for the class. */
export function checkClassStorage(instanceClass: string, storageType: string): void {
  if (!classOffersStorage(instanceClass, storageType)) {
    throw invalidCombination(`Storage type ${storageType} is not supported with DB instance class ${instanceClass}.`);
  }
}

/**
 * The autoscaling ceiling as it will be: undefined turns autoscaling off (0, or the allocated storage
 * itself, on ModifyDBInstance). Otherwise at least 10% above the allocated storage, as RDS requires.
 */
export function checkMaxAllocatedStorage(engine: EngineName, s: Storage, max: number | undefined): number | undefined {
  if (max === undefined) return undefined;
  const option = storageOptionOf(s.storageType)!;
  const least = Math.ceil((s.allocatedStorage * 11) / 10);
  if (max < least || max > option.maxStorageSize) {
    throw invalidCombination(
      `Invalid max storage size for engine name ${engine} and storage type ${s.storageType}: ${max}. ` +
        `It must be at least 10% above the allocated storage (${least} GiB or more) and at most ${option.maxStorageSize} GiB.`,
    );
  }
  return max;
}

/** The Iops and StorageThroughput DescribeDBInstances shows: gp3's baseline when nothing is provisioned. */
export function describedPerformance(s: Storage): { iops?: number; storageThroughput?: number } {
  if (s.storageType === 'gp3') {
    const baseline = gp3Baseline(s.allocatedStorage);
    return { iops: s.iops ?? baseline.iops, storageThroughput: s.storageThroughput ?? baseline.throughput };
  }
  return { iops: s.iops };
}

/**
 * The storage a ModifyDBInstance asks for, from the instance's storage and the request's values.
 * Provisioned values the new type or size cannot carry are dropped (io1 to gp3 under 400 GiB keeps
 * no IOPS; gp3 to io1 keeps its IOPS), so a type change needs only the values the new type requires.
 */
export function nextStorage(
  current: Storage,
  request: { storageType?: string; allocatedStorage?: number; iops?: number; storageThroughput?: number },
): Storage {
  const storageType = request.storageType ?? current.storageType;
  const allocatedStorage = request.allocatedStorage ?? current.allocatedStorage;
  const takesIops = storageType === 'io1' || storageType === 'io2' || (storageType === 'gp3' && allocatedStorage >= GP3_THRESHOLD_GIB);
  const takesThroughput = storageType === 'gp3' && allocatedStorage >= GP3_THRESHOLD_GIB;
  const iops = request.iops ?? (takesIops ? current.iops : undefined);
  const storageThroughput = request.storageThroughput ?? (takesThroughput ? current.storageThroughput : undefined);
  return {
    storageType,
    allocatedStorage,
    ...(iops !== undefined ? { iops } : {}),
    ...(storageThroughput !== undefined ? { storageThroughput } : {}),
  };
}
