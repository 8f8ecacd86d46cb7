import { connect as netConnect, isIP, type Socket } from 'node:net';
import mysql from 'mysql2/promise';
import {
  classifyConnectionFailure,
  DatabaseAuthError,
  DatabaseOperationError,
  DatabaseTlsError,
  DatabaseUnreachableError,
  redact,
  SqlError,
} from '../errors.js';
import type { DatabaseTarget } from '../types.js';

export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

export interface MysqlLogin {
  username: string;
  password: string;
  /** Default database of the session; the master connects without one (the metadata lives apart). */
  database?: string;
}

/**
 * The TCP socket mysql2 upgrades to TLS. mysql2 hands Node no host name when the host is an IP
 * address, and Node then checks the certificate against "localhost" (seen here: a certificate for
 * 127.0.0.1 and localhost was accepted on 127.0.0.2). Node falls back to the socket's `_host`
 * before "localhost", so the address we dialled is recorded there; the TLS tests prove it holds.
 */
function dial(host: string, port: number): Socket {
  const socket = netConnect({ host, port });
  if (isIP(host) !== 0) (socket as Socket & { _host?: string })._host = host;
  return socket;
}

/** mysql2 settings for one connection: TLS verifying chain and host name unless plain text is allowed. */
export function mysqlConnectionOptions(target: DatabaseTarget, login: MysqlLogin): mysql.ConnectionOptions {
  return {
    host: target.host,
    port: target.port,
    user: login.username,
    password: login.password,
    ...(login.database !== undefined ? { database: login.database } : {}),
    ssl: target.tls.allowPlaintext
      ? undefined
      : { rejectUnauthorized: true, verifyIdentity: true, ...(target.tls.caPem !== undefined ? { ca: target.tls.caPem } : {}) },
    connectTimeout: target.connectTimeoutMs,
    charset: 'UTF8MB4_GENERAL_CI',
    multipleStatements: false,
    stream: () => dial(target.host, target.port),
  };
}

export function translateMysqlError(error: unknown, target: DatabaseTarget, login: MysqlLogin, operation: string): Error {
  const failure = classifyConnectionFailure(error);
  const reason = redact(failure.reason, [target.masterPassword, login.password]);
  switch (failure.kind) {
    case 'tls':
      return new DatabaseTlsError(target.host, target.port, reason, failure.tls);
    case 'unreachable':
      return new DatabaseUnreachableError(target.host, target.port, reason);
    case 'auth':
      return new DatabaseAuthError(target.host, target.port, login.username, reason);
    default:
      return new DatabaseOperationError(`${operation} on ${target.host}:${target.port}`, reason, failure.code);
  }
}

/**
 * One short-lived connection per operation, always closed. The session's sql_mode drops
 * NO_BACKSLASH_ESCAPES and ANSI_QUOTES so the quoting in statements.ts means what it says whatever
 * the server's default, and lock waits are bounded so a busy table cannot hang a bind.
 */
export async function withMysqlConnection<T>(
  target: DatabaseTarget,
  login: MysqlLogin,
  operation: string,
  fn: (connection: mysql.Connection) => Promise<T>,
): Promise<T> {
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection(mysqlConnectionOptions(target, login));
    // An error on an idle connection is an event; unhandled it would end the process.
    connection.on('error', () => undefined);
    const seconds = Math.max(1, Math.ceil((target.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS) / 1000));
    await connection.query(
      `SET SESSION sql_mode = REPLACE(REPLACE(@@SESSION.sql_mode, 'NO_BACKSLASH_ESCAPES', ''), 'ANSI_QUOTES', ''), ` +
        `SESSION lock_wait_timeout = ${seconds}, SESSION innodb_lock_wait_timeout = ${seconds}`,
    );
    return await fn(connection);
  } catch (error) {
    if (error instanceof SqlError) throw error;
    throw translateMysqlError(error, target, login, operation);
  } finally {
    if (connection) {
      const closing = connection;
      await Promise.race([closing.end().catch(() => closing.destroy()), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
    }
  }
}
