import { randomBytes } from 'node:crypto';

/**
 * The configuration local mode runs with: the broker against the emulator on loopback, a built-in
 * catalog of PostgreSQL plans, and the emulator's certificate authority trusted for databases.
 * Returned as a configuration document, so it goes through the same validation as a file and can
 * be written out for the operator tools (`--config <state-dir>/config.yaml`).
 */
export interface LocalSettings {
  port: number;
  emulatorUrl: string;
  caFile: string;
  username: string;
  password: string;
  /** Kept across restarts with a state directory, so derived passwords stay the same. */
  derivationSecret: string;
  logLevel?: string;
  /** The emulator's speed (multiplier of RDS's durations): Retry-After follows it, never above RDS's own. */
  speed?: number;
}

/** Local mode's Retry-After factor: the emulator's speed, within what the configuration allows (0.01–1). */
export function retryAfterScaleFor(speed: number): number {
  return Math.min(1, Math.max(0.01, speed));
}

export function newLocalSecret(): string {
  return randomBytes(24).toString('base64url');
}

export const LOCAL_SERVICE_ID = 'b9a4f6a0-5b0e-4f57-9a43-7b7d0c2f0001';
export const LOCAL_PLANS = {
  small: '5c1f3f8e-2d55-4d38-9d7e-8f3a6a1b0001',
  medium: '5c1f3f8e-2d55-4d38-9d7e-8f3a6a1b0002',
  postgres16: '5c1f3f8e-2d55-4d38-9d7e-8f3a6a1b0003',
  replicated: '5c1f3f8e-2d55-4d38-9d7e-8f3a6a1b0004',
  mysql: '5c1f3f8e-2d55-4d38-9d7e-8f3a6a1b0101',
  mysqlReplicated: '5c1f3f8e-2d55-4d38-9d7e-8f3a6a1b0102',
} as const;
export const LOCAL_MYSQL_SERVICE_ID = 'b9a4f6a0-5b0e-4f57-9a43-7b7d0c2f0002';

export function localConfigDocument(settings: LocalSettings): Record<string, unknown> {
  const plan = (
    id: string,
    name: string,
    description: string,
    instanceClass: string,
    engineVersion: string,
    extra: Record<string, unknown> = {},
    planExtra: Record<string, unknown> = {},
  ) => ({
    id,
    name,
    description,
    free: true,
    rds: {
      engine: 'postgres',
      engineVersion,
      instanceClass,
      allocatedStorage: 20,
      storageType: 'gp3',
      backupRetentionPeriod: 7,
      vpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60001'],
      dbParameterGroupName: `rds-broker-local-postgres${engineVersion.split('.')[0]}`,
      skipFinalSnapshot: false,
      ...extra,
    },
    extensions: { allowed: ['pg_stat_statements', 'pgcrypto', 'citext', 'hstore', 'uuid-ossp'], default: [] },
    credentials: { sslmode: 'verify-full', includeCaBundle: true },
    ...planExtra,
  });
  // Read replicas are real standby servers behind the emulator: a few are plenty on one machine.
  const readReplicas = { default: 1, max: 3 };
  const mysqlPlan = (id: string, name: string, description: string, planExtra: Record<string, unknown> = {}) => ({
    id,
    name,
    description,
    free: true,
    rds: {
      engine: 'mysql',
      engineVersion: '8.0.41',
      instanceClass: 'db.t4g.micro',
      allocatedStorage: 20,
      storageType: 'gp3',
      backupRetentionPeriod: 7,
      vpcSecurityGroupIds: ['sg-0a1b2c3d4e5f60001'],
      dbParameterGroupName: 'rds-broker-local-mysql80',
    },
    credentials: { sslmode: 'verify-full', includeCaBundle: true },
    ...planExtra,
  });
  return {
    listen: { host: '127.0.0.1', port: settings.port },
    auth: { credentials: [{ username: settings.username, password: settings.password }] },
    broker: {
      name: 'rds-broker-local',
      identifierPrefix: 'local',
      derivationSecrets: [{ id: 'local1', value: settings.derivationSecret }],
      ...(settings.speed === undefined ? {} : { retryAfterScale: retryAfterScaleFor(settings.speed) }),
    },
    aws: {
      region: 'eu-west-1',
      endpoint: settings.emulatorUrl,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local-emulator-secret' },
      maxAttempts: 5,
      retryBudgetMs: 10000,
    },
    database: { tls: { caBundleFile: settings.caFile } },
    logging: { level: settings.logLevel ?? 'info' },
    catalog: {
      services: [
        {
          id: LOCAL_SERVICE_ID,
          name: 'postgres',
          description: 'PostgreSQL on Amazon RDS (local emulator)',
          tags: ['postgres', 'relational'],
          plans: [
            plan(LOCAL_PLANS.small, 'small', 'PostgreSQL 17, db.t4g.micro, 20 GB', 'db.t4g.micro', '17.4'),
            plan(LOCAL_PLANS.medium, 'medium', 'PostgreSQL 17, db.t4g.small, 20 GB', 'db.t4g.small', '17.4'),
            plan(LOCAL_PLANS.postgres16, 'small-16', 'PostgreSQL 16, db.t4g.micro, 20 GB', 'db.t4g.micro', '16.4'),
            plan(
              LOCAL_PLANS.replicated,
              'replicated',
              'PostgreSQL 17, db.t4g.micro, 20 GB, with read replicas (1 by default, up to 3)',
              'db.t4g.micro',
              '17.4',
              {},
              { readReplicas },
            ),
          ],
        },
        {
          id: LOCAL_MYSQL_SERVICE_ID,
          name: 'mysql',
          description: 'MySQL on Amazon RDS (local emulator)',
          tags: ['mysql', 'relational'],
          plans: [
            mysqlPlan(LOCAL_PLANS.mysql, 'small', 'MySQL 8.0, db.t4g.micro, 20 GB'),
            mysqlPlan(
              LOCAL_PLANS.mysqlReplicated,
              'replicated',
              'MySQL 8.0, db.t4g.micro, 20 GB, with read replicas (1 by default, up to 3)',
              {
                readReplicas,
              },
            ),
          ],
        },
      ],
    },
  };
}
