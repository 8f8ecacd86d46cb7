/**
 * Typed failures of the database servers behind emulated instances. The RDS model maps them to its
 * own answers (for example `StartFailed` to an `incompatible-parameters` status); their messages are
 * written for the person reading an emulator log and never contain a password.
 */

export type DatabaseErrorCode =
  /** The spec asks for something the server cannot be given (bad name, password, port, path). */
  | 'InvalidSpec'
  /** A parameter name or value the server does not accept; nothing was changed. */
  | 'InvalidParameter'
  /** The server process did not come up; `detail` holds the server's own words. */
  | 'StartFailed'
  /** The operation needs a running server. */
  | 'NotRunning'
  /** A point-in-time target outside what the backup and the archive can reach. */
  | 'RestoreTargetOutOfRange'
  /** A backup directory that is not a usable backup. */
  | 'InvalidBackup'
  /** The engine cannot do this at all (for example point-in-time restore on MariaDB). */
  | 'NotSupported'
  /** A command or a server answer that the engine did not expect. */
  | 'Internal';

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    /** What the server itself said (a log excerpt), when there is something useful to add. */
    readonly detail?: string,
  ) {
    super(detail ? `${message}\n${detail}` : message);
  }
}

export const invalidSpec = (message: string) => new DatabaseError('InvalidSpec', message);
export const notRunning = (instanceId: string) =>
  new DatabaseError('NotRunning', `database server of instance ${instanceId} is not running`);
