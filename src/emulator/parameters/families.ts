/**
 * The parameters of each parameter-group family: the engine's own catalog (from its binaries),
 * RDS's own parameters added, RDS's defaults laid over the engine's, and RDS's own settings marked
 * not modifiable. Without a catalog (binaries missing) a family knows RDS's own parameters and the
 * few engine ones below, so the emulator still answers.
 */
import type { EngineName } from '../databases/types.js';
import type { ParameterDefinition } from './definition.js';
import { mariadbDefinitions, postgresDefinitions } from './engine-settings.js';
import type { EngineCatalogs } from './settings-cache.js';
import {
  MYSQL_NOT_MODIFIABLE,
  POSTGRES_NOT_MODIFIABLE,
  mysqlRdsDefaults,
  postgresOwnParameters,
  postgresRdsDefaults,
} from './rds-parameters.js';

type Base = Omit<ParameterDefinition, 'source' | 'isModifiable' | 'forServer'>;

const POSTGRES_FALLBACK: Base[] = [
  {
    name: 'max_connections',
    description: 'Sets the maximum number of concurrent connections.',
    applyType: 'static',
    dataType: 'integer',
    allowedValues: '1-262143',
  },
  {
    name: 'shared_buffers',
    description: '(8kB) Sets the number of shared memory buffers used by the server.',
    applyType: 'static',
    dataType: 'integer',
    allowedValues: '16-1073741823',
  },
  {
    name: 'shared_preload_libraries',
    description: 'Lists shared libraries to preload into server.',
    applyType: 'static',
    dataType: 'list',
  },
  {
    name: 'log_min_duration_statement',
    description: '(ms) Sets the minimum execution time above which all statements will be logged.',
    applyType: 'dynamic',
    dataType: 'integer',
    allowedValues: '-1-2147483647',
  },
  {
    name: 'statement_timeout',
    description: '(ms) Sets the maximum allowed duration of any statement.',
    applyType: 'dynamic',
    dataType: 'integer',
    allowedValues: '0-2147483647',
  },
  {
    name: 'idle_in_transaction_session_timeout',
    description: '(ms) Sets the maximum allowed idle time between queries, when in a transaction.',
    applyType: 'dynamic',
    dataType: 'integer',
    allowedValues: '0-2147483647',
  },
  {
    name: 'log_statement',
    description: 'Sets the type of statements logged.',
    applyType: 'dynamic',
    dataType: 'string',
    allowedValues: 'none,ddl,mod,all',
  },
  {
    name: 'timezone',
    description: 'Sets the time zone for displaying and interpreting time stamps.',
    applyType: 'dynamic',
    dataType: 'string',
  },
  {
    name: 'work_mem',
    description: '(kB) Sets the maximum memory to be used for query workspaces.',
    applyType: 'dynamic',
    dataType: 'integer',
    allowedValues: '64-2147483647',
  },
];

const MYSQL_FALLBACK: Base[] = [
  {
    name: 'require_secure_transport',
    description: 'When this option is enabled, connections attempted using insecure transport will be rejected.',
    applyType: 'dynamic',
    dataType: 'boolean',
    allowedValues: '0,1',
  },
  {
    name: 'max_connections',
    description: 'The number of simultaneous clients allowed',
    applyType: 'dynamic',
    dataType: 'integer',
    allowedValues: '10-100000',
  },
  {
    name: 'innodb_buffer_pool_size',
    description: 'The size in bytes of the buffer pool, the memory area where InnoDB caches table and index data.',
    applyType: 'dynamic',
    dataType: 'integer',
  },
  {
    name: 'time_zone',
    description: 'The current time zone, used to initialize the time zone for a client when it connects.',
    applyType: 'dynamic',
    dataType: 'string',
  },
  {
    name: 'max_allowed_packet',
    description: 'Max packet length to send to or receive from the server',
    applyType: 'dynamic',
    dataType: 'integer',
    allowedValues: '1024-1073741824',
  },
  { name: 'character_set_server', description: 'The default character set', applyType: 'dynamic', dataType: 'string' },
  {
    name: 'performance_schema',
    description: 'Enable the performance schema.',
    applyType: 'static',
    dataType: 'boolean',
    allowedValues: '0,1',
  },
];

function engineDefault(base: Base): ParameterDefinition {
  return { ...base, source: 'engine-default', isModifiable: true, forServer: false };
}

function overlay(
  defs: Map<string, ParameterDefinition>,
  defaults: Record<string, { value: string; forServer?: boolean }>,
  notModifiable: ReadonlySet<string>,
): ParameterDefinition[] {
  for (const [name, { value, forServer }] of Object.entries(defaults)) {
    const def = defs.get(name);
    if (def) defs.set(name, { ...def, defaultValue: value, source: 'system', forServer: forServer ?? false });
  }
  for (const name of notModifiable) {
    const def = defs.get(name);
    if (def) defs.set(name, { ...def, isModifiable: false, source: 'system' });
  }
  return [...defs.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function postgresFamily(major: number, catalogs: EngineCatalogs): ParameterDefinition[] {
  const base = catalogs.postgres ? postgresDefinitions(catalogs.postgres.rows, major) : POSTGRES_FALLBACK.map(engineDefault);
  const defs = new Map(base.map((d) => [d.name, d]));
  for (const own of postgresOwnParameters(major)) {
    const { since: _since, forServer, ...rest } = own;
    defs.set(own.name, {
      ...rest,
      source: own.defaultValue === undefined ? 'engine-default' : 'system',
      isModifiable: true,
      forServer: forServer ?? false,
    });
  }
  return overlay(defs, postgresRdsDefaults(major), POSTGRES_NOT_MODIFIABLE);
}

/** MySQL and MariaDB families: both run on MariaDB here, so both take MariaDB's catalog. */
export function mysqlFamily(secureByDefault: boolean, catalogs: EngineCatalogs): ParameterDefinition[] {
  const base = catalogs.mariadb ? mariadbDefinitions(catalogs.mariadb.rows) : MYSQL_FALLBACK.map(engineDefault);
  const defs = new Map(base.map((d) => [d.name, d]));
  return overlay(defs, mysqlRdsDefaults(secureByDefault), MYSQL_NOT_MODIFIABLE);
}

export function familyParameters(engine: EngineName, major: string, catalogs: EngineCatalogs): ParameterDefinition[] {
  if (engine === 'postgres') return postgresFamily(Number(major), catalogs);
  // RDS turns require_secure_transport on by default from MySQL 8.4 and MariaDB 11.4.
  return mysqlFamily(engine === 'mysql' ? major === '8.4' : major === '11.4', catalogs);
}
