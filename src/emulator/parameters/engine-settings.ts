/**
 * The engines' own settings catalogs turned into RDS parameters: pure functions from the rows
 * read-settings.ts gets out of the binaries.
 *
 * PostgreSQL (pg_settings): context postmaster → static, anything else → dynamic (internal ones,
 * which no configuration file can set, are left out, as RDS leaves them out); bool → boolean
 * "0,1", integer/real → integer/float "min-max", enum → string with its values, string → string
 * (list for the settings PostgreSQL parses as lists). The unit goes in front of the description,
 * as RDS writes it: "(kB) Sets the maximum memory to be used for query workspaces."
 *
 * MariaDB (SYSTEM_VARIABLES): READ_ONLY → static (it can only be set at startup), others dynamic;
 * variables that are neither settable at runtime nor at startup (version, have_*), session-only
 * ones (timestamp, insert_id) and Galera's wsrep_* (RDS has no Galera) are left out.
 */
import type { ParameterDefinition } from './definition.js';
import type { MariadbVariableRow, PgSettingRow } from './read-settings.js';

/** PostgreSQL settings whose values are comma-separated lists (GUC_LIST_INPUT). */
const PG_LISTS = new Set([
  'shared_preload_libraries',
  'session_preload_libraries',
  'local_preload_libraries',
  'search_path',
  'temp_tablespaces',
  'log_destination',
  'unix_socket_directories',
  'debug_io_direct',
  'synchronous_standby_names',
  'synchronized_standby_slots',
  'pg_stat_statements.track_planning',
]);

/** Settings PostgreSQL 17 added, absent from the groups of older families. */
const PG_ADDED: Record<number, string[]> = {
  17: [
    'allow_alter_system',
    'commit_timestamp_buffers',
    'enable_group_by_reordering',
    'event_triggers',
    'io_combine_limit',
    'max_notify_queue_pages',
    'multixact_member_buffers',
    'multixact_offset_buffers',
    'notify_buffers',
    'serializable_buffers',
    'subtransaction_buffers',
    'summarize_wal',
    'sync_replication_slots',
    'synchronized_standby_slots',
    'trace_connection_negotiation',
    'transaction_buffers',
    'transaction_timeout',
    'wal_summary_keep_time',
  ],
  16: [
    'createrole_self_grant',
    'debug_io_direct',
    'debug_logical_replication_streaming',
    'debug_parallel_query',
    'enable_presorted_aggregate',
    'gss_accept_delegation',
    'icu_validation_level',
    'max_parallel_apply_workers_per_subscription',
    'reserved_connections',
    'scram_iterations',
    'send_abort_for_crash',
    'send_abort_for_kill',
    'vacuum_buffer_usage_limit',
  ],
};

function pgDataType(row: PgSettingRow): ParameterDefinition['dataType'] {
  if (row.vartype === 'bool') return 'boolean';
  if (row.vartype === 'integer') return 'integer';
  if (row.vartype === 'real') return 'float';
  if (row.vartype === 'string' && PG_LISTS.has(row.name)) return 'list';
  return 'string';
}

function pgAllowed(row: PgSettingRow): string | undefined {
  if (row.vartype === 'bool') return '0,1';
  if ((row.vartype === 'integer' || row.vartype === 'real') && row.min !== '' && row.max !== '') return `${row.min}-${row.max}`;
  if (row.vartype === 'enum' && row.enumvals) return row.enumvals;
  return undefined;
}

/** The parameters of a PostgreSQL family of major version `major`, from the server's pg_settings. */
export function postgresDefinitions(rows: readonly PgSettingRow[], major: number): ParameterDefinition[] {
  const absent = new Set(Object.entries(PG_ADDED).flatMap(([since, names]) => (major < Number(since) ? names : [])));
  return rows
    .filter((row) => row.context !== 'internal' && !absent.has(row.name))
    .map((row) => ({
      // RDS spells them in lower case (timezone, datestyle), as PostgreSQL matches them.
      name: row.name.toLowerCase(),
      description: row.unit ? `(${row.unit}) ${row.description}` : row.description,
      applyType: row.context === 'postmaster' ? ('static' as const) : ('dynamic' as const),
      dataType: pgDataType(row),
      allowedValues: pgAllowed(row),
      source: 'engine-default' as const,
      isModifiable: true,
      forServer: false,
    }));
}

function mariadbDataType(row: MariadbVariableRow): ParameterDefinition['dataType'] {
  if (row.type === 'BOOLEAN') return 'boolean';
  if (/INT/.test(row.type)) return 'integer';
  if (row.type === 'DOUBLE') return 'float';
  if (row.type === 'SET') return 'list';
  return 'string';
}

function trimNumber(value: string): string {
  return /^-?\d+\.\d+$/.test(value) ? value.replace(/\.?0+$/, '') : value;
}

function mariadbAllowed(row: MariadbVariableRow): string | undefined {
  if (row.type === 'BOOLEAN') return '0,1';
  if ((/INT/.test(row.type) || row.type === 'DOUBLE') && row.min !== null && row.max !== null)
    return `${trimNumber(row.min)}-${trimNumber(row.max)}`;
  if ((row.type === 'ENUM' || row.type === 'SET') && row.enumValues) return row.enumValues;
  return undefined;
}

export function mariadbDefinitions(rows: readonly MariadbVariableRow[]): ParameterDefinition[] {
  return rows
    .filter((row) => row.scope !== 'SESSION ONLY' && !row.name.startsWith('wsrep_') && !(row.readOnly && row.commandLine === null))
    .map((row) => ({
      name: row.name,
      description: row.description,
      applyType: row.readOnly ? ('static' as const) : ('dynamic' as const),
      dataType: mariadbDataType(row),
      allowedValues: mariadbAllowed(row),
      source: 'engine-default' as const,
      isModifiable: true,
      forServer: false,
    }));
}
