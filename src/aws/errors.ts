/**
 * RDS errors become a handful of typed errors, in this one place, so the rest of the broker reasons
 * about kinds of failure (retry? tell the user? give up?) and never about SDK exception names.
 */

export type RdsErrorKind = 'not-found' | 'already-exists' | 'invalid-state' | 'throttled' | 'transient' | 'denied' | 'rejected';

export class RdsError extends Error {
  constructor(
    readonly kind: RdsErrorKind,
    /** The RDS error code (e.g. InvalidDBInstanceState), for logs and operator messages. */
    readonly code: string,
    message: string,
    readonly action: string,
  ) {
    super(message);
    this.name = 'RdsError';
  }

  get retryable(): boolean {
    return this.kind === 'throttled' || this.kind === 'transient';
  }
}

const NOT_FOUND = /NotFound/;
/** The broker's AWS identity was refused: an operator's problem (IAM policy, credentials), not the user's. */
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'MissingAuthenticationToken',
]);
const ALREADY_EXISTS = /AlreadyExists/;
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
}

/** Classifies anything the SDK throws. */
export function toRdsError(error: unknown, action: string): RdsError {
  if (error instanceof RdsError) return error;
  const e = (error ?? {}) as SdkLikeError;
  const code = e.name && e.name !== 'Error' ? e.name.replace(/Fault$/, '') : (e.code ?? 'Unknown');
  const message = `${action}: ${code}: ${(e.message ?? 'no message').slice(0, 500)}`;
  const status = e.$metadata?.httpStatusCode;
  if (THROTTLING.has(code) || e.$retryable?.throttling) return new RdsError('throttled', code, message, action);
  if (DENIED.has(code)) return new RdsError('denied', code, message, action);
  if (NOT_FOUND.test(code)) return new RdsError('not-found', code, message, action);
  if (ALREADY_EXISTS.test(code)) return new RdsError('already-exists', code, message, action);
  if (code === 'InvalidDBInstanceState' || code === 'InvalidDBSnapshotState') return new RdsError('invalid-state', code, message, action);
  if (
    e.$fault === 'server' ||
    (status !== undefined && status >= 500) ||
    TRANSIENT_NETWORK.has(code) ||
    TRANSIENT_NETWORK.has(e.code ?? '')
  ) {
    return new RdsError('transient', code, message, action);
  }
  if (status === undefined && !e.$fault) return new RdsError('transient', code, message, action);
  return new RdsError('rejected', code, message, action);
}
