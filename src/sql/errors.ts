/**
 * The few failures a caller must tell apart, each with a message an operator can act on. Messages
 * name host and port, never a password: everything passes through `redact` first.
 */

/** What kind of failure a database error is: callers decide by this (or by class), never by name. */
export type SqlErrorKind = 'tls' | 'unreachable' | 'auth' | 'refused' | 'invalid-input';

/** Every error the SQL layer raises, as RdsError is for the AWS layer. */
export abstract class SqlError extends Error {
  abstract readonly kind: SqlErrorKind;
}

/** The server's certificate (or host name) did not verify, or the server offered no TLS at all. */
export class DatabaseTlsError extends SqlError {
  override readonly name = 'DatabaseTlsError';
  readonly kind = 'tls';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly reason: string,
    /** certificate: the chain or host name did not verify; no-tls: the server offered none; handshake: anything else. */
    readonly tlsFailure: TlsFailureKind = 'certificate',
  ) {
    super(
      tlsFailure === 'certificate'
        ? `certificate verification failed for ${host}:${port}: ${reason}`
        : `TLS connection to ${host}:${port} failed: ${reason}`,
    );
  }
}

export type TlsFailureKind = 'certificate' | 'no-tls' | 'handshake';

/** Connection refused, timed out, reset, or the server is starting up: transient for the caller. */
export class DatabaseUnreachableError extends SqlError {
  override readonly name = 'DatabaseUnreachableError';
  readonly kind = 'unreachable';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly reason: string,
  ) {
    super(`cannot reach the database at ${host}:${port}: ${reason}`);
  }
}

/** The server refused the master credentials. */
export class DatabaseAuthError extends SqlError {
  override readonly name = 'DatabaseAuthError';
  readonly kind = 'auth';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly username: string,
    readonly reason: string,
  ) {
    super(`the database at ${host}:${port} refused the credentials of user ${JSON.stringify(username)}: ${reason}`);
  }
}

/** The server answered, and said no (a permission, a dependency, an unknown extension, …). */
export class DatabaseOperationError extends SqlError {
  override readonly name = 'DatabaseOperationError';
  readonly kind = 'refused';
  constructor(
    readonly operation: string,
    readonly reason: string,
    /** SQLSTATE (PostgreSQL) or error code name (MySQL), when the server gave one. */
    readonly code?: string,
  ) {
    super(`${operation} failed: ${reason}${code ? ` (${code})` : ''}`);
  }
}

/** A caller passed something this module refuses to send to a database (bad name, bad password). */
export class InvalidSqlInputError extends SqlError {
  override readonly name = 'InvalidSqlInputError';
  readonly kind = 'invalid-input';
}

/** Replaces every occurrence of each secret in `text`; secrets shorter than 4 characters are too ambiguous to hunt. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  return out;
}

export type ConnectionFailure =
  | { kind: 'tls'; tls: TlsFailureKind; reason: string }
  | { kind: 'unreachable'; reason: string }
  | { kind: 'auth'; reason: string }
  | { kind: 'other'; reason: string; code?: string };

/** Node's codes for a certificate that did not verify (X509_V_ERR_* names as OpenSSL reports them). */
const certificateCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);

/** Server-side refusals that go away by themselves: starting up, shutting down, too many connections. */
const transientSqlStates = new Set(['57P01', '57P02', '57P03', '53300', '08006', '08001', '08004']);

/**
 * Sorts an error raised while connecting (or talking) to a database into what the caller can do
 * about it. Pure: it looks only at the error's code and message.
 */
export function classifyConnectionFailure(error: unknown): ConnectionFailure {
  const err = error as { code?: unknown; message?: unknown; errno?: unknown } | undefined;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const message = typeof err?.message === 'string' ? err.message : String(error);
  if (code && certificateCodes.has(code)) return { kind: 'tls', tls: 'certificate', reason: message };
  if (/does not support SSL|server does not support secure connection/i.test(message) || code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return { kind: 'tls', tls: 'no-tls', reason: 'the server does not offer TLS, and plain text is not allowed' };
  }
  if (
    (code && (code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_') || code === 'HANDSHAKE_SSL_ERROR')) ||
    /establishing an SSL connection/i.test(message)
  ) {
    // mysql2 wraps Node's verification errors in HANDSHAKE_SSL_ERROR and keeps only the message.
    const certificate = /certificate|altnames|self[- ]signed|unable to verify|Hostname\/IP/i.test(message);
    return { kind: 'tls', tls: certificate ? 'certificate' : 'handshake', reason: message };
  }
  if (code === '28P01' || code === '28000') return { kind: 'auth', reason: message };
  // MySQL: ER_ACCESS_DENIED_ERROR, ER_DBACCESS_DENIED_ERROR.
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_DBACCESS_DENIED_ERROR' || code === 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR') {
    return { kind: 'auth', reason: message };
  }
  if (code && (networkCodes.has(code) || transientSqlStates.has(code))) return { kind: 'unreachable', reason: message };
  if (code === 'PROTOCOL_CONNECTION_LOST' || code === 'ER_CON_COUNT_ERROR' || code === 'PROTOCOL_SEQUENCE_TIMEOUT') {
    return { kind: 'unreachable', reason: message };
  }
  if (/timeout|terminated unexpectedly|Connection terminated|socket hang up|closed the connection/i.test(message)) {
    return { kind: 'unreachable', reason: message };
  }
  return { kind: 'other', reason: message, ...(code ? { code } : {}) };
}
