import { createHash } from 'node:crypto';
import { DatabaseError, invalidSpec } from './errors.js';

/**
 * Pure functions that turn what the RDS model asks for into a MariaDB option file and SQL. No I/O.
 * MySQL and MariaDB instances are both served by MariaDB (Debian's mariadb-server), which speaks
 * MySQL's protocol to clients.
 */

export const MARIADB_ADMIN = 'rdsadmin';
export const MARIADB_ADMIN_PASSWORD_FILE = 'rds-emulator-admin.password';

/** mysql_native_password's stored form: "*" and SHA1(SHA1(password)) in upper-case hex. */
export function nativePasswordHash(password: string): string {
  const once = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

/** A string literal for MariaDB SQL (NO_BACKSLASH_ESCAPES off, the default). */
export function sqlString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\0', '\\0')}'`;
}

export function sqlIdentifier(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/** Settings the emulator owns; a parameter group cannot move them (RDS does not let it either). */
const ENGINE_OWNED = new Set([
  'datadir',
  'port',
  'bind_address',
  'socket',
  'pid_file',
  'skip_networking',
  'skip_name_resolve',
  'user',
  'basedir',
  'ssl_cert',
  'ssl_key',
  'ssl_ca',
  'ssl_capath',
  'ssl_crl',
  'ssl_crlpath',
  'ssl_cipher',
  'tls_version',
  'log_bin',
  'log_bin_index',
  'log_error',
  'server_id',
  'binlog_format',
  'init_file',
  'plugin_dir',
  'tmpdir',
  'innodb_data_home_dir',
  'innodb_log_group_home_dir',
  'innodb_log_file_size',
  'innodb_flush_method',
  'secure_file_priv',
  'general_log_file',
  'slow_query_log_file',
  'log_basename',
]);

const NAME = /^[a-z_][a-z0-9_]*$/;
/** Option files have no quoting that survives every character, so values stay plain. */
const SAFE_VALUE = /^[^\0\r\n"'\\#]*$/;

export const REQUIRE_SECURE_TRANSPORT = 'require_secure_transport';

export function secureTransportRequired(parameters: Record<string, string>): boolean {
  const value = parameters[REQUIRE_SECURE_TRANSPORT];
  return value !== undefined && ['1', 'on', 'true', 'yes'].includes(value.trim().toLowerCase());
}

/** Which parameter-group entries go to the server (names as MariaDB spells them: "_", lower case). */
export function selectMariadbParameters(parameters: Record<string, string>): { settings: Array<[string, string]>; ignored: string[] } {
  const settings: Array<[string, string]> = [];
  const ignored: string[] = [];
  const bad: string[] = [];
  for (const [rawName, value] of Object.entries(parameters)) {
    const name = rawName.trim().toLowerCase().replaceAll('-', '_');
    if (!NAME.test(name)) bad.push(`${JSON.stringify(rawName)} is not a parameter name`);
    else if (typeof value !== 'string' || !SAFE_VALUE.test(value))
      bad.push(`${name} has a value with quotes, backslashes, # or line breaks`);
    else if (name.startsWith('rds') || ENGINE_OWNED.has(name)) ignored.push(name);
    else settings.push([name, value.trim()]);
  }
  if (bad.length > 0) throw new DatabaseError('InvalidParameter', `invalid parameters: ${bad.join('; ')}`);
  settings.sort(([a], [b]) => a.localeCompare(b));
  return { settings, ignored };
}

export interface OptionFileInput {
  dataDir: string;
  port: number;
  socket: string;
  pidFile: string;
  certFile: string;
  keyFile: string;
  caFile: string;
  binlogDir: string;
  durable: boolean;
  bufferPool: string;
  maxConnections: number;
  parameters: Record<string, string>;
  initFile?: string;
  /** Unique among the servers that replicate with each other. */
  serverId: number;
  /** A read replica: writes refused (read_only), replicated changes applied. */
  readOnly?: boolean;
}

/** A server_id from the instance's data directory: distinct for every instance, stable across restarts. */
export function serverIdFor(dataDir: string): number {
  return (createHash('sha256').update(dataDir).digest().readUInt32BE(0) % 4_000_000_000) + 2;
}

export function assertOptionFilePath(path: string): void {
  if (!SAFE_VALUE.test(path) || /\s/.test(path))
    throw invalidSpec(`${JSON.stringify(path)}: MariaDB option files cannot hold paths with spaces, quotes, backslashes or #`);
}

/** The instance's whole option file; the server reads nothing else (--defaults-file). */
export function renderOptionFile(input: OptionFileInput): string {
  for (const path of [input.dataDir, input.socket, input.pidFile, input.certFile, input.keyFile, input.caFile, input.binlogDir])
    assertOptionFilePath(path);
  const lines = [
    '# Written by the RDS emulator at every start; edits are overwritten.',
    '[mariadbd]',
    `datadir=${input.dataDir}`,
    `port=${input.port}`,
    'bind-address=127.0.0.1',
    `socket=${input.socket}`,
    `pid-file=${input.pidFile}`,
    'skip-name-resolve',
    `ssl-cert=${input.certFile}`,
    `ssl-key=${input.keyFile}`,
    `ssl-ca=${input.caFile}`,
    'tls-version=TLSv1.2,TLSv1.3',
    `require-secure-transport=${secureTransportRequired(input.parameters) ? 'ON' : 'OFF'}`,
    `max-connections=${input.maxConnections}`,
    // Small instances: many of them share one machine.
    `innodb-buffer-pool-size=${input.bufferPool}`,
    'innodb-log-file-size=4M',
    'aria-pagecache-buffer-size=8M',
    'key-buffer-size=1M',
    'performance-schema=OFF',
    `innodb-flush-method=${input.durable ? 'fsync' : 'nosync'}`,
    // The binary log is what a point-in-time restore replays on top of a backup.
    `log-bin=${input.binlogDir}/mysql-bin`,
    `server-id=${input.serverId}`,
    'binlog-format=ROW',
    // A replica logs what it applies, so it can be the source of another (a chain).
    'log-slave-updates=ON',
    `read-only=${input.readOnly ? 'ON' : 'OFF'}`,
  ];
  if (input.initFile) {
    assertOptionFilePath(input.initFile);
    lines.push(`init-file=${input.initFile}`);
  }
  const { settings } = selectMariadbParameters(input.parameters);
  // "loose-": an option this server does not know is skipped with a warning instead of stopping it.
  for (const [name, value] of settings) if (name !== REQUIRE_SECURE_TRANSPORT) lines.push(`loose-${name.replaceAll('_', '-')}=${value}`);
  return `${lines.join('\n')}\n`;
}

/**
 * The master user's global privileges, RDS's list for MariaDB ("Master user account privileges"),
 * WITH GRANT OPTION: no SUPER, FILE, SHUTDOWN or other administration. REPLICATION CLIENT is
 * called BINLOG MONITOR since MariaDB 10.5; DELETE HISTORY (10.3+) is part of what a database-level
 * ALL needs, so the master can still grant ALL on a database.
 */
export const MASTER_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'RELOAD',
  'PROCESS',
  'REFERENCES',
  'INDEX',
  'ALTER',
  'SHOW DATABASES',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'EXECUTE',
  'REPLICATION SLAVE',
  'BINLOG MONITOR',
  'CREATE VIEW',
  'SHOW VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'CREATE USER',
  'EVENT',
  'TRIGGER',
  'DELETE HISTORY',
];

/**
 * SQL run once, before the first start accepts connections (--init-file): the emulator's own
 * administrator (every privilege), the master user (RDS's privileges, from anywhere), the initial database,
 * and no trace of the accounts mariadb-install-db made. Passwords appear only as hashes.
 */
export function firstStartSql(input: { adminPassword: string; masterUsername: string; masterPassword: string; dbName: string }): string {
  const admin = `${sqlString(MARIADB_ADMIN)}@'127.0.0.1'`;
  const master = `${sqlString(input.masterUsername)}@'%'`;
  const statements = [
    `DELETE FROM mysql.global_priv WHERE User IN ('root', 'mysql', '')`,
    `DELETE FROM mysql.proxies_priv WHERE User IN ('root', 'mysql', '')`,
    'FLUSH PRIVILEGES',
    `CREATE USER ${admin} IDENTIFIED BY PASSWORD ${sqlString(nativePasswordHash(input.adminPassword))}`,
    `GRANT ALL PRIVILEGES ON *.* TO ${admin} WITH GRANT OPTION`,
    `CREATE USER ${master} IDENTIFIED BY PASSWORD ${sqlString(nativePasswordHash(input.masterPassword))}`,
    `GRANT ${MASTER_PRIVILEGES.join(', ')} ON *.* TO ${master} WITH GRANT OPTION`,
  ];
  if (input.dbName) statements.push(`CREATE DATABASE IF NOT EXISTS ${sqlIdentifier(input.dbName)}`);
  return `${statements.join(';\n')};\n`;
}

const MASTER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,31}$/;

export function validateMariadbNames(masterUsername: string, dbName: string): void {
  if (!MASTER_NAME.test(masterUsername)) {
    throw invalidSpec(
      `master username ${JSON.stringify(masterUsername)} must start with a letter and hold at most 32 letters, digits and _`,
    );
  }
  if (['rdsadmin', 'root', 'mysql', 'mariadb.sys'].includes(masterUsername.toLowerCase()))
    throw invalidSpec(`master username ${masterUsername} is reserved`);
  if (dbName && !/^[A-Za-z0-9_$]{1,64}$/.test(dbName))
    throw invalidSpec(`database name ${JSON.stringify(dbName)} must be 1 to 64 letters, digits, _ or $`);
}

/** --stop-datetime for mariadb-binlog: the target's whole second, in UTC (binlog times are whole seconds). */
export function binlogStopTime(target: Date): string {
  return target.toISOString().slice(0, 19).replace('T', ' ');
}
