/**
 * The DB instance classes and storage types RDS offers per engine, as DescribeOrderableDBInstanceOptions
 * reports them, and the check CreateDBInstance, ModifyDBInstance and the restores make against them.
 *
 * Families and sizes follow RDS's "Supported DB engines for DB instance classes" table for the
 * versions this emulator's catalog holds (PostgreSQL 14-17, MySQL 8.0/8.4, MariaDB 10.11/11.4), which
 * all support the same families; older families (db.t2, db.m4, db.r4) are gone for these versions,
 * as on RDS. Storage bounds and IOPS ranges are those RDS reports for gp2/gp3/io1/io2/standard.
 */
import type { EngineName } from './types.js';

const BURSTABLE = ['micro', 'small', 'medium', 'large', 'xlarge', '2xlarge'];
const M5 = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'];
const GRAVITON = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'];
const INTEL6 = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge', '32xlarge'];

/** Family → sizes, the families every supported engine offers. */
const COMMON_FAMILIES: Record<string, string[]> = {
  t3: BURSTABLE,
  t4g: BURSTABLE,
  m5: M5,
  m5d: M5,
  m6g: GRAVITON,
  m6gd: GRAVITON,
  m6i: INTEL6,
  m7g: GRAVITON,
  r5: M5,
  r5b: M5,
  r5d: M5,
  r6g: GRAVITON,
  r6gd: GRAVITON,
  r6i: INTEL6,
  r7g: GRAVITON,
  x2g: GRAVITON,
};

/** Families only some engines offer (RDS lists db.m6id/db.r6id for PostgreSQL and MySQL, not MariaDB). */
const EXTRA_FAMILIES: Record<EngineName, Record<string, string[]>> = {
  postgres: { m6id: INTEL6, r6id: INTEL6 },
  mysql: { m6id: INTEL6, r6id: INTEL6 },
  mariadb: {},
};

function classesOf(engine: EngineName): string[] {
  const families = { ...COMMON_FAMILIES, ...EXTRA_FAMILIES[engine] };
  return Object.entries(families).flatMap(([family, sizes]) => sizes.map((size) => `db.${family}.${size}`));
}

const CLASSES: Record<EngineName, ReadonlySet<string>> = {
  postgres: new Set(classesOf('postgres')),
  mysql: new Set(classesOf('mysql')),
  mariadb: new Set(classesOf('mariadb')),
};

/** Classes in the order RDS lists them: by family, then by size within a family. */
export function instanceClassesOf(engine: EngineName): readonly string[] {
  return [...CLASSES[engine]];
}

export function isOrderableClass(engine: EngineName, instanceClass: string): boolean {
  return CLASSES[engine].has(instanceClass);
}

export interface StorageOption {
  storageType: string;
  minStorageSize: number;
  maxStorageSize: number;
  supportsIops: boolean;
  minIopsPerDbInstance?: number;
  maxIopsPerDbInstance?: number;
  minIopsPerGib?: number;
  maxIopsPerGib?: number;
  supportsStorageThroughput: boolean;
  minStorageThroughputPerDbInstance?: number;
  maxStorageThroughputPerDbInstance?: number;
  minStorageThroughputPerIops?: number;
  maxStorageThroughputPerIops?: number;
}

const GP2: StorageOption = {
  storageType: 'gp2',
  minStorageSize: 20,
  maxStorageSize: 65536,
  supportsIops: false,
  supportsStorageThroughput: false,
};
const GP3: StorageOption = {
  storageType: 'gp3',
  minStorageSize: 20,
  maxStorageSize: 65536,
  supportsIops: true,
  minIopsPerDbInstance: 3000,
  maxIopsPerDbInstance: 64000,
  minIopsPerGib: 0.5,
  maxIopsPerGib: 1000,
  supportsStorageThroughput: true,
  minStorageThroughputPerDbInstance: 125,
  maxStorageThroughputPerDbInstance: 4000,
  minStorageThroughputPerIops: 0,
  maxStorageThroughputPerIops: 0.25,
};
const IO1: StorageOption = {
  storageType: 'io1',
  minStorageSize: 100,
  maxStorageSize: 65536,
  supportsIops: true,
  minIopsPerDbInstance: 1000,
  maxIopsPerDbInstance: 256000,
  minIopsPerGib: 1,
  maxIopsPerGib: 50,
  supportsStorageThroughput: false,
};
const IO2: StorageOption = { ...IO1, storageType: 'io2', maxIopsPerGib: 1000 };
const STANDARD: StorageOption = {
  storageType: 'standard',
  minStorageSize: 5,
  maxStorageSize: 3072,
  supportsIops: false,
  supportsStorageThroughput: false,
};

const BY_TYPE: Readonly<Record<string, StorageOption>> = { gp2: GP2, gp3: GP3, io1: IO1, io2: IO2, standard: STANDARD };

/** The sizes and IOPS bounds of a storage type (whatever the class), or undefined for a type RDS does not have. */
export function storageOptionOf(storageType: string): StorageOption | undefined {
  return Object.hasOwn(BY_TYPE, storageType) ? BY_TYPE[storageType] : undefined;
}

/** Magnetic ("standard") storage is offered on the older x86 families only; Graviton classes never had it. */
function storageOptionsFor(instanceClass: string): StorageOption[] {
  const family = instanceClass.split('.')[1] ?? '';
  const magnetic = ['t3', 'm5', 'r5'].includes(family);
  return magnetic ? [GP2, GP3, IO1, IO2, STANDARD] : [GP2, GP3, IO1, IO2];
}

/** Whether RDS sells this storage type with this class (magnetic only on the older x86 families). */
export function classOffersStorage(instanceClass: string, storageType: string): boolean {
  return storageOptionsFor(instanceClass).some((option) => option.storageType === storageType);
}

export interface OrderableOption {
  instanceClass: string;
  storage: StorageOption;
}

/** Every (class, storage type) pair RDS offers for an engine, in RDS's order. */
export function orderableOptions(engine: EngineName): OrderableOption[] {
  return instanceClassesOf(engine).flatMap((instanceClass) =>
    storageOptionsFor(instanceClass).map((storage) => ({ instanceClass, storage })),
  );
}

/** RDS's refusal of a class the engine version does not offer, word for word. */
export function unsupportedCombinationMessage(instanceClass: string, engine: string, engineVersion: string, licenseModel: string): string {
  return (
    `RDS does not support creating a DB instance with the following combination: DBInstanceClass=${instanceClass}, ` +
    `Engine=${engine}, EngineVersion=${engineVersion}, LicenseModel=${licenseModel}. ` +
    'For supported combinations of instance class and database engine version, see the documentation.'
  );
}
