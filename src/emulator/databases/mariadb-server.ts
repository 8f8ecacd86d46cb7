import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseError } from './errors.js';
import { readTlsFile, writeFileAtomic } from './files.js';
import { globalValues, setGlobal, withMariadbAdmin, type MariadbAccess } from './mariadb-admin.js';
import { takeMariadbBackup } from './mariadb-backup.js';
import {
  MARIADB_ADMIN_PASSWORD_FILE,
  nativePasswordHash,
  renderOptionFile,
  selectMariadbParameters,
  serverIdFor,
  sqlString,
} from './mariadb-config.js';
import {
  MARIADB_REPLICATION_PASSWORD_FILE,
  mariadbReplicaState,
  prepareMariadbSource,
  promoteMariadb,
  startMariadbReplication,
} from './mariadb-replication.js';
import type { ReplicationState } from './types.js';
import { ManagedServer, pidIn, type LaunchCommand, type RecordedServer } from './managed-server.js';
import { logSince, type RunningProcess } from './server-process.js';
import type { ServerUser } from './server-user.js';
import { clearCompleteUntil, COMPLETE_UNTIL_FILE } from './wal-archive.js';

export interface MariadbLayout {
  root: string;
  data: string;
  /** Binary logs: what a point-in-time restore replays; outlives the server when the model keeps it. */
  binlog: string;
  tls: string;
  /** pid file (and the socket when its path is short enough). */
  run: string;
  socket: string;
  optionFile: string;
  log: string;
  state: string;
}

export function mariadbLayout(root: string): MariadbLayout {
  const run = join(root, 'run');
  // A Unix socket path must fit in 108 bytes; long instance paths get one in the temporary directory.
  const preferred = join(run, 'mysqld.sock');
  const socket =
    preferred.length <= 100 ? preferred : join(tmpdir(), `rds-emulator-${createHash('sha1').update(root).digest('hex').slice(0, 16)}.sock`);
  return {
    root,
    data: join(root, 'data'),
    binlog: join(root, 'binlog'),
    tls: join(root, 'tls'),
    run,
    socket,
    optionFile: join(root, 'my.cnf'),
    log: join(root, 'mariadb.log'),
    state: join(root, 'engine-state.json'),
  };
}

export interface MariadbTuning {
  bufferPool: string;
  maxConnections: number;
  durable: boolean;
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

export interface MariadbEnvironment {
  mariadbd: string;
  user: ServerUser;
}

/** One MariaDB server behind one emulated MySQL or MariaDB instance. Operations run one at a time. */
export class MariadbServer extends ManagedServer<MariadbLayout, MariadbTuning, MariadbEnvironment> {
  protected readonly product = 'MariaDB';
  protected readonly shutdownSignal = 'SIGTERM';
  protected override readonly readyPollMs = 20;
  /** SQL for the very first start (users and database), removed once it ran. */
  initSql: string | undefined;

  /** The binary logs (MariaDB's counterpart of archived WAL). */
  get walArchiveDir(): string {
    return this.layout.binlog;
  }

  protected get processNeedle(): string {
    return this.layout.optionFile;
  }

  protected get adminPasswordFile(): string {
    return join(this.layout.data, MARIADB_ADMIN_PASSWORD_FILE);
  }

  protected async changeMasterPassword(password: string): Promise<void> {
    await withMariadbAdmin(await this.access(), async (connection) => {
      const [rows] = await connection.query("SELECT 1 FROM mysql.global_priv WHERE User = ? AND Host = '%'", [this.current.masterUsername]);
      if ((rows as unknown[]).length === 0)
        throw new DatabaseError('InvalidSpec', `the master user ${this.current.masterUsername} does not exist in this database server`);
      await connection.query(
        `ALTER USER ${sqlString(this.current.masterUsername)}@'%' IDENTIFIED BY PASSWORD ${sqlString(nativePasswordHash(password))}`,
      );
    });
  }

  protected async backupNow(dest: string): Promise<Date> {
    const info = await takeMariadbBackup(await this.access(), this.layout.data, dest, this.current.instanceId);
    return info.completedAt;
  }

  /**
   * earliest: completion of this server's first backup. latest: while running, a second ago — every
   * commit is in the binary log as it commits; once stopped, the stop. Point-in-time restore replays
   * whole seconds (binary-log times have no fraction), see mariadb.ts.
   */
  restorableWindow(): { earliest?: Date; latest?: Date } {
    if (!this.state.firstBackupCompletedAt) return {};
    const earliest = new Date(this.state.firstBackupCompletedAt);
    let latestMs: number | undefined;
    if (this.pid) latestMs = Date.now() - 1000;
    else {
      try {
        latestMs = Date.parse(readFileSync(join(this.layout.binlog, COMPLETE_UNTIL_FILE), 'utf8').trim());
      } catch {
        latestMs = undefined;
      }
    }
    const latest = latestMs !== undefined && Number.isFinite(latestMs) && latestMs > earliest.getTime() ? new Date(latestMs) : earliest;
    return { earliest, latest };
  }

  private access(): Promise<MariadbAccess> {
    return this.adminCredentials();
  }

  // ---- read replicas (see mariadb-replication.ts) ----

  /** As a source: the replication user; resolves with how a replica connects. */
  prepareReplication(): Promise<{ port: number; password: string }> {
    return this.exclusive(async () => {
      const file = join(this.layout.data, MARIADB_REPLICATION_PASSWORD_FILE);
      let password = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (!password) {
        password = randomBytes(24).toString('base64url');
        await writeFileAtomic(file, `${password}\n`, { mode: 0o600, owner: await this.owner() });
      }
      await withMariadbAdmin(await this.access(), (connection) => prepareMariadbSource(connection, password));
      return { port: this.current.port, password };
    });
  }

  /** As a new replica (first start done): replication from the copy's GTID position. */
  beginReplication(source: { port: number; password: string }, gtid: string): Promise<void> {
    return this.exclusive(async () => {
      await withMariadbAdmin(await this.access(), (connection) =>
        startMariadbReplication(connection, {
          masterUsername: this.current.masterUsername,
          sourcePort: source.port,
          password: source.password,
          caFile: join(this.layout.tls, 'ca.pem'),
          gtid,
        }),
      );
    });
  }

  async replication(): Promise<ReplicationState | undefined> {
    if (!this.state.standby) return undefined;
    if (!this.pid) return { status: 'stopped', message: 'The replica is not running.' };
    try {
      return await withMariadbAdmin({ ...(await this.access()), timeoutMs: 5000 }, mariadbReplicaState);
    } catch (error) {
      return { status: 'error', message: (error as Error).message };
    }
  }

  promote(): Promise<{ slotName?: string }> {
    return this.exclusive(async () => {
      if (!this.state.standby) return {};
      await withMariadbAdmin(await this.access(), (connection) => promoteMariadb(connection, this.current.masterUsername));
      this.state = { ...this.state, standby: undefined };
      await this.saveState();
      await this.writeConfiguration();
      return {};
    });
  }

  private async writeConfiguration(): Promise<void> {
    const { user } = await this.environment;
    const owner = user.switched ? { uid: user.uid, gid: user.gid } : undefined;
    const certFile = join(this.layout.tls, 'server.crt');
    const keyFile = join(this.layout.tls, 'server.key');
    const caFile = join(this.layout.tls, 'ca.pem');
    await writeFileAtomic(certFile, await readTlsFile(this.current.tls.certFile, 'certFile'), { mode: 0o644, owner });
    await writeFileAtomic(keyFile, await readTlsFile(this.current.tls.keyFile, 'keyFile'), { mode: 0o600, owner });
    await writeFileAtomic(caFile, await readTlsFile(this.current.tls.caFile, 'caFile'), { mode: 0o644, owner });
    let initFile: string | undefined;
    if (this.initSql) {
      initFile = join(this.layout.run, 'first-start.sql');
      await writeFileAtomic(initFile, this.initSql, { mode: 0o600, owner });
    }
    const options = renderOptionFile({
      dataDir: this.layout.data,
      port: this.current.port,
      socket: this.layout.socket,
      pidFile: join(this.layout.run, 'mariadbd.pid'),
      certFile,
      keyFile,
      caFile,
      binlogDir: this.layout.binlog,
      durable: this.tuning.durable,
      bufferPool: this.tuning.bufferPool,
      maxConnections: this.tuning.maxConnections,
      parameters: this.current.parameters,
      initFile,
      serverId: serverIdFor(this.layout.data),
      readOnly: this.state.standby !== undefined,
    });
    await writeFileAtomic(this.layout.optionFile, options, { mode: 0o644 });
  }

  protected async prepareStart(): Promise<void> {
    await this.writeConfiguration();
    await clearCompleteUntil(this.layout.binlog);
  }

  protected launchCommand({ mariadbd }: MariadbEnvironment): LaunchCommand {
    return {
      file: mariadbd,
      // --defaults-file first: the server reads this instance's options and nothing of /etc/mysql.
      args: [`--defaults-file=${this.layout.optionFile}`],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' },
    };
  }

  protected async isReady(_started: RunningProcess, logOffset: number): Promise<boolean> {
    return (await logSince(this.layout.log, logOffset, 200)).includes('ready for connections');
  }

  protected override async afterStartAttempt(): Promise<void> {
    if (this.initSql) await rm(join(this.layout.run, 'first-start.sql'), { force: true });
  }

  protected override async afterStart(): Promise<void> {
    if (this.initSql) {
      this.initSql = undefined;
      await this.writeConfiguration();
    }
  }

  protected async recordedServer(): Promise<RecordedServer | undefined> {
    const pidFile = join(this.layout.run, 'mariadbd.pid');
    const pid = pidIn(await readFile(pidFile, 'utf8').catch(() => ''));
    return pid ? { pidFile, pid } : undefined;
  }

  /** Every commit reaches the binary log before the shutdown begins. */
  protected async beforeStop(): Promise<Date | undefined> {
    return new Date();
  }

  protected async applyNow(parameters: Record<string, string>): Promise<void> {
    const { settings } = selectMariadbParameters(parameters); // throws on bad names or values first
    const previous = this.current.parameters;
    if (!this.pid) {
      this.current = { ...this.current, parameters };
      await this.writeConfiguration();
      return;
    }
    const wanted = new Map(settings);
    const dropped = selectMariadbParameters(previous)
      .settings.map(([name]) => name)
      .filter((name) => !wanted.has(name));
    const names = [...wanted.keys(), ...dropped];
    await withMariadbAdmin(await this.access(), async (connection) => {
      const before = await globalValues(connection, names);
      const unknown = [...wanted.keys()].filter((name) => !before.has(name));
      if (unknown.length > 0) throw new DatabaseError('InvalidParameter', `MariaDB has no variables named ${unknown.join(', ')}`);
      const changed: string[] = [];
      try {
        for (const name of names) {
          const now = before.get(name);
          if (!now || now.readOnly) continue; // static: written below, applies at the next restart
          await setGlobal(connection, name, wanted.get(name) ?? null);
          changed.push(name);
        }
      } catch (error) {
        for (const name of changed.reverse()) await setGlobal(connection, name, before.get(name)?.value ?? null).catch(() => undefined);
        throw new DatabaseError('InvalidParameter', `MariaDB rejects the parameters: ${(error as Error).message}`);
      }
    });
    this.current = { ...this.current, parameters };
    await this.writeConfiguration();
  }
}
