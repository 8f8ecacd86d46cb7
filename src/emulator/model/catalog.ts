/**
 * The engine versions the emulator offers, shaped like RDS's catalog: several minors per major,
 * each with the versions it can be upgraded to. Version numbers are RDS's; the database behind an
 * instance is whatever server binary the database layer runs, whichever version was asked for.
 */
import type { EngineName } from './types.js';

export interface EngineVersionInfo {
  engine: EngineName;
  version: string;
  major: string;
  family: string;
  description: string;
  isDefault: boolean;
}

const CATALOG: Record<EngineName, { majors: Record<string, string[]>; defaultVersion: string; description: string }> = {
  postgres: {
    majors: {
      '14': ['14.12', '14.13', '14.15', '14.17'],
      '15': ['15.7', '15.8', '15.10', '15.12'],
      '16': ['16.3', '16.4', '16.6', '16.8'],
      '17': ['17.2', '17.4', '17.5'],
    },
    defaultVersion: '17.4',
    description: 'PostgreSQL',
  },
  mysql: {
    majors: {
      '8.0': ['8.0.39', '8.0.40', '8.0.41'],
      '8.4': ['8.4.3', '8.4.4', '8.4.5'],
    },
    defaultVersion: '8.0.41',
    description: 'MySQL Community Edition',
  },
  mariadb: {
    majors: {
      '10.11': ['10.11.9', '10.11.10', '10.11.11'],
      '11.4': ['11.4.4', '11.4.5'],
    },
    defaultVersion: '11.4.5',
    description: 'MariaDB Community Edition',
  },
};

export const ENGINES: readonly EngineName[] = ['postgres', 'mysql', 'mariadb'];

export function isEngineName(value: string): value is EngineName {
  return (ENGINES as readonly string[]).includes(value);
}

function familyOf(engine: EngineName, major: string): string {
  return `${engine}${major}`;
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const ALL: EngineVersionInfo[] = ENGINES.flatMap((engine) => {
  const entry = CATALOG[engine];
  return Object.entries(entry.majors).flatMap(([major, versions]) =>
    versions.map((version) => ({
      engine,
      version,
      major,
      family: familyOf(engine, major),
      description: `${entry.description} ${version}`,
      isDefault: version === entry.defaultVersion,
    })),
  );
});

const BY_KEY = new Map(ALL.map((v) => [`${v.engine}/${v.version}`, v]));

export function allEngineVersions(): readonly EngineVersionInfo[] {
  return ALL;
}

export function defaultVersion(engine: EngineName): EngineVersionInfo {
  return BY_KEY.get(`${engine}/${CATALOG[engine].defaultVersion}`)!;
}

/**
 * An exact version, or a major version alone ("16" → that major's newest minor, as RDS picks
 * the default minor for a major given alone).
 */
export function findVersion(engine: EngineName, requested: string): EngineVersionInfo | undefined {
  const exact = BY_KEY.get(`${engine}/${requested}`);
  if (exact) return exact;
  const minors = CATALOG[engine].majors[requested];
  if (!minors) return undefined;
  return BY_KEY.get(`${engine}/${minors[minors.length - 1]}`);
}

export interface UpgradeTarget {
  version: EngineVersionInfo;
  isMajorVersionUpgrade: boolean;
}

/** Newer minors of the same major, and the minors of every newer major. */
export function upgradeTargets(from: EngineVersionInfo): UpgradeTarget[] {
  return ALL.filter((v) => v.engine === from.engine && compareVersions(v.version, from.version) > 0).map((v) => ({
    version: v,
    isMajorVersionUpgrade: v.major !== from.major,
  }));
}

export function familiesOf(engine: EngineName): string[] {
  return Object.keys(CATALOG[engine].majors).map((major) => familyOf(engine, major));
}

export function allFamilies(): string[] {
  return ENGINES.flatMap(familiesOf);
}

export function engineOfFamily(family: string): EngineName | undefined {
  return ENGINES.find((engine) => familiesOf(engine).includes(family));
}

export function majorOfFamily(family: string): string {
  const engine = engineOfFamily(family);
  return engine ? family.slice(engine.length) : '';
}

export const LICENSE_MODEL: Record<EngineName, string> = {
  postgres: 'postgresql-license',
  mysql: 'general-public-license',
  mariadb: 'general-public-license',
};

export const DEFAULT_PORT: Record<EngineName, number> = { postgres: 5432, mysql: 3306, mariadb: 3306 };
