import pg from 'pg';
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

export interface LoginCredentials {
  username: string;
  password: string;
}

/**
 * The node-postgres settings for one connection. Pure, so the TLS decision can be read and tested:
 * verify the chain against target.tls.caPem and the host name (node-postgres sends SNI and checks
 * the name for host names, and checks IP SANs for addresses); plain text only on explicit opt-out.
 * `ssl` is always set explicitly so PGSSLMODE and friends in the environment cannot weaken it.
 */
export function postgresClientConfig(target: DatabaseTarget, login: LoginCredentials): pg.ClientConfig {
  const timeout = target.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  return {
    host: target.host,
    port: target.port,
    database: target.database,
    user: login.username,
    password: login.password,
    ssl: target.tls.allowPlaintext
      ? false
      : { rejectUnauthorized: true, ...(target.tls.caPem !== undefined ? { ca: target.tls.caPem } : {}) },
    connectionTimeoutMillis: target.connectTimeoutMs,
    statement_timeout: timeout,
    lock_timeout: timeout,
    idle_in_transaction_session_timeout: timeout * 2,
    application_name: 'rds-broker',
    keepAlive: true,
  };
}

/** Turns anything node-postgres throws into one of the module's typed errors, without secrets. */
export function translatePostgresError(error: unknown, target: DatabaseTarget, login: LoginCredentials, operation: string): Error {
  const secrets = [target.masterPassword, login.password];
  const failure = classifyConnectionFailure(error);
  const reason = redact(failure.reason, secrets);
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

/** Closing must never hang an operation: a dead socket gets a bounded wait. */
async function closeQuietly(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2000);
      timer.unref();
    }),
  ]);
  if (timer) clearTimeout(timer);
}

/**
 * One short-lived connection per operation, closed in every case. Errors (while connecting or
 * later) come out translated; `fn` sees a connected client.
 */
export async function withPostgresClient<T>(
  target: DatabaseTarget,
  login: LoginCredentials,
  operation: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(postgresClientConfig(target, login));
  // A socket error on an idle client is emitted as an event; unhandled, it would crash the process.
  // The failed query (or connect) reports the same error to us anyway.
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } catch (error) {
    if (isTranslated(error)) throw error;
    throw translatePostgresError(error, target, login, operation);
  } finally {
    await closeQuietly(client);
  }
}

function isTranslated(error: unknown): boolean {
  return error instanceof SqlError;
}

/** The master's connection: what every operation but canLogin uses. */
export function masterLogin(target: DatabaseTarget): LoginCredentials {
  return { username: target.masterUsername, password: target.masterPassword };
}
