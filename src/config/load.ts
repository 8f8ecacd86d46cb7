import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describeIssue, describeJsonError, describeYamlError } from './errors.js';
import { configSchema, type ParsedConfig, type PlanConfig, type ServiceConfig } from './schema.js';
import { resolveSecret, SecretResolutionError } from './secret.js';
import { userStorageProblems } from './storage.js';

/** The configuration with every secret resolved to its value. Never log it whole. */
export interface Config extends Omit<ParsedConfig, 'auth' | 'broker' | 'aws'> {
  auth: { credentials: Array<{ username: string; password: string }>; failedAttemptsPerMinute: number };
  broker: Omit<ParsedConfig['broker'], 'derivationSecrets'> & { derivationSecrets: Array<{ id: string; value: string }> };
  aws: Omit<ParsedConfig['aws'], 'credentials'> & { credentials?: { accessKeyId: string; secretAccessKey: string } };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Checks that span several fields, which a per-field schema cannot express. */
function crossCheck(config: ParsedConfig): string[] {
  const problems: string[] = [];
  const seenIds = new Map<string, string>();
  const claim = (id: string, where: string) => {
    const previous = seenIds.get(id);
    if (previous) problems.push(`${where}: id ${JSON.stringify(id)} is already used by ${previous}`);
    else seenIds.set(id, where);
  };
  const serviceNames = new Set<string>();
  config.catalog.services.forEach((service: ServiceConfig, s) => {
    const where = `catalog.services[${s}]`;
    claim(service.id, `${where}.id`);
    if (serviceNames.has(service.name)) problems.push(`${where}.name: service name ${JSON.stringify(service.name)} is not unique`);
    serviceNames.add(service.name);
    const planNames = new Set<string>();
    const planIds = new Set(service.plans.map((p) => p.id));
    service.plans.forEach((plan: PlanConfig, p) => {
      const planWhere = `${where}.plans[${p}]`;
      claim(plan.id, `${planWhere}.id`);
      if (planNames.has(plan.name)) problems.push(`${planWhere}.name: plan name ${JSON.stringify(plan.name)} is not unique in its service`);
      planNames.add(plan.name);
      for (const [i, target] of (plan.updatable_to ?? []).entries()) {
        if (!planIds.has(target)) problems.push(`${planWhere}.updatable_to[${i}]: no plan ${JSON.stringify(target)} in this service`);
      }
      for (const [i, name] of plan.extensions.default.entries()) {
        if (!plan.extensions.allowed.includes(name))
          problems.push(`${planWhere}.extensions.default[${i}]: ${name} is not in extensions.allowed`);
      }
      if (plan.rds.engine !== 'postgres' && plan.extensions.allowed.length > 0) {
        problems.push(`${planWhere}.extensions.allowed: extensions exist only for postgres plans`);
      }
      for (const problem of userStorageProblems(plan.rds, plan.userStorage))
        problems.push(`${planWhere}.${problem.field}: ${problem.message}`);
      const replicas = plan.readReplicas;
      if (replicas && replicas.default > replicas.max)
        problems.push(`${planWhere}.readReplicas.default: ${replicas.default} is above readReplicas.max (${replicas.max})`);
      if (replicas && plan.rds.backupRetentionPeriod === 0)
        problems.push(
          `${planWhere}.readReplicas: RDS makes read replicas only of an instance with automated backups; set rds.backupRetentionPeriod above 0`,
        );
    });
  });
  const secretIds = config.broker.derivationSecrets.map((s) => s.id);
  secretIds.forEach((id, i) => {
    if (secretIds.indexOf(id) !== i) problems.push(`broker.derivationSecrets[${i}].id: ${id} is used twice`);
  });
  return problems;
}

/** Schema and cross-field checks; secrets stay as written. */
function validate(document: unknown): { parsed: ParsedConfig; problems: string[] } {
  const result = configSchema.safeParse(document);
  if (!result.success) throw new ConfigError(result.error.issues.map((issue) => describeIssue(issue, configSchema, document)));
  return { parsed: result.data, problems: crossCheck(result.data) };
}

/** Validates a parsed document and resolves its secrets; throws ConfigError naming every problem. */
export function buildConfig(document: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const { parsed, problems } = validate(document);
  const resolve = (ref: Parameters<typeof resolveSecret>[0], where: string): string => {
    try {
      return resolveSecret(ref, env);
    } catch (error) {
      if (error instanceof SecretResolutionError) {
        problems.push(`${where}: ${error.message}`);
        return '';
      }
      throw error;
    }
  };
  const credentials = parsed.auth.credentials.map((pair, i) => ({
    username: pair.username,
    password: resolve(pair.password, `auth.credentials[${i}].password`),
  }));
  // BROKER_USERNAME / BROKER_PASSWORD replace the first (current) pair, so a platform's secret store wins over the file.
  if (env.BROKER_USERNAME) credentials[0]!.username = env.BROKER_USERNAME;
  if (env.BROKER_PASSWORD) credentials[0]!.password = env.BROKER_PASSWORD;
  const derivationSecrets = parsed.broker.derivationSecrets.map((s, i) => {
    const value = resolve(s.value, `broker.derivationSecrets[${i}].value`);
    if (value && value.length < 16) problems.push(`broker.derivationSecrets[${i}].value: must be at least 16 characters`);
    return { id: s.id, value };
  });
  const awsCredentials = parsed.aws.credentials
    ? {
        accessKeyId: parsed.aws.credentials.accessKeyId,
        secretAccessKey: resolve(parsed.aws.credentials.secretAccessKey, 'aws.credentials.secretAccessKey'),
      }
    : undefined;
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...parsed,
    auth: { credentials, failedAttemptsPerMinute: parsed.auth.failedAttemptsPerMinute },
    broker: { ...parsed.broker, derivationSecrets },
    aws: { ...parsed.aws, credentials: awsCredentials },
  };
}

/** Reads a YAML or JSON configuration file (YAML is a superset of JSON; a .json file is parsed as JSON). */
export function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env): Config {
  return buildConfig(readConfigDocument(path), env);
}

/**
 * A configuration file validated as the broker validates it, its secrets left unresolved (as
 * written: `{ env: … }`, `{ file: … }`): for tools that need none, such as `iam-policy`, run where
 * the broker's secrets are not.
 */
export function loadConfigFileWithoutSecrets(path: string): ParsedConfig {
  const { parsed, problems } = validate(readConfigDocument(path));
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}

function readConfigDocument(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`]);
  }
  let document: unknown;
  // A .json file is read as JSON, so its errors are JSON's (YAML would accept some broken JSON).
  if (path.endsWith('.json')) {
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new ConfigError([`${path} is not valid JSON: ${describeJsonError(text, error as Error)}`]);
    }
  } else {
    try {
      document = parseYaml(text);
    } catch (error) {
      throw new ConfigError([`${path} is not valid YAML or JSON: ${describeYamlError(error as Error)}`]);
    }
  }
  return document;
}
