import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError, notRunning } from './errors.js';
import { readTlsFile, writeFileAtomic } from './files.js';
import { globalValues, setGlobal, withMariadbAdmin, type MariadbAccess } from './mariadb-admin.js';
import { takeMariadbBackup } from './mariadb-backup.js';
import { MARIADB_ADMIN_PASSWORD_FILE, nativePasswordHash, renderOptionFile, selectMariadbParameters, sqlString } from './mariadb-config.js';
import { adoptServer, logSince, logSize, processMatches, spawnServer, stopServer, type RunningProcess } from './server-process.js';
import type { ServerUser } from './server-user.js';
import type { DatabaseServer, DatabaseSpec } from './types.js';
import { clearCompleteUntil, COMPLETE_UNTIL_FILE, markCompleteUntil } from './wal-archive.js';

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

export interface MariadbState {
  createdAt: string;
  firstBackupCompletedAt?: string;
}

/** One MariaDB server behind one emulated MySQL or MariaDB instance. Operations run one at a time. */
export class MariadbServer implements DatabaseServer {
  private current: DatabaseSpec;
  private process: RunningProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** SQL for the very first start (users and database), removed once it ran. */
  initSql: string | undefined;

  constructor(
    spec: DatabaseSpec,
    private readonly layout: MariadbLayout,
    private readonly tuning: MariadbTuning,
    private readonly environment: Promise<MariadbEnvironment>,
    private state: MariadbState,
  ) {
    this.current = { ...spec, parameters: { ...spec.parameters }, tls: { ...spec.tls } };
  }

  get spec(): DatabaseSpec {
    return this.current;
  }

  get pid(): number | undefined {
    return this.process?.isAlive() ? this.process.pid : undefined;
  }

  /** The binary logs (MariaDB's counterpart of archived WAL). */
  get walArchiveDir(): string {
    return this.layout.binlog;
  }

  get logFile(): string {
    return this.layout.log;
  }

  start(): Promise<void> {
    return this.exclusive(() => this.startNow());
  }

  stop(): Promise<void> {
    return this.exclusive(() => this.stopNow());
  }

  restart(): Promise<void> {
    return this.exclusive(async () => {
      await this.stopNow();
      await this.startNow();
    });
  }

  setMasterPassword(password: string): Promise<void> {
    if (!password || /[\0\r\n]/.test(password))
      return Promise.reject(new DatabaseError('InvalidSpec', 'master password must be non-empty and a single line'));
    return this.exclusive(async () => {
      await withMariadbAdmin(await this.access(), async (connection) => {
        const [rows] = await connection.query("SELECT 1 FROM mysql.global_priv WHERE User = ? AND Host = '%'", [
          this.current.masterUsername,
        ]);
        if ((rows as unknown[]).length === 0)
          throw new DatabaseError('InvalidSpec', `the master user ${this.current.masterUsername} does not exist in this database server`);
        await connection.query(
          `ALTER USER ${sqlString(this.current.masterUsername)}@'%' IDENTIFIED BY PASSWORD ${sqlString(nativePasswordHash(password))}`,
        );
      });
      this.current = { ...this.current, masterPassword: password };
    });
  }

  applyParameters(parameters: Record<string, string>): Promise<void> {
    return this.exclusive(() => this.applyNow({ ...parameters }));
  }

  backup(dest: string): Promise<void> {
    return this.exclusive(async () => {
      const access = await this.access();
      const info = await takeMariadbBackup(access, this.layout.data, dest, this.current.instanceId);
      if (!this.state.firstBackupCompletedAt) {
        this.state = { ...this.state, firstBackupCompletedAt: info.completedAt.toISOString() };
        await this.saveState();
      }
    });
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

  async saveState(): Promise<void> {
    await writeFile(this.layout.state, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o644 });
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async access(): Promise<MariadbAccess> {
    if (!this.pid) throw notRunning(this.current.instanceId);
    const [password, caPem] = await Promise.all([
      readFile(join(this.layout.data, MARIADB_ADMIN_PASSWORD_FILE), 'utf8'),
      readFile(this.current.tls.caFile, 'utf8'),
    ]);
    return { port: this.current.port, caPem, password: password.trim() };
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
    });
    await writeFileAtomic(this.layout.optionFile, options, { mode: 0o644 });
  }

  private async startNow(): Promise<void> {
    if (this.pid) return;
    const { mariadbd, user } = await this.environment;
    await this.reclaimStaleServer();
    await this.writeConfiguration();
    await clearCompleteUntil(this.layout.binlog);
    const offset = await logSize(this.layout.log);
    const started = spawnServer({
      file: mariadbd,
      // --defaults-file first: the server reads this instance's options and nothing of /etc/mysql.
      args: [`--defaults-file=${this.layout.optionFile}`],
      user,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', LC_ALL: 'C' },
      logFile: this.layout.log,
      shutdownSignal: 'SIGTERM',
    });
    this.process = started;
    try {
      await this.waitUntilReady(started, offset);
    } catch (error) {
      await stopServer(started, 'SIGTERM', this.tuning.stopTimeoutMs);
      this.process = undefined;
      const said = await logSince(this.layout.log, offset);
      throw new DatabaseError(
        'StartFailed',
        `MariaDB of instance ${this.current.instanceId} did not start: ${(error as Error).message}`,
        said || undefined,
      );
    } finally {
      if (this.initSql) await rm(join(this.layout.run, 'first-start.sql'), { force: true });
    }
    if (this.initSql) {
      this.initSql = undefined;
      await this.writeConfiguration();
    }
  }

  /** A mariadbd of an earlier emulator run (it crashed) still holding the data directory is shut down first. */
  private async reclaimStaleServer(): Promise<void> {
    const pidFile = join(this.layout.run, 'mariadbd.pid');
    const pid = Number.parseInt(await readFile(pidFile, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && processMatches(pid, this.layout.optionFile)) {
      await stopServer(adoptServer(pid, this.layout.optionFile, 'SIGTERM'), 'SIGTERM', this.tuning.stopTimeoutMs);
    }
    await rm(pidFile, { force: true });
  }

  private async waitUntilReady(started: RunningProcess, offset: number): Promise<void> {
    const deadline = Date.now() + this.tuning.startTimeoutMs;
    while (Date.now() < deadline) {
      if (!started.isAlive()) throw new DatabaseError('StartFailed', 'the server process exited');
      if ((await logSince(this.layout.log, offset, 200)).includes('ready for connections')) return;
      await sleep(20);
    }
    throw new DatabaseError('StartFailed', `not ready after ${this.tuning.startTimeoutMs} ms`);
  }

  private async stopNow(): Promise<void> {
    const running = this.process;
    if (!running?.isAlive()) {
      this.process = undefined;
      return;
    }
    const stoppedAt = new Date();
    await stopServer(running, 'SIGTERM', this.tuning.stopTimeoutMs);
    this.process = undefined;
    // Every commit reached the binary log before the shutdown began.
    await markCompleteUntil(this.layout.binlog, stoppedAt);
  }

  private async applyNow(parameters: Record<string, string>): Promise<void> {
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
