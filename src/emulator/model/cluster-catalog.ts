/**
 * Aurora's engines as RDS sells them: versions per major with their parameter group families, the
 * instance classes a member may have (provisioned classes RDS offers Aurora, or `db.serverless`), and
 * the server engine that stands in behind them (PostgreSQL for Aurora PostgreSQL, the MySQL server
 * for Aurora MySQL).
 */
import type { ClusterEngine } from './cluster-types.js';
import type { EngineName } from './types.js';

export interface ClusterVersionInfo {
  engine: ClusterEngine;
  version: string;
  major: string;
  family: string;
  isDefault: boolean;
}

const CATALOG: Record<ClusterEngine, { majors: Record<string, string[]>; defaultVersion: string }> = {
  'aurora-postgresql': {
    majors: {
      '14': ['14.12', '14.13', '14.15'],
      '15': ['15.7', '15.8', '15.10'],
      '16': ['16.3', '16.4', '16.6'],
      '17': ['17.4'],
    },
    defaultVersion: '16.6',
  },
  'aurora-mysql': {
    majors: { '8.0': ['8.0.mysql_aurora.3.05.2', '8.0.mysql_aurora.3.07.1', '8.0.mysql_aurora.3.08.0'] },
    defaultVersion: '8.0.mysql_aurora.3.08.0',
  },
};

export const CLUSTER_ENGINES: readonly ClusterEngine[] = ['aurora-postgresql', 'aurora-mysql'];

export function isClusterEngine(value: string): value is ClusterEngine {
  return (CLUSTER_ENGINES as readonly string[]).includes(value);
}

/** The server that runs behind a member of a cluster of this engine. */
export const SERVER_ENGINE: Record<ClusterEngine, EngineName> = { 'aurora-postgresql': 'postgres', 'aurora-mysql': 'mysql' };

export const CLUSTER_DEFAULT_PORT: Record<ClusterEngine, number> = { 'aurora-postgresql': 5432, 'aurora-mysql': 3306 };

export const CLUSTER_LICENSE_MODEL: Record<ClusterEngine, string> = {
  'aurora-postgresql': 'postgresql-license',
  'aurora-mysql': 'general-public-license',
};

const ALL: ClusterVersionInfo[] = CLUSTER_ENGINES.flatMap((engine) =>
  Object.entries(CATALOG[engine].majors).flatMap(([major, versions]) =>
    versions.map((version) => ({
      engine,
      version,
      major,
      family: `${engine}${major}`,
      isDefault: version === CATALOG[engine].defaultVersion,
    })),
  ),
);

export function allClusterVersions(): readonly ClusterVersionInfo[] {
  return ALL;
}

export function defaultClusterVersion(engine: ClusterEngine): ClusterVersionInfo {
  return ALL.find((v) => v.engine === engine && v.isDefault)!;
}

/** An exact version, or a major alone ("16" → its newest minor), as RDS resolves them. */
export function findClusterVersion(engine: ClusterEngine, requested: string): ClusterVersionInfo | undefined {
  const exact = ALL.find((v) => v.engine === engine && v.version === requested);
  if (exact) return exact;
  const minors = CATALOG[engine].majors[requested];
  return minors ? ALL.find((v) => v.engine === engine && v.version === minors[minors.length - 1]) : undefined;
}

export function clusterFamilies(): string[] {
  return [...new Set(ALL.map((v) => v.family))];
}

/** Versions RDS's Aurora compares by their parts: 16.4 < 16.6 < 17.4; 3.05.2 < 3.08.0. */
export function compareClusterVersions(a: string, b: string): number {
  const pa = a.split(/[._]/).map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  const pb = b.split(/[._]/).map((part) => (/^\d+$/.test(part) ? Number(part) : 0));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const SIZES = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge', '24xlarge'];

/** The provisioned classes RDS offers Aurora (no micro or small burstable ones), and Serverless v2. */
const AURORA_CLASSES: ReadonlySet<string> = new Set([
  'db.serverless',
  'db.t3.medium',
  'db.t3.large',
  'db.t4g.medium',
  'db.t4g.large',
  ...['r5', 'r6g', 'r6i', 'r7g', 'r7i'].flatMap((family) => SIZES.map((size) => `db.${family}.${size}`)),
  ...['x2g'].flatMap((family) => SIZES.slice(0, 6).map((size) => `db.${family}.${size}`)),
]);

export function auroraClasses(): readonly string[] {
  return [...AURORA_CLASSES];
}

/** Newer versions of the same engine; a different major is a major upgrade. */
export function clusterUpgradeTargets(from: ClusterVersionInfo): { version: ClusterVersionInfo; isMajorVersionUpgrade: boolean }[] {
  return ALL.filter((v) => v.engine === from.engine && compareClusterVersions(v.version, from.version) > 0).map((v) => ({
    version: v,
    isMajorVersionUpgrade: v.major !== from.major,
  }));
}

export const CLUSTER_ENGINE_DESCRIPTION: Record<ClusterEngine, string> = {
  'aurora-postgresql': 'Aurora (PostgreSQL)',
  'aurora-mysql': 'Aurora MySQL',
};

export function isAuroraClass(instanceClass: string): boolean {
  return AURORA_CLASSES.has(instanceClass);
}

export const SERVERLESS_CLASS = 'db.serverless';

/** The instance family whose parameters an Aurora family's DB parameter groups have (the server standing in). */
export function serverFamilyOf(family: string): { engine: EngineName; major: string } | undefined {
  const info = ALL.find((v) => v.family === family);
  return info ? { engine: SERVER_ENGINE[info.engine], major: info.engine === 'aurora-mysql' ? '8.0' : info.major } : undefined;
}
