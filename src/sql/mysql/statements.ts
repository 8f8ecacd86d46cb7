import { createHash } from 'node:crypto';
import type { SqlEngine } from '../types.js';

/**
 * Pure builders of the SQL the MySQL/MariaDB gateway sends. Account and database names are
 * backtick-quoted identifiers (a backtick doubled; nothing else is special there, whatever the
 * sql_mode). Data (metadata, user names in WHERE clauses) travels as prepared-statement parameters.
 * The only string literal is a password, which is printable ASCII and escaped for the session's
 * sql_mode, which withMysqlConnection pins.
 */

/** Where the broker keeps binding metadata: MariaDB has no user ATTRIBUTE, so both engines use a table. */
export const METADATA_SCHEMA = 'rds_broker';
export const METADATA_TABLE = 'binding_users';

/** Binding accounts connect from anywhere, as RDS's own master does; the network decides who reaches it. */
export const ACCOUNT_HOST = '%';

export const quoteIdentifier = (name: string): string => `\`${name.replace(/`/g, '``')}\``;

export const account = (username: string): string => `${quoteIdentifier(username)}@${quoteIdentifier(ACCOUNT_HOST)}`;

/**
 * A database-level GRANT treats `_` and `%` in the database name as wildcards: `app_db` would also
 * grant on `appXdb`. Escaped, the grant names exactly one database. This string is also what
 * mysql.db stores in its Db column.
 */
export const grantPattern = (database: string): string => database.replace(/\\/g, '\\\\').replace(/_/g, '\\_').replace(/%/g, '\\%');

const passwordLiteral = (password: string): string => `'${password.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** MariaDB's mysql_native_password hash, so the password itself is never in a statement (or a log). */
export function nativePasswordHash(password: string): string {
  const once = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

function identifiedBy(engine: SqlEngine, password: string): string {
  // MySQL 8 has no IDENTIFIED BY PASSWORD and defaults to a salted plugin; it rewrites passwords
  // out of its logs itself.
  return engine === 'mariadb' ? `IDENTIFIED BY PASSWORD '${nativePasswordHash(password)}'` : `IDENTIFIED BY ${passwordLiteral(password)}`;
}

export function createMetadataSchema(): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(METADATA_SCHEMA)} CHARACTER SET utf8mb4`,
    `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(METADATA_SCHEMA)}.${quoteIdentifier(METADATA_TABLE)} (
       username VARCHAR(80) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
       binding_id VARCHAR(1024) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
       secret_id VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
       read_only BOOLEAN NOT NULL,
       database_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL
     ) ENGINE = InnoDB`,
  ];
}

export const upsertMetadataSql = `INSERT INTO ${quoteIdentifier(METADATA_SCHEMA)}.${quoteIdentifier(METADATA_TABLE)}
  (username, binding_id, secret_id, read_only, database_name) VALUES (?, ?, ?, ?, ?)
  ON DUPLICATE KEY UPDATE binding_id = VALUES(binding_id), secret_id = VALUES(secret_id), read_only = VALUES(read_only), database_name = VALUES(database_name)`;

export const deleteMetadataSql = `DELETE FROM ${quoteIdentifier(METADATA_SCHEMA)}.${quoteIdentifier(METADATA_TABLE)} WHERE username = ?`;

export function createUser(engine: SqlEngine, username: string, password: string): string {
  return `CREATE USER IF NOT EXISTS ${account(username)} ${identifiedBy(engine, password)} ACCOUNT UNLOCK PASSWORD EXPIRE NEVER`;
}

export function alterUserPassword(engine: SqlEngine, username: string, password: string): string {
  return `ALTER USER ${account(username)} ${identifiedBy(engine, password)} ACCOUNT UNLOCK PASSWORD EXPIRE NEVER`;
}

export function dropUser(username: string): string {
  return `DROP USER IF EXISTS ${account(username)}`;
}

/**
 * What a read-write binding may do in its database: everything at database level except GRANT
 * OPTION, listed rather than ALL so the master (which holds exactly these on RDS) can always grant it.
 * MySQL has no object ownership: whatever one binding creates, the others can use, and dropping a
 * user drops none of its tables.
 */
export const READ_WRITE_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'REFERENCES',
  'INDEX',
  'ALTER',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'EXECUTE',
  'CREATE VIEW',
  'SHOW VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'EVENT',
  'TRIGGER',
] as const;
export const READ_ONLY_PRIVILEGES = ['SELECT'] as const;

/** mysql.db column for each database-level privilege. */
export const PRIVILEGE_COLUMNS: Record<string, string> = {
  SELECT: 'Select_priv',
  INSERT: 'Insert_priv',
  UPDATE: 'Update_priv',
  DELETE: 'Delete_priv',
  CREATE: 'Create_priv',
  DROP: 'Drop_priv',
  REFERENCES: 'References_priv',
  INDEX: 'Index_priv',
  ALTER: 'Alter_priv',
  'CREATE TEMPORARY TABLES': 'Create_tmp_table_priv',
  'LOCK TABLES': 'Lock_tables_priv',
  EXECUTE: 'Execute_priv',
  'CREATE VIEW': 'Create_view_priv',
  'SHOW VIEW': 'Show_view_priv',
  'CREATE ROUTINE': 'Create_routine_priv',
  'ALTER ROUTINE': 'Alter_routine_priv',
  EVENT: 'Event_priv',
  TRIGGER: 'Trigger_priv',
  GRANT: 'Grant_priv',
  'DELETE HISTORY': 'Delete_history_priv',
};

export function desiredPrivileges(readOnly: boolean): string[] {
  return [...(readOnly ? READ_ONLY_PRIVILEGES : READ_WRITE_PRIVILEGES)];
}

/** The privileges a mysql.db row grants, by name; an absent row grants none. */
export function privilegesOfRow(row: Record<string, unknown> | undefined): string[] {
  if (!row) return [];
  return Object.entries(PRIVILEGE_COLUMNS)
    .filter(([, column]) => row[column] === 'Y')
    .map(([privilege]) => privilege);
}

export function samePrivileges(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

export function grantOnDatabase(privileges: readonly string[], database: string, username: string): string {
  return `GRANT ${privileges.join(', ')} ON ${quoteIdentifier(grantPattern(database))}.* TO ${account(username)}`;
}

export function revokeAllOnDatabase(database: string, username: string): string {
  return `REVOKE ALL PRIVILEGES ON ${quoteIdentifier(grantPattern(database))}.* FROM ${account(username)}`;
}
