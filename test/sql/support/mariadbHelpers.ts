import mysql from 'mysql2/promise';
import { BINDING_USER_PREFIX, type BindingUserSpec, type DatabaseTarget } from '../../../src/sql/index.js';
import type { TestMariadb } from './mariadbServer.js';

/** Quotes, a statement, unicode, and both GRANT wildcards (`_` and `%`). */
export const HOSTILE_DATABASE = `app_db "x"; -- ü%`;
/** Matched by HOSTILE_DATABASE read as a wildcard pattern: a binding must never reach it. */
export const SIBLING_DATABASE = `appZdb "x"; -- ü and more`;

let counter = 0;
export const spec = (name: string, overrides: Partial<BindingUserSpec> = {}): BindingUserSpec => ({
  username: `${BINDING_USER_PREFIX}${name}`,
  password: `Pw-${++counter}-0123456789abc`,
  readOnly: false,
  secretId: 'k1',
  bindingId: `binding-${name}`,
  ...overrides,
});

export function targetFor(server: TestMariadb, overrides: Partial<DatabaseTarget> = {}): DatabaseTarget {
  return {
    engine: 'mariadb',
    host: server.host,
    port: server.port,
    database: server.database,
    masterUsername: server.masterUsername,
    masterPassword: server.masterPassword,
    tls: { caPem: server.ca.caPem, allowPlaintext: false },
    connectTimeoutMs: 5000,
    ...overrides,
  };
}

/** An application's connection, made with mysql2 directly, over verified TLS. */
export async function asUser<T>(server: TestMariadb, user: BindingUserSpec, run: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const c = await mysql.createConnection({
    host: server.host,
    port: server.port,
    user: user.username,
    password: user.password,
    database: server.database,
    ssl: { ca: server.ca.caPem, rejectUnauthorized: true },
  });
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

export async function loginWorks(server: TestMariadb, user: BindingUserSpec): Promise<boolean> {
  try {
    await asUser(server, user, (c) => c.query('SELECT 1'));
    return true;
  } catch (error) {
    // 1045 or 1698 (MariaDB answers the latter to some refused logins): both SQLSTATE 28000.
    if ((error as { sqlState?: string }).sqlState === '28000') return false;
    throw error;
  }
}

/** The MySQL error code a statement fails with, or 'ok'. */
export async function errorCode(c: mysql.Connection, sql: string): Promise<string> {
  try {
    await c.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

export async function accounts(server: TestMariadb): Promise<string[]> {
  return server.asRoot(async (c) => {
    const [rows] = await c.query<mysql.RowDataPacket[]>(
      `SELECT CONVERT(User USING utf8mb4) AS u FROM mysql.user WHERE User LIKE 'rdsb%' ORDER BY 1`,
    );
    return rows.map((r) => String(r.u));
  });
}

export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail, and it succeeded');
}

export const quoteName = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
