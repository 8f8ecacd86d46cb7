import type mysql from 'mysql2/promise';
import { DatabaseAuthError, DatabaseOperationError, InvalidSqlInputError } from '../errors.js';
import { sameMetadata, type BindingMetadata } from '../metadata.js';
import { BINDING_USER_PREFIX, validateBindingPassword, validateBindingUsername, validateDatabaseName } from '../names.js';
import type { BindingUserInfo, BindingUserSpec, DatabaseTarget, EnsureOutcome, SqlEngine, SqlGateway } from '../types.js';
import { withMysqlConnection } from './connection.js';
import {
  ACCOUNT_HOST,
  alterUserPassword,
  createMetadataSchema,
  createUser,
  deleteMetadataSql,
  desiredPrivileges,
  dropUser,
  grantOnDatabase,
  grantPattern,
  METADATA_SCHEMA,
  METADATA_TABLE,
  privilegesOfRow,
  quoteIdentifier,
  revokeAllOnDatabase,
  samePrivileges,
  upsertMetadataSql,
} from './statements.js';

/**
 * MySQL and MariaDB binding users: one account per binding (`name`@`%`) with privileges on the
 * target database only (read-only: SELECT), metadata in the broker's own table (rds_broker.
 * binding_users), since MariaDB has no user attributes. A user counts as the broker's when its name
 * has the prefix AND it has a metadata row. The metadata row is written before the account is
 * created and deleted after it is dropped, so a crash never leaves an account nobody lists.
 */
export function createMysqlGateway(): SqlGateway {
  return {
    ensureBindingUser,
    dropBindingUser,
    findBindingUser,
    listBindingUsers,
    neutraliseBindingUsers,
    canLogin,
    ensureExtensions,
    dropExtensions,
  };
}

/** A named server-wide lock serialises the broker's account changes (two replicas binding at once). */
const LOCK_NAME = 'rds-broker:binding-users';
const LOCK_WAIT_SECONDS = 30;

const master = (target: DatabaseTarget) => ({ username: target.masterUsername, password: target.masterPassword });

function checkTarget(target: DatabaseTarget): void {
  validateDatabaseName(target.database);
  if (target.database === METADATA_SCHEMA)
    throw new InvalidSqlInputError(`database name ${METADATA_SCHEMA} is reserved for the broker's metadata`);
  if ([...target.database].length > 64) throw new InvalidSqlInputError('MySQL database names have at most 64 characters');
}

async function withLock<T>(connection: mysql.Connection, operation: string, fn: () => Promise<T>): Promise<T> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(`SELECT GET_LOCK(?, ?) AS got`, [LOCK_NAME, LOCK_WAIT_SECONDS]);
  if (rows[0]?.got !== 1)
    throw new DatabaseOperationError(operation, `another broker process held the account lock for ${LOCK_WAIT_SECONDS} s`);
  try {
    return await fn();
  } finally {
    await connection.query(`SELECT RELEASE_LOCK(?)`, [LOCK_NAME]).catch(() => undefined);
  }
}

async function execute(connection: mysql.Connection, statements: string[]): Promise<void> {
  for (const sql of statements) await connection.query(sql);
}

interface AccountState {
  exists: boolean;
  metadata?: BindingMetadata;
  privileges: string[];
}

async function metadataTableExists(connection: mysql.Connection): Promise<boolean> {
  const [rows] = await connection.execute<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?`,
    [METADATA_SCHEMA, METADATA_TABLE],
  );
  return Number(rows[0]?.n ?? 0) > 0;
}

async function readMetadata(connection: mysql.Connection, username?: string): Promise<Map<string, BindingMetadata>> {
  const result = new Map<string, BindingMetadata>();
  if (!(await metadataTableExists(connection))) return result;
  const where = username === undefined ? '' : ' WHERE username = ?';
  const [rows] = await connection.execute<mysql.RowDataPacket[]>(
    `SELECT username, binding_id, secret_id, read_only FROM ${quoteIdentifier(METADATA_SCHEMA)}.${quoteIdentifier(METADATA_TABLE)}${where}`,
    username === undefined ? [] : [username],
  );
  for (const row of rows) {
    result.set(String(row.username), {
      bindingId: String(row.binding_id),
      secretId: String(row.secret_id),
      readOnly: Boolean(row.read_only),
    });
  }
  return result;
}

async function accountNames(connection: mysql.Connection, username?: string): Promise<string[]> {
  const [rows] = await connection.execute<mysql.RowDataPacket[]>(
    `SELECT CONVERT(User USING utf8mb4) AS name FROM mysql.user WHERE Host = ?${username === undefined ? '' : ' AND User = ?'}`,
    username === undefined ? [ACCOUNT_HOST] : [ACCOUNT_HOST, username],
  );
  return rows.map((r) => String(r.name)).filter((name) => name.startsWith(BINDING_USER_PREFIX));
}

async function databasePrivileges(connection: mysql.Connection, database: string, username: string): Promise<string[]> {
  const [rows] = await connection.execute<mysql.RowDataPacket[]>(`SELECT * FROM mysql.db WHERE Host = ? AND Db = ? AND User = ?`, [
    ACCOUNT_HOST,
    grantPattern(database),
    username,
  ]);
  return privilegesOfRow(rows[0]);
}

async function readAccount(connection: mysql.Connection, database: string, username: string): Promise<AccountState> {
  const exists = (await accountNames(connection, username)).includes(username);
  const metadata = (await readMetadata(connection, username)).get(username);
  return { exists, ...(metadata ? { metadata } : {}), privileges: exists ? await databasePrivileges(connection, database, username) : [] };
}

async function passwordWorks(target: DatabaseTarget, username: string, password: string): Promise<boolean> {
  try {
    await withMysqlConnection(target, { username, password, database: target.database }, 'checking a binding password', (c) =>
      c.query('SELECT 1'),
    );
    return true;
  } catch (error) {
    if (error instanceof DatabaseAuthError || error instanceof DatabaseOperationError) return false;
    throw error;
  }
}

async function ensureBindingUser(target: DatabaseTarget, spec: BindingUserSpec): Promise<EnsureOutcome> {
  checkTarget(target);
  const engine: SqlEngine = target.engine;
  validateBindingUsername(engine, spec.username);
  validateBindingPassword(spec.password);
  const metadata: BindingMetadata = {
    bindingId: String(spec.bindingId),
    secretId: String(spec.secretId),
    readOnly: spec.readOnly === true,
  };
  const desired = desiredPrivileges(metadata.readOnly);
  const operation = `ensuring binding user ${JSON.stringify(spec.username)}`;
  return withMysqlConnection(target, master(target), operation, (connection) =>
    withLock(connection, operation, async () => {
      await execute(connection, createMetadataSchema());
      const before = await readAccount(connection, target.database, spec.username);
      const metadataRow = [spec.username, metadata.bindingId, metadata.secretId, metadata.readOnly, target.database];
      let outcome: EnsureOutcome;
      if (!before.exists) {
        await connection.execute(upsertMetadataSql, metadataRow);
        await execute(connection, [
          createUser(engine, spec.username, spec.password),
          grantOnDatabase(desired, target.database, spec.username),
        ]);
        outcome = 'created';
      } else {
        const passwordOk = await passwordWorks(target, spec.username, spec.password);
        const grantsOk = samePrivileges(before.privileges, desired);
        if (passwordOk && grantsOk && sameMetadata(before.metadata, metadata)) return 'unchanged';
        await connection.execute(upsertMetadataSql, metadataRow);
        if (!passwordOk) await execute(connection, [alterUserPassword(engine, spec.username, spec.password)]);
        if (!grantsOk) {
          await execute(connection, [
            ...(before.privileges.length > 0 ? [revokeAllOnDatabase(target.database, spec.username)] : []),
            grantOnDatabase(desired, target.database, spec.username),
          ]);
        }
        outcome = 'updated';
      }
      const after = await readAccount(connection, target.database, spec.username);
      if (!after.exists || !samePrivileges(after.privileges, desired) || !sameMetadata(after.metadata, metadata)) {
        throw new DatabaseOperationError(
          operation,
          `the account still differs after the change (privileges: ${after.privileges.join(', ') || 'none'})`,
        );
      }
      return outcome;
    }),
  );
}

/** Best effort: RDS's master may not KILL other accounts' threads, but RDS provides mysql.rds_kill. */
async function endSessions(connection: mysql.Connection, username: string): Promise<void> {
  const [rows] = await connection.execute<mysql.RowDataPacket[]>(`SELECT ID AS id FROM information_schema.PROCESSLIST WHERE USER = ?`, [
    username,
  ]);
  for (const row of rows) {
    const id = Number(row.id);
    if (!Number.isSafeInteger(id)) continue;
    try {
      await connection.query(`KILL CONNECTION ${id}`);
    } catch {
      await connection.query(`CALL mysql.rds_kill(${id})`).catch(() => undefined);
    }
  }
}

async function dropWithConnection(connection: mysql.Connection, target: DatabaseTarget, username: string): Promise<'dropped' | 'absent'> {
  const operation = `dropping binding user ${JSON.stringify(username)}`;
  return withLock(connection, operation, async () => {
    const state = await readAccount(connection, target.database, username);
    if (!state.exists) {
      // A crash between DROP USER and the row's removal leaves a row; finish the job.
      if (state.metadata) await connection.execute(deleteMetadataSql, [username]);
      return 'absent';
    }
    if (!state.metadata) {
      throw new DatabaseOperationError(
        operation,
        `the account exists but has no row in ${METADATA_SCHEMA}.${METADATA_TABLE}; refusing to drop an account this broker did not create`,
      );
    }
    await endSessions(connection, username);
    await execute(connection, [dropUser(username)]);
    await connection.execute(deleteMetadataSql, [username]);
    return 'dropped';
  });
}

async function dropBindingUser(target: DatabaseTarget, username: string): Promise<'dropped' | 'absent'> {
  checkTarget(target);
  validateBindingUsername(target.engine, username);
  return withMysqlConnection(target, master(target), `dropping binding user ${JSON.stringify(username)}`, (c) =>
    dropWithConnection(c, target, username),
  );
}

async function listWithConnection(connection: mysql.Connection, target: DatabaseTarget, username?: string): Promise<BindingUserInfo[]> {
  const metadata = await readMetadata(connection, username);
  const users: BindingUserInfo[] = [];
  for (const name of (await accountNames(connection, username)).sort()) {
    const meta = metadata.get(name);
    if (!meta) continue;
    const privileges = await databasePrivileges(connection, target.database, name);
    // What the account can do wins over what the row says, so a rotated successor never gets more.
    users.push({
      username: name,
      readOnly: meta.readOnly || !privileges.includes('INSERT'),
      bindingId: meta.bindingId,
      secretId: meta.secretId,
    });
  }
  return users;
}

async function findBindingUser(target: DatabaseTarget, username: string): Promise<BindingUserInfo | undefined> {
  checkTarget(target);
  if (typeof username !== 'string' || !username.startsWith(BINDING_USER_PREFIX)) return undefined;
  const found = await withMysqlConnection(target, master(target), `finding binding user ${JSON.stringify(username)}`, (c) =>
    listWithConnection(c, target, username),
  );
  return found[0];
}

async function listBindingUsers(target: DatabaseTarget): Promise<BindingUserInfo[]> {
  checkTarget(target);
  return withMysqlConnection(target, master(target), 'listing binding users', (c) => listWithConnection(c, target));
}

async function neutraliseBindingUsers(target: DatabaseTarget, keep: string[]): Promise<string[]> {
  checkTarget(target);
  const kept = new Set(keep);
  return withMysqlConnection(target, master(target), 'removing the source database binding users', async (connection) => {
    const dropped: string[] = [];
    for (const user of await listWithConnection(connection, target)) {
      if (kept.has(user.username)) continue;
      if ((await dropWithConnection(connection, target, user.username)) === 'dropped') dropped.push(user.username);
    }
    return dropped;
  });
}

async function canLogin(target: DatabaseTarget, username: string, password: string): Promise<boolean> {
  checkTarget(target);
  if (typeof username !== 'string' || username.length === 0 || username.includes('\u0000')) {
    throw new InvalidSqlInputError('username must be a non-empty string without NUL characters');
  }
  try {
    await withMysqlConnection(target, { username, password, database: target.database }, `logging in as ${JSON.stringify(username)}`, (c) =>
      c.query('SELECT 1'),
    );
    return true;
  } catch (error) {
    if (error instanceof DatabaseAuthError) return false;
    throw error;
  }
}

/** MySQL and MariaDB have no extensions: nothing to ensure; asking for one is a caller's mistake. */
async function ensureExtensions(target: DatabaseTarget, names: string[]): Promise<void> {
  if (names.length > 0) throw new InvalidSqlInputError(`${target.engine} has no extensions (asked for ${names.join(', ')})`);
}

async function dropExtensions(target: DatabaseTarget, names: string[]): Promise<void> {
  if (names.length > 0) throw new InvalidSqlInputError(`${target.engine} has no extensions (asked to drop ${names.join(', ')})`);
}
