/**
 * The contract between the emulator's RDS model (which knows instances, statuses, snapshots and
 * parameter groups) and the real database servers behind instances. The model decides *when*;
 * a DatabaseServer does *what*, on a real PostgreSQL (or MariaDB) process.
 */

export type EngineName = 'postgres' | 'mysql' | 'mariadb';

export interface TlsFiles {
  /** PEM files; the certificate's names cover 127.0.0.1 and localhost. */
  certFile: string;
  keyFile: string;
  caFile: string;
}

export interface DatabaseSpec {
  instanceId: string;
  engine: EngineName;
  engineVersion: string;
  masterUsername: string;
  masterPassword: string;
  /** Initial database created at provision (DBName). */
  dbName: string;
  /** A directory owned by this instance; the server keeps its data (and WAL archive) under it. */
  dataDir: string;
  /** TCP port on 127.0.0.1. */
  port: number;
  tls: TlsFiles;
  /** Effective parameter-group values that matter to the server, e.g. { 'rds.force_ssl': '1' }. */
  parameters: Record<string, string>;
}

/** The engine's own way into a server (its hidden administrator), independent of the master password. */
export interface AdminCredentials {
  port: number;
  /** The CA that signed the server's certificate: the connection verifies it. */
  caPem: string;
  password: string;
  /** Bounds connecting and each statement (default: 15 s to connect, statements unbounded). */
  timeoutMs?: number;
}

export interface DatabaseServer {
  readonly spec: DatabaseSpec;
  /** Starts the process if it is not running; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops the process (fast shutdown, then SIGKILL after a bound); idempotent. */
  stop(): Promise<void>;
  /** RebootDBInstance: stop then start; applies static parameters passed since. */
  restart(): Promise<void>;
  /** ModifyDBInstance MasterUserPassword: the old password stops working, the new one works. */
  setMasterPassword(password: string): Promise<void>;
  /** Dynamic parameters (rds.force_ssl, …) applied without restart, as RDS does. */
  applyParameters(parameters: Record<string, string>): Promise<void>;
  /**
   * A consistent online copy of the data into an empty directory `dest` (a snapshot or an
   * automated backup's base backup). Roles and their passwords come with it, as on RDS.
   */
  backup(dest: string): Promise<void>;
  /** Oldest and newest times a point-in-time restore can reach from this server's backups and archive. */
  restorableWindow(): { earliest?: Date; latest?: Date };
  /** Directory holding archived WAL (PostgreSQL), for point-in-time restore. */
  readonly walArchiveDir?: string;
  readonly pid: number | undefined;
  /** A read replica's replication as the server itself reports it; undefined for a server that is no replica. */
  replication?(): Promise<ReplicationState | undefined>;
  /** PromoteReadReplica: replication stops and the server accepts writes. Resolves with what the source may release. */
  promote?(): Promise<{ slotName?: string }>;
  /** A read replica's replication slot on its source, if its engine uses one. */
  readonly replicationSlot?: string;
  /** The source forgets a replica (its replication slot goes, so the source keeps no WAL for it). */
  dropReplicationSlot?(slotName: string): Promise<void>;
}

/** What a replica says of its replication (StatusInfos' "read replication"). */
export interface ReplicationState {
  status: 'replicating' | 'error' | 'stopped';
  /** Why, when not replicating. */
  message?: string;
}

export interface DatabaseEngine {
  readonly engine: EngineName;
  /** initdb (or equivalent) with master user, password and database, then start. */
  create(spec: DatabaseSpec): Promise<DatabaseServer>;
  /** Lay down a copy of `backupDir` in spec.dataDir and start it (RestoreDBInstanceFromDBSnapshot). */
  restoreFromBackup(backupDir: string, spec: DatabaseSpec): Promise<DatabaseServer>;
  /** Base backup + archived WAL replayed up to `target`, then promoted (RestoreDBInstanceToPointInTime). */
  restoreToPointInTime(backupDir: string, walArchiveDir: string, target: Date, spec: DatabaseSpec): Promise<DatabaseServer>;
  /** An existing data directory (emulator restarted with --state-dir): not started until start(). */
  open(spec: DatabaseSpec): DatabaseServer;
  /**
   * CreateDBInstanceReadReplica: a hot standby of the running `source`, made from an online copy of
   * it and kept up to date by the engine's own replication. Engines without replicas leave it out.
   */
  createReplica?(source: DatabaseServer, spec: DatabaseSpec): Promise<DatabaseServer>;
}
