/**
 * The parameters of the emulated parameter groups: a small, real subset of RDS's, with RDS's
 * defaults and apply types. `rds.force_ssl` and `require_secure_transport` matter most: the
 * database layer enforces them on the real servers.
 */
import { engineOfFamily, majorOfFamily } from './catalog.js';

export interface ParameterDefinition {
  name: string;
  description: string;
  applyType: 'static' | 'dynamic';
  dataType: 'boolean' | 'integer' | 'string' | 'list';
  allowedValues?: string;
  /** undefined: no default value (RDS omits ParameterValue). */
  defaultValue?: string;
  /** 'system' for values RDS computes (formulas), 'engine-default' otherwise. */
  source: 'engine-default' | 'system';
  /** Passed to the database layer (values it can act on), not just shown. */
  forServer: boolean;
}

function postgresParameters(major: number): ParameterDefinition[] {
  return [
    {
      name: 'rds.force_ssl',
      description: 'Force SSL connections.',
      applyType: 'dynamic',
      dataType: 'boolean',
      allowedValues: '0,1',
      defaultValue: major >= 15 ? '1' : '0',
      source: major >= 15 ? 'system' : 'engine-default',
      forServer: true,
    },
    {
      name: 'shared_preload_libraries',
      description: 'Lists shared libraries to preload into server.',
      applyType: 'static',
      dataType: 'list',
      defaultValue: 'pg_stat_statements',
      source: 'system',
      forServer: false,
    },
    {
      name: 'max_connections',
      description: 'Sets the maximum number of concurrent connections.',
      applyType: 'static',
      dataType: 'integer',
      allowedValues: '6-262143',
      defaultValue: 'LEAST({DBInstanceClassMemory/9531392},5000)',
      source: 'system',
      forServer: false,
    },
    {
      name: 'log_min_duration_statement',
      description: 'Sets the minimum execution time above which statements will be logged.',
      applyType: 'dynamic',
      dataType: 'integer',
      allowedValues: '-1-2147483647',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'statement_timeout',
      description: 'Sets the maximum allowed duration of any statement.',
      applyType: 'dynamic',
      dataType: 'integer',
      allowedValues: '0-2147483647',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'idle_in_transaction_session_timeout',
      description: 'Sets the maximum allowed duration of any idling transaction.',
      applyType: 'dynamic',
      dataType: 'integer',
      allowedValues: '0-2147483647',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'log_statement',
      description: 'Sets the type of statements logged.',
      applyType: 'dynamic',
      dataType: 'string',
      allowedValues: 'none,ddl,mod,all',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'rds.logical_replication',
      description: 'Enables logical decoding.',
      applyType: 'static',
      dataType: 'boolean',
      allowedValues: '0,1',
      defaultValue: '0',
      source: 'system',
      forServer: false,
    },
    {
      name: 'timezone',
      description: 'Sets the time zone for displaying and interpreting time stamps.',
      applyType: 'dynamic',
      dataType: 'string',
      defaultValue: 'UTC',
      source: 'system',
      forServer: true,
    },
    {
      name: 'work_mem',
      description: 'Sets the maximum memory to be used for query workspaces.',
      applyType: 'dynamic',
      dataType: 'integer',
      allowedValues: '64-2147483647',
      source: 'engine-default',
      forServer: true,
    },
  ];
}

function mysqlParameters(secureByDefault: boolean): ParameterDefinition[] {
  return [
    {
      name: 'require_secure_transport',
      description: 'Whether client connections must use a secure transport.',
      applyType: 'dynamic',
      dataType: 'boolean',
      allowedValues: '0,1',
      defaultValue: secureByDefault ? '1' : '0',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'max_connections',
      description: 'The number of simultaneous client connections allowed.',
      applyType: 'dynamic',
      dataType: 'integer',
      allowedValues: '1-100000',
      defaultValue: '{DBInstanceClassMemory/12582880}',
      source: 'system',
      forServer: false,
    },
    {
      name: 'innodb_buffer_pool_size',
      description: 'The size in bytes of the memory buffer innodb uses to cache data and indexes of its tables.',
      applyType: 'static',
      dataType: 'integer',
      defaultValue: '{DBInstanceClassMemory*3/4}',
      source: 'system',
      forServer: false,
    },
    {
      name: 'time_zone',
      description: 'The current time zone.',
      applyType: 'dynamic',
      dataType: 'string',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'max_allowed_packet',
      description: 'The maximum size of one packet or any generated/intermediate string.',
      applyType: 'dynamic',
      dataType: 'integer',
      allowedValues: '1024-1073741824',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'character_set_server',
      description: "The server's default character set.",
      applyType: 'dynamic',
      dataType: 'string',
      source: 'engine-default',
      forServer: true,
    },
    {
      name: 'performance_schema',
      description: 'Enables or disables the Performance Schema.',
      applyType: 'static',
      dataType: 'boolean',
      allowedValues: '0,1',
      source: 'engine-default',
      forServer: false,
    },
  ];
}

const CACHE = new Map<string, ParameterDefinition[]>();

export function parametersOfFamily(family: string): ParameterDefinition[] {
  const cached = CACHE.get(family);
  if (cached) return cached;
  const engine = engineOfFamily(family);
  const major = majorOfFamily(family);
  let defs: ParameterDefinition[] = [];
  if (engine === 'postgres') defs = postgresParameters(Number(major));
  // RDS turns require_secure_transport on by default from MySQL 8.4 and MariaDB 11.4.
  else if (engine === 'mysql') defs = mysqlParameters(major === '8.4');
  else if (engine === 'mariadb') defs = mysqlParameters(major === '11.4');
  defs.sort((a, b) => a.name.localeCompare(b.name));
  CACHE.set(family, defs);
  return defs;
}

export function findParameter(family: string, name: string): ParameterDefinition | undefined {
  return parametersOfFamily(family).find((p) => p.name === name);
}

/** Why `value` is not acceptable for the parameter, or undefined when it is. */
export function checkParameterValue(def: ParameterDefinition, value: string): string | undefined {
  const allowed = def.allowedValues;
  if (def.dataType === 'boolean' || (def.dataType === 'string' && allowed)) {
    if (allowed && !allowed.split(',').includes(value)) {
      return `Value: ${value} is not allowed for parameter: ${def.name}. Allowed values are: ${allowed}`;
    }
    return undefined;
  }
  if (def.dataType === 'integer') {
    if (!/^-?\d+$/.test(value)) return `Value: ${value} is not an integer for parameter: ${def.name}`;
    const range = allowed?.match(/^(-?\d+)-(-?\d+)$/);
    if (range && (Number(value) < Number(range[1]) || Number(value) > Number(range[2]))) {
      return `Value: ${value} is outside of range: ${allowed} for parameter: ${def.name}`;
    }
  }
  return undefined;
}

/**
 * The values the database layer receives: defaults it can act on, overlaid with the group's
 * user-set values.
 */
export function serverParameters(family: string, userValues: Record<string, { value: string }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of parametersOfFamily(family)) {
    if (def.forServer && def.defaultValue !== undefined) out[def.name] = def.defaultValue;
  }
  for (const [name, { value }] of Object.entries(userValues)) out[name] = value;
  return out;
}
