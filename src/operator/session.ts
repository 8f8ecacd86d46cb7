import { replicaIdentifiersToObserve } from '../broker/replicas.js';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { pino } from 'pino';
import { createDeps } from '../broker/index.js';
import { identifierOf, ownershipProblem, type BrokerDeps } from '../broker/deps.js';
import { BrokerError } from '../broker/contract.js';
import { RdsError } from '../aws/errors.js';
import { ConfigError, loadConfigFile, loadConfigFileWithoutSecrets, type Config } from '../config/load.js';
import type { ParsedConfig } from '../config/schema.js';
import { createLogger, type LogLevel } from '../log/logger.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { Tag } from '../reconcile/tags.js';
import { EXIT_FAILURE, EXIT_USAGE, UsageError } from '../cli/command.js';

/**
 * What the operator commands share: option parsing, loading the configuration, wiring the broker's
 * dependencies with logs on standard error (standard output is for the answer), finding an
 * instance, and turning every expected failure into a clear message and an exit code.
 */

/** The command refuses what it was asked (nothing was changed): exit 2, message without the usage text. */
export class Refusal extends Error {}

/** The command could not do its work (instance not found, RDS failed): exit 1. */
export class OperatorFailure extends Error {}

export class InvalidConfigFile extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${file}`);
  }
}

export type OutputFormat = 'text' | 'json';

export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals: boolean) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** --output: `table` and `text` both mean the people's format. */
export function parseOutput(value: string | undefined): OutputFormat {
  if (value === undefined || value === 'table' || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new UsageError(`--output must be table, text or json, not ${JSON.stringify(value)}`);
}

export function requireConfigFile(value: string | undefined): string {
  if (!value) throw new UsageError('--config FILE is required');
  return value;
}

export function loadOperatorConfig(file: string): Config {
  try {
    return loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidConfigFile(file, error.problems);
    throw error;
  }
}

/** The configuration validated as the broker validates it, without resolving a secret (for commands that need none). */
export function loadOperatorSettings(file: string): ParsedConfig {
  try {
    return loadConfigFileWithoutSecrets(file);
  } catch (error) {
    if (error instanceof ConfigError) throw new InvalidConfigFile(file, error.problems);
    throw error;
  }
}

export interface OperatorDepsOptions {
  /** Steps that talk SQL need the database CA bundle; read-only commands never connect to a database. */
  databases: boolean;
  logLevel?: LogLevel;
}

/** The broker's own wiring, so the tools decide and act exactly as a poll does. Logs go to standard error. */
export function operatorDeps(config: Config, options: OperatorDepsOptions): BrokerDeps {
  const log = createLogger(options.logLevel ?? config.logging.level, pino.destination({ dest: 2, sync: true }));
  const effective = options.databases
    ? config
    : { ...config, database: { ...config.database, tls: { ...config.database.tls, caBundleFile: undefined } } };
  try {
    return { ...createDeps(effective as Config, log), config };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new OperatorFailure(`cannot read database.tls.caBundleFile ${config.database.tls.caBundleFile ?? ''}: ${code}`);
    throw error;
  }
}

export interface FoundInstance {
  instanceId: string;
  observed: ObservedInstance;
  /** Why this broker will not act on it, when it will not. */
  problem?: string;
}

/**
 * The instance for a service instance ID. An RDS identifier (`<prefix>-…`, as the console shows
 * it) is accepted too, and resolved through its Instance ID tag.
 */
export async function findInstance(deps: BrokerDeps, idOrIdentifier: string): Promise<FoundInstance> {
  const id = idOrIdentifier.trim();
  if (!id) throw new UsageError('INSTANCE_ID must not be empty');
  // With its read replicas, in the same read: inspect shows them and decides on them as a poll would.
  const byId = await deps.rds.describeGroup(identifierOf(deps, id), (primary) => replicaIdentifiersToObserve(primary, true));
  if (byId) {
    const problem = ownershipProblem(deps, byId, id);
    return { instanceId: id, observed: byId, ...(problem ? { problem } : {}) };
  }
  if (id.startsWith(`${deps.config.broker.identifierPrefix}-`)) {
    const byIdentifier = await deps.rds.describeInstance(id);
    const tagged = byIdentifier?.tags[Tag.instanceId];
    if (byIdentifier && tagged) {
      const problem = ownershipProblem(deps, byIdentifier, tagged);
      return { instanceId: tagged, observed: byIdentifier, ...(problem ? { problem } : {}) };
    }
  }
  throw new OperatorFailure(`no RDS instance ${identifierOf(deps, id)} for service instance ${id}`);
}

export function write(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Runs a command body; every expected failure becomes a message on standard error and an exit code. */
export async function runReporting(name: string, usage: string, body: () => Promise<number>): Promise<number> {
  const fail = (message: string, code: number) => {
    process.stderr.write(`rds-broker ${name}: ${message}\n`);
    return code;
  };
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) return fail(`${error.message}\n\n${usage}`, EXIT_USAGE);
    if (error instanceof Refusal) return fail(error.message, EXIT_USAGE);
    if (error instanceof InvalidConfigFile)
      return fail(`invalid configuration in ${error.file}:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`, EXIT_USAGE);
    if (error instanceof OperatorFailure) return fail(error.message, EXIT_FAILURE);
    if (error instanceof RdsError) return fail(`RDS did not answer as needed: ${error.message}`, EXIT_FAILURE);
    if (error instanceof BrokerError) return fail(error.description, EXIT_FAILURE);
    throw error;
  }
}
