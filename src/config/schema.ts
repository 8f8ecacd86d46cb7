import { DEFAULT_BUDGET } from '../aws/budget.js';
import { z } from 'zod';
import { secretSchema } from './secret.js';
import { storageProblems } from './storage.js';

/**
 * The broker's configuration file, validated at start-up. Every object is strict, so a misspelt
 * key is an error that names its path rather than a setting silently ignored.
 * CONFIGURATION.md documents each field; keep the two in step.
 */

const idAlphabet = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const cliName = /^[a-z0-9][a-z0-9-]*$/;

/** User parameters the broker understands, by the request that may carry them. */
export const provisionParameterNames = [
  'db_name',
  'backup_retention_period',
  'preferred_backup_window',
  'preferred_maintenance_window',
  'skip_final_snapshot',
  'delete_automated_backups',
  'restore_from_latest_snapshot_of',
  'restore_from_latest_snapshot_before',
  'restore_from_point_in_time_of',
  'restore_from_point_in_time_before',
  'enable_extensions',
  'read_replicas',
  'allocated_storage',
  'max_allocated_storage',
] as const;
export const updateParameterNames = [
  'backup_retention_period',
  'preferred_backup_window',
  'preferred_maintenance_window',
  'apply_at_maintenance_window',
  'reboot',
  'force_failover',
  'upgrade_minor_version',
  'skip_final_snapshot',
  'delete_automated_backups',
  'enable_extensions',
  'disable_extensions',
  'read_replicas',
  'allocated_storage',
  'max_allocated_storage',
] as const;
export const bindParameterNames = ['read_only'] as const;

const parameterSelection = z
  .object({
    provision: z.array(z.enum(provisionParameterNames)).optional(),
    update: z.array(z.enum(updateParameterNames)).optional(),
    bind: z.array(z.enum(bindParameterNames)).optional(),
  })
  .strict();

const maintenanceInfo = z
  .object({
    version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'must be semantic version 2.0'),
    description: z.string().optional(),
  })
  .strict();

export const engineNames = ['postgres', 'mysql', 'mariadb'] as const;

const rdsProperties = z
  .object({
    engine: z.enum(engineNames),
    engineVersion: z.string().min(1),
    /** Parameter group family, e.g. postgres17; derived from engine and major version when absent. */
    engineFamily: z.string().min(1).optional(),
    instanceClass: z.string().regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must look like db.t4g.micro'),
    allocatedStorage: z.number().int().min(5).max(65536),
    maxAllocatedStorage: z.number().int().min(5).max(65536).optional(),
    storageType: z.enum(['gp2', 'gp3', 'io1', 'io2', 'standard']).default('gp3'),
    iops: z.number().int().positive().optional(),
    /** MiB/s, gp3 from 400 GiB only. */
    storageThroughput: z.number().int().positive().optional(),
    storageEncrypted: z.boolean().default(true),
    kmsKeyId: z.string().optional(),
    multiAz: z.boolean().default(false),
    dbSubnetGroupName: z.string().optional(),
    vpcSecurityGroupIds: z.array(z.string().min(1)).default([]),
    dbParameterGroupName: z.string().optional(),
    publiclyAccessible: z.boolean().default(false),
    port: z.number().int().min(1150).max(65535).optional(),
    masterUsername: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,15}$/)
      .default('rdsadmin_broker'),
    databaseName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9_]{0,62}$/)
      .default('appdb'),
    backupRetentionPeriod: z.number().int().min(0).max(35).default(7),
    preferredBackupWindow: z.string().optional(),
    preferredMaintenanceWindow: z.string().optional(),
    autoMinorVersionUpgrade: z.boolean().default(true),
    copyTagsToSnapshot: z.boolean().default(true),
    skipFinalSnapshot: z.boolean().default(false),
    deleteAutomatedBackups: z.boolean().default(false),
    deletionProtection: z.boolean().default(false),
    // Monitoring, logs, authentication, certificate authority: unset ones are left as RDS has them.
    performanceInsightsEnabled: z.boolean().optional(),
    performanceInsightsRetentionPeriod: z
      .number()
      .int()
      .refine((d) => d === 7 || d === 731 || (d % 31 === 0 && d >= 31 && d <= 713), 'must be 7, a multiple of 31 up to 713, or 731 (days)')
      .optional(),
    performanceInsightsKmsKeyId: z.string().min(1).optional(),
    monitoringInterval: z
      .union([0, 1, 5, 10, 15, 30, 60].map((n) => z.literal(n)) as [z.ZodLiteral<number>, ...z.ZodLiteral<number>[]])
      .optional(),
    monitoringRoleArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, 'must be the ARN of an IAM role')
      .optional(),
    enabledCloudwatchLogsExports: z
      .array(z.enum(['postgresql', 'upgrade', 'iam-db-auth-error', 'audit', 'error', 'general', 'slowquery']))
      .optional(),
    iamDatabaseAuthenticationEnabled: z.boolean().optional(),
    caCertificateIdentifier: z.enum(['rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1', 'rds-ca-ecc384-g1', 'rds-ca-2019']).optional(),
  })
  .strict()
  .superRefine((rds, ctx) => {
    // Storage rules as RDS applies them (storage.ts).
    for (const problem of storageProblems(rds)) ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
    if ((rds.monitoringInterval ?? 0) > 0 && !rds.monitoringRoleArn)
      ctx.addIssue({ code: 'custom', path: ['monitoringRoleArn'], message: 'is required when monitoringInterval is above 0' });
    if (rds.monitoringRoleArn && !rds.monitoringInterval)
      ctx.addIssue({ code: 'custom', path: ['monitoringInterval'], message: 'must be above 0 when monitoringRoleArn is set' });
    if (
      rds.performanceInsightsEnabled !== true &&
      (rds.performanceInsightsRetentionPeriod !== undefined || rds.performanceInsightsKmsKeyId)
    )
      ctx.addIssue({ code: 'custom', path: ['performanceInsightsEnabled'], message: 'must be true with a retention period or KMS key' });
    const logTypes: Record<string, string[]> = {
      postgres: ['postgresql', 'upgrade', 'iam-db-auth-error'],
      mysql: ['audit', 'error', 'general', 'slowquery', 'iam-db-auth-error'],
      mariadb: ['audit', 'error', 'general', 'slowquery'],
    };
    const wrong = (rds.enabledCloudwatchLogsExports ?? []).filter((t) => !logTypes[rds.engine]!.includes(t));
    if (wrong.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['enabledCloudwatchLogsExports'],
        message: `${rds.engine} cannot export ${wrong.join(', ')}; it exports ${logTypes[rds.engine]!.join(', ')}`,
      });
  });

const extensions = z.object({ allowed: z.array(z.string().min(1)).default([]), default: z.array(z.string().min(1)).default([]) }).strict();

/** RDS allows up to 15 read replicas of one PostgreSQL, MySQL or MariaDB source. */
export const MAX_READ_REPLICAS = 15;

/**
 * Read replicas a plan allows: `default` when the user asks for none, up to `max` with the
 * `read_replicas` parameter; `instanceClass` for the replicas (absent: the plan's class).
 */
const readReplicas = z
  .object({
    default: z.number().int().min(0).max(MAX_READ_REPLICAS).default(0),
    max: z.number().int().min(1).max(MAX_READ_REPLICAS),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must look like db.t4g.micro')
      .optional(),
  })
  .strict();

const gib = z.number().int().min(5).max(65536);

/**
 * Storage the user may choose (CONFIGURATION.md, *User storage*): `allocated_storage` within
 * `allocatedStorage` (rds.allocatedStorage is the default), `max_allocated_storage` up to
 * `maxAllocatedStorage.max` (rds.maxAllocatedStorage is the default). Each parameter is offered
 * only by a plan that sets its bounds.
 */
const userStorage = z
  .object({
    allocatedStorage: z.object({ min: gib, max: gib }).strict().optional(),
    maxAllocatedStorage: z.object({ max: gib }).strict().optional(),
  })
  .strict();

const credentialsSettings = z
  .object({
    /** sslmode written into the PostgreSQL uri handed to applications. */
    sslmode: z.enum(['require', 'verify-ca', 'verify-full']).default('require'),
    /** Put the CA bundle (PEM) into the binding credentials as `sslrootcert`/`ca_certificate`. */
    includeCaBundle: z.boolean().default(false),
    /** When set, bindings carry expires_at / renew_before (OSB binding rotation). */
    lifetimeSeconds: z.number().int().positive().optional(),
    renewBeforeSeconds: z.number().int().positive().optional(),
  })
  .strict();

const plan = z
  .object({
    id: z.string().regex(idAlphabet).max(255),
    name: z.string().regex(cliName, 'must be CLI-friendly: lowercase letters, digits and hyphens'),
    description: z.string().min(1),
    free: z.boolean().default(false),
    bindable: z.boolean().optional(),
    plan_updateable: z.boolean().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    maintenance_info: maintenanceInfo.optional(),
    maximum_polling_duration: z.number().int().positive().optional(),
    /** Overrides the service's bindingEndpoints. */
    bindingEndpoints: z.boolean().optional(),
    /** Plan IDs of this service this plan may be changed to; absent: every plan of the same engine. */
    updatable_to: z.array(z.string()).optional(),
    rds: rdsProperties,
    extensions: extensions.default({ allowed: [], default: [] }),
    readReplicas: readReplicas.optional(),
    userStorage: userStorage.optional(),
    credentials: credentialsSettings.default({ sslmode: 'require', includeCaBundle: false }),
    parameters: parameterSelection.optional(),
  })
  .strict();

const service = z
  .object({
    id: z.string().regex(idAlphabet).max(255),
    name: z.string().regex(cliName, 'must be CLI-friendly: lowercase letters, digits and hyphens'),
    description: z.string().min(1),
    tags: z.array(z.string()).default([]),
    requires: z.array(z.enum(['syslog_drain', 'route_forwarding', 'volume_mount'])).optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    bindable: z.boolean().default(true),
    plan_updateable: z.boolean().default(true),
    /**
     * Whether bind answers carry the optional `endpoints` (host, ports, protocol). Off by default:
     * the spec's ports are strings, and the OSB client library Kubernetes Service Catalog is built
     * on reads them as integers, so such a platform cannot parse a bind that has them.
     */
    bindingEndpoints: z.boolean().default(false),
    parameters: parameterSelection.optional(),
    plans: z.array(plan).min(1),
  })
  .strict();

const credentialPair = z.object({ username: z.string().min(1), password: secretSchema }).strict();

export const configSchema = z
  .object({
    listen: z
      .object({
        host: z.string().default('0.0.0.0'),
        port: z.number().int().min(0).max(65535).default(8080),
        tls: z.object({ certFile: z.string(), keyFile: z.string() }).strict().optional(),
        bodyLimitBytes: z
          .number()
          .int()
          .positive()
          .max(10 * 1024 * 1024)
          .default(1024 * 1024),
        shutdownTimeoutMs: z.number().int().positive().default(25000),
      })
      .strict()
      .default({ host: '0.0.0.0', port: 8080, bodyLimitBytes: 1024 * 1024, shutdownTimeoutMs: 25000 }),
    auth: z
      .object({
        /** One pair, or two while rotating: both are accepted. */
        credentials: z.array(credentialPair).min(1).max(2),
        failedAttemptsPerMinute: z.number().int().positive().default(30),
      })
      .strict(),
    broker: z
      .object({
        /** Written to every instance's broker-name tag; instances of other names are never touched. */
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/),
        /** RDS identifier = `<prefix>-<instance_id>`. */
        identifierPrefix: z
          .string()
          .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must start with a letter; lowercase letters, digits and hyphens; at most 20'),
        /** Secrets from which passwords are derived, newest first; each id is recorded where it was used. */
        derivationSecrets: z
          .array(
            z.object({ id: z.string().regex(/^[a-z0-9]{1,8}$/, 'must be 1-8 lowercase letters or digits'), value: secretSchema }).strict(),
          )
          .min(1),
        /**
         * Factor on every Retry-After the broker answers and on its own requeue delays. 1 against real
         * RDS; an emulator that runs RDS's lifecycle faster can have the broker come back as much sooner.
         */
        retryAfterScale: z.number().positive().max(1).default(1),
      })
      .strict(),
    aws: z
      .object({
        region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must look like eu-west-1'),
        endpoint: z.string().url().optional(),
        /** Static credentials, for the emulator; production uses the standard AWS credential chain. */
        credentials: z.object({ accessKeyId: z.string(), secretAccessKey: secretSchema }).strict().optional(),
        maxAttempts: z.number().int().min(1).max(10).default(5),
        retryBudgetMs: z.number().int().positive().default(10000),
        coalesce: z
          .object({
            enabled: z.boolean().default(true),
            windowMs: z.number().int().min(0).max(250).default(250),
            maxIdentifiers: z.number().int().min(1).max(100).default(100),
          })
          .strict()
          .default({ enabled: true, windowMs: 250, maxIdentifiers: 100 }),
        /**
         * This replica's share of RDS's request budget (RDS: 300 burst, 12/s per account and region,
         * shared by every caller). Every RDS call takes a token; see CONFIGURATION.md for sizing.
         */
        budget: z
          .object({
            enabled: z.boolean().default(DEFAULT_BUDGET.enabled),
            burst: z.number().min(1).max(100000).default(DEFAULT_BUDGET.burst),
            ratePerSecond: z.number().positive().max(10000).default(DEFAULT_BUDGET.ratePerSecond),
            /** Below the platform's request timeout (Cloud Foundry: 60 s), or the answer arrives too late. */
            maxWaitMs: z.number().int().min(0).max(55000).default(DEFAULT_BUDGET.maxWaitMs),
            backgroundMaxWaitMs: z.number().int().min(0).default(DEFAULT_BUDGET.backgroundMaxWaitMs),
            backgroundReserve: z.number().min(0).max(1).default(DEFAULT_BUDGET.backgroundReserve),
            adaptive: z.boolean().default(DEFAULT_BUDGET.adaptive),
          })
          .strict()
          .default({ ...DEFAULT_BUDGET }),
      })
      .strict(),
    database: z
      .object({
        tls: z
          .object({
            /** PEM bundle of the authorities that sign database certificates (AWS publishes global-bundle.pem). */
            caBundleFile: z.string().optional(),
            /** Opt out of TLS to databases entirely: a warning is logged at start-up. */
            allowPlaintext: z.boolean().default(false),
          })
          .strict()
          .default({ allowPlaintext: false }),
        connectTimeoutMs: z.number().int().positive().default(10000),
      })
      .strict()
      .default({ tls: { allowPlaintext: false }, connectTimeoutMs: 10000 }),
    logging: z
      .object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
    snapshots: z
      .object({
        /** Manual snapshots the broker made are deleted by housekeeping after this many days. */
        retentionDays: z.number().int().min(1).default(35),
        /** Final snapshots of deprovisioned instances are kept this long (recovery window). */
        finalSnapshotRetentionDays: z.number().int().min(1).default(90),
      })
      .strict()
      .default({ retentionDays: 35, finalSnapshotRetentionDays: 90 }),
    housekeeping: z
      .object({
        /** auto: elect a leader through a Kubernetes Lease when in a cluster, otherwise do not run. */
        mode: z.enum(['auto', 'leader', 'always', 'never']).default('auto'),
        snapshotCleanup: z.string().default('17 3 * * *'),
        credentialCheck: z.string().default('*/30 * * * *'),
        resync: z.string().default('* * * * *'),
        jitterSeconds: z.number().int().min(0).default(30),
        /** The leader's requeue of instances with work pending: how many passes a second, at most (default 20, burst 50). */
        requeue: z
          .object({ perSecond: z.number().positive().max(100).default(2), burst: z.number().int().min(1).max(1000).default(10) })
          .strict()
          .optional(),
        lease: z
          .object({
            name: z.string().default('rds-broker-housekeeping'),
            namespace: z.string().optional(),
            kubeconfig: z.string().optional(),
            durationSeconds: z.number().int().positive().default(15),
            renewDeadlineSeconds: z.number().int().positive().default(10),
            retryPeriodSeconds: z.number().int().positive().default(2),
          })
          .strict()
          .default({ name: 'rds-broker-housekeeping', durationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 }),
      })
      .strict()
      .default({
        mode: 'auto',
        snapshotCleanup: '17 3 * * *',
        credentialCheck: '*/30 * * * *',
        resync: '* * * * *',
        jitterSeconds: 30,
        lease: { name: 'rds-broker-housekeeping', durationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
      }),
    catalog: z.object({ services: z.array(service).min(1) }).strict(),
  })
  .strict();

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
export type ServiceConfig = ParsedConfig['catalog']['services'][number];
export type PlanConfig = ServiceConfig['plans'][number];
export type RdsProperties = PlanConfig['rds'];
