/**
 * What the broker's use cases ask of a database, engine by engine. The broker decides *which* users
 * must exist; this module makes a database agree, over a verified TLS connection, idempotently.
 */

export type SqlEngine = 'postgres' | 'mysql' | 'mariadb';

export interface DatabaseTls {
  /**
   * PEM bundle of the authorities trusted to sign the server's certificate (on AWS, the RDS global
   * bundle). Absent: Node's built-in public roots, still verifying certificate and host name.
   */
  caPem?: string;
  /** Connect without TLS at all. Only an operator's explicit opt-out sets this. */
  allowPlaintext: boolean;
}

export interface DatabaseTarget {
  engine: SqlEngine;
  host: string;
  port: number;
  /** The database the bindings use (RDS DBName). */
  database: string;
  masterUsername: string;
  masterPassword: string;
  tls: DatabaseTls;
  connectTimeoutMs: number;
  /**
   * Upper bound for any one statement, and for waiting on a lock (a client holding a lock on a table
   * must not hang a bind). Default 30 000 ms.
   */
  statementTimeoutMs?: number;
}

export interface BindingUserSpec {
  /** Starts with BINDING_USER_PREFIX; at most 63 bytes (PostgreSQL) or 32 characters (MySQL/MariaDB). */
  username: string;
  /** Printable ASCII (0x20-0x7E), 1-256 characters: see passwords.ts for why. */
  password: string;
  readOnly: boolean;
  /** Id of the derivation secret the password came from, recorded so rotation can find it again. */
  secretId: string;
  bindingId: string;
}

export interface BindingUserInfo {
  username: string;
  readOnly: boolean;
  secretId?: string;
  bindingId?: string;
}

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

export interface SqlGateway {
  /** Idempotent: creates the login role (or fixes its password/attributes if it exists). */
  ensureBindingUser(target: DatabaseTarget, spec: BindingUserSpec): Promise<EnsureOutcome>;
  /** Drops the role; objects it owns go to the shared owner role first. */
  dropBindingUser(target: DatabaseTarget, username: string): Promise<'dropped' | 'absent'>;
  findBindingUser(target: DatabaseTarget, username: string): Promise<BindingUserInfo | undefined>;
  /** Every role this broker created in the database (recognised by name prefix AND role comment). */
  listBindingUsers(target: DatabaseTarget): Promise<BindingUserInfo[]>;
  /** Post-restore: drop every binding role that came from the source database, except `keep`; data stays. */
  neutraliseBindingUsers(target: DatabaseTarget, keep: string[]): Promise<string[]>;
  /** True when username/password can log in to target.database (used to check master credentials). */
  canLogin(target: DatabaseTarget, username: string, password: string): Promise<boolean>;
  ensureExtensions(target: DatabaseTarget, names: string[]): Promise<void>;
  /** Refuses (DatabaseOperationError) rather than cascade into objects that use the extension. */
  dropExtensions(target: DatabaseTarget, names: string[]): Promise<void>;
}
