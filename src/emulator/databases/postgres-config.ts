import { DatabaseError } from './errors.js';

/**
 * Pure functions that turn what the RDS model asks for into PostgreSQL's configuration files. No
 * I/O here: the engine writes what these return.
 *
 * The data directory's postgresql.conf (from initdb) ends with two includes, read in this order so
 * that the emulator's own settings win over a parameter group's:
 *   rds-parameters.conf  parameter-group values (rewritten by applyParameters)
 *   rds-server.conf      port, TLS, WAL archiving, memory (rewritten at every start)
 */

export const PARAMETERS_FILE = 'rds-parameters.conf';
export const SERVER_FILE = 'rds-server.conf';
export const INCLUDE_LINES = `\n# Added by the RDS emulator.\ninclude_if_exists = '${PARAMETERS_FILE}'\ninclude_if_exists = '${SERVER_FILE}'\n`;

/**
 * Settings the emulator owns: a parameter group cannot move the port, switch TLS or archiving off,
 * or point the server at other files (RDS does not let it either). Such names are ignored.
 */
const ENGINE_OWNED = new Set([
  'listen_addresses',
  'port',
  'unix_socket_directories',
  'unix_socket_group',
  'unix_socket_permissions',
  'ssl',
  'ssl_cert_file',
  'ssl_key_file',
  'ssl_ca_file',
  'ssl_crl_file',
  'ssl_crl_dir',
  'wal_level',
  'archive_mode',
  'archive_command',
  'archive_library',
  'archive_timeout',
  'wal_segment_size',
  'restore_command',
  'archive_cleanup_command',
  'recovery_end_command',
  'recovery_target',
  'recovery_target_time',
  'recovery_target_xid',
  'recovery_target_name',
  'recovery_target_lsn',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_timeline',
  'primary_conninfo',
  'primary_slot_name',
  'data_directory',
  'config_file',
  'hba_file',
  'ident_file',
  'external_pid_file',
  'include',
  'include_dir',
  'include_if_exists',
  'logging_collector',
  'log_directory',
  'log_filename',
  'log_destination',
  'fsync',
]);

/** The parameter that decides pg_hba.conf: RDS's, not a PostgreSQL setting. */
export const FORCE_SSL = 'rds.force_ssl';

const NAME = /^[a-z_][a-z0-9_$]*(\.[a-z_][a-z0-9_$]*)?$/i;

/** A value as a postgresql.conf string literal. */
export function confString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** A word for /bin/sh, inside which nothing is special. */
export function shellWord(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function isTrue(value: string): boolean {
  return ['1', 'on', 'true', 'yes'].includes(value.trim().toLowerCase());
}

/** rds.force_ssl, with RDS's default when the group does not set it: 1 from PostgreSQL 15. */
export function forceSsl(parameters: Record<string, string>, engineVersion: string): boolean {
  const value = parameters[FORCE_SSL];
  if (value !== undefined) return isTrue(value);
  const major = Number.parseInt(engineVersion, 10);
  return !Number.isFinite(major) || major >= 15;
}

/**
 * Which parameter-group entries go to the server, and which are left out and why. Throws on a name
 * or value that could not be written safely, before anything is written.
 */
export function selectServerParameters(parameters: Record<string, string>): { settings: Array<[string, string]>; ignored: string[] } {
  const settings: Array<[string, string]> = [];
  const ignored: string[] = [];
  const bad: string[] = [];
  for (const [rawName, value] of Object.entries(parameters)) {
    const name = rawName.trim();
    if (!NAME.test(name)) bad.push(`${JSON.stringify(rawName)} is not a parameter name`);
    else if (typeof value !== 'string' || /[\0\r\n]/.test(value)) bad.push(`${name} has a value that is not one line of text`);
    else if (name.toLowerCase().startsWith('rds.') || ENGINE_OWNED.has(name.toLowerCase())) ignored.push(name);
    else settings.push([name.toLowerCase(), value]);
  }
  if (bad.length > 0) throw new DatabaseError('InvalidParameter', `invalid parameters: ${bad.join('; ')}`);
  settings.sort(([a], [b]) => a.localeCompare(b));
  return { settings, ignored };
}

export function renderParameters(parameters: Record<string, string>): string {
  const { settings } = selectServerParameters(parameters);
  const lines = settings.map(([name, value]) => `${name} = ${confString(value)}`);
  return `# Parameter-group values, written by the RDS emulator.\n${lines.join('\n')}\n`;
}

/**
 * pg_hba.conf. With rds.force_ssl on, only TLS connections have a line, so a plain-text one is
 * refused with PostgreSQL's own "no pg_hba.conf entry for host …, no encryption" — the message
 * RDS gives. There are no Unix-socket lines: the server listens on TCP only.
 */
export function renderHba(tlsOnly: boolean): string {
  return [
    '# Written by the RDS emulator from rds.force_ssl; edits are overwritten.',
    '# TYPE     DATABASE  USER  ADDRESS       METHOD',
    tlsOnly ? 'hostssl    all       all   127.0.0.1/32  scram-sha-256' : 'host       all       all   127.0.0.1/32  scram-sha-256',
    // Read replicas stream the WAL over TLS as the replication role, whatever rds.force_ssl says.
    'hostssl    replication  rdsrepladmin  127.0.0.1/32  scram-sha-256',
    '',
  ].join('\n');
}

export interface ServerSettingsInput {
  port: number;
  certFile: string;
  keyFile: string;
  walArchiveDir: string;
  archiveTimeoutSeconds: number;
  sharedBuffers: string;
  maxConnections: number;
  durable: boolean;
  /** Present while the server must recover from an archive (point-in-time restore). */
  recovery?: { archiveDir: string; targetTime?: Date };
  /** Names the parameter group sets: of the sizes and defaults below, the group's win. */
  groupSets?: ReadonlySet<string>;
  /** Present while the server is a read replica: a hot standby streaming from its source. */
  standby?: { primaryConninfo: string; slotName: string };
}

/** The replication connection a standby opens: TLS with the source's certificate verified, password from a file. */
export function primaryConninfo(input: { port: number; caFile: string; passFile: string; applicationName: string }): string {
  const word = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  return [
    'host=127.0.0.1',
    `port=${input.port}`,
    `user=${REPLICATION_USER}`,
    `passfile=${word(input.passFile)}`,
    'sslmode=verify-full',
    `sslrootcert=${word(input.caFile)}`,
    `application_name=${word(input.applicationName)}`,
  ].join(' ');
}

/** The role replicas connect as (RDS's is rdsrepladmin too); made on the source by the emulator's administrator. */
export const REPLICATION_USER = 'rdsrepladmin';

/** A replication slot name for a replica: lower case letters, digits and _, at most 63 bytes. */
export function replicationSlotName(replicaId: string): string {
  return `rds_replica_${replicaId.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

/** Settings this file gives a value only when the parameter group does not (RDS lets a group change them). */
const GROUP_MAY_SET = new Set([
  'max_connections',
  'shared_buffers',
  'min_wal_size',
  'max_wal_size',
  'timezone',
  'log_timezone',
  'password_encryption',
  'ssl_min_protocol_version',
]);

/** The command that copies a finished WAL segment to the archive, compressed (1 MB → a few kB). */
export function archiveCommand(archiveDir: string): string {
  const into = (suffix: string) => `${shellWord(`${archiveDir}/`).replaceAll('%', '%%')}%f${suffix}`;
  // touch -r keeps the segment's last-write time on the archived copy: restorableWindow() reads it.
  return `gzip -1 -c %p > ${into('.gz.part')} && touch -r %p ${into('.gz.part')} && mv -f ${into('.gz.part')} ${into('.gz')}`;
}

export function restoreCommand(archiveDir: string): string {
  const from = `${shellWord(`${archiveDir}/`).replaceAll('%', '%%')}%f.gz`;
  return `test -f ${from} && gzip -dc ${from} > %p`;
}

/** A time as recovery_target_time reads it (its parser takes no ISO 8601 "T" or "Z"); UTC, milliseconds. */
export function recoveryTime(time: Date): string {
  return time.toISOString().replace('T', ' ').replace('Z', '+00');
}

export function renderServerSettings(input: ServerSettingsInput): string {
  const lines: Array<[string, string]> = [
    ['listen_addresses', confString('127.0.0.1')],
    ['port', String(input.port)],
    // No Unix socket: the server's account may not be able to write the default directory, and
    // every client of an RDS instance connects over TCP anyway.
    ['unix_socket_directories', "''"],
    ['max_connections', String(input.maxConnections)],
    ['shared_buffers', confString(input.sharedBuffers)],
    ['huge_pages', 'off'],
    ['ssl', 'on'],
    ['ssl_cert_file', confString(input.certFile)],
    ['ssl_key_file', confString(input.keyFile)],
    ['ssl_min_protocol_version', confString('TLSv1.2')],
    ['password_encryption', confString('scram-sha-256')],
    ['wal_level', 'replica'],
    ['archive_mode', 'on'],
    ['archive_command', confString(archiveCommand(input.walArchiveDir))],
    ['archive_timeout', String(input.archiveTimeoutSeconds)],
    ['min_wal_size', confString('4MB')],
    ['max_wal_size', confString('64MB')],
    // Without fsync a machine crash can lose data; a crash of the emulator cannot (the WAL is
    // written to the operating system at every commit). Emulated databases trade the first for speed.
    ['fsync', input.durable ? 'on' : 'off'],
    // Up to 15 read replicas, each with its slot and WAL sender, and room for backups beside them.
    ['max_wal_senders', '20'],
    ['max_replication_slots', '20'],
    ['timezone', confString('UTC')],
    ['log_timezone', confString('UTC')],
  ];
  const kept = lines.filter(([name]) => !(GROUP_MAY_SET.has(name) && input.groupSets?.has(name)));
  lines.splice(0, lines.length, ...kept);
  if (input.recovery) {
    lines.push(['restore_command', confString(restoreCommand(input.recovery.archiveDir))]);
    lines.push(['recovery_target_timeline', confString('latest')]);
    // No read-only connections while recovering: postmaster.pid then says "ready" only once the
    // server is promoted (with hot standby it says so as soon as it is consistent).
    lines.push(['hot_standby', 'off']);
    if (input.recovery.targetTime) {
      lines.push(['recovery_target_time', confString(recoveryTime(input.recovery.targetTime))]);
      lines.push(['recovery_target_action', confString('promote')]);
    }
  }
  if (input.standby) {
    lines.push(['primary_conninfo', confString(input.standby.primaryConninfo)]);
    lines.push(['primary_slot_name', confString(input.standby.slotName)]);
    lines.push(['hot_standby', 'on']);
    lines.push(['recovery_target_timeline', confString('latest')]);
    // A source restarted (or the emulator) is found again within a second, not the default five.
    lines.push(['wal_retrieve_retry_interval', confString('1s')]);
  }
  return `# Written by the RDS emulator at every start; edits are overwritten.\n${lines.map(([n, v]) => `${n} = ${v}`).join('\n')}\n`;
}

export type PostmasterStatus = 'starting' | 'stopping' | 'ready' | 'standby' | 'unknown';

/** What postmaster.pid says: its pid and, on line 8, the state pg_ctl also waits on. */
export function parsePostmasterPid(content: string): { pid: number; port?: number; status: PostmasterStatus } | undefined {
  const lines = content.split('\n');
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const port = Number.parseInt(lines[3] ?? '', 10);
  const raw = (lines[7] ?? '').trim();
  const status: PostmasterStatus = raw === 'starting' || raw === 'stopping' || raw === 'ready' || raw === 'standby' ? raw : 'unknown';
  return { pid, port: Number.isInteger(port) ? port : undefined, status };
}
