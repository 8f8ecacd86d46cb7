import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError, notRunning } from './errors.js';
import { readTlsFile, writeFileAtomic } from './files.js';
import { ADMIN_PASSWORD_FILE, setPassword, withAdmin, type AdminAccess } from './postgres-admin.js';
import { takeBackup } from './postgres-backup.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import {
  forceSsl,
  parsePostmasterPid,
  PARAMETERS_FILE,
  renderHba,
  renderParameters,
  renderServerSettings,
  selectServerParameters,
  SERVER_FILE,
  type ServerSettingsInput,
} from './postgres-config.js';
import type { InstanceLayout, InstanceState } from './postgres-layout.js';
import { adoptServer, logSince, logSize, processMatches, spawnServer, stopServer, type RunningProcess } from './server-process.js';
import type { ServerUser } from './server-user.js';
import type { DatabaseServer, DatabaseSpec } from './types.js';
import { archiveCoversUntil, clearCompleteUntil, isArchived, markCompleteUntil } from './wal-archive.js';

export interface ServerTuning {
  archiveTimeoutSeconds: number;
  sharedBuffers: string;
  maxConnections: number;
  durable: boolean;
  startTimeoutMs: number;
  stopTimeoutMs: number;
}

/** What every server of an engine shares; found once, asynchronously (binaries, server account). */
export interface ServerEnvironment {
  binaries: PostgresBinaries;
  user: ServerUser;
}

const RELOAD_TIMEOUT_MS = 10_000;

/** One PostgreSQL server behind one emulated instance. Operations run one at a time. */
export class PostgresServer implements DatabaseServer {
  private current: DatabaseSpec;
  private process: RunningProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Set while the next start must recover from an archive (point-in-time restore). */
  recovery: ServerSettingsInput['recovery'];

  constructor(
    spec: DatabaseSpec,
    private readonly layout: InstanceLayout,
    private readonly tuning: ServerTuning,
    private readonly environment: Promise<ServerEnvironment>,
    private state: InstanceState,
  ) {
    this.current = { ...spec, parameters: { ...spec.parameters }, tls: { ...spec.tls } };
  }

  get spec(): DatabaseSpec {
    return this.current;
  }

  get pid(): number | undefined {
    return this.process?.isAlive() ? this.process.pid : undefined;
  }

  get walArchiveDir(): string {
    return this.layout.walArchive;
  }

  /** The server's own log (PostgreSQL's messages), for an operator who wants to know why. */
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
      await withAdmin(await this.adminAccess(), (client) => setPassword(client, this.current.masterUsername, password));
      this.current = { ...this.current, masterPassword: password };
    });
  }

  applyParameters(parameters: Record<string, string>): Promise<void> {
    return this.exclusive(() => this.applyNow({ ...parameters }));
  }

  backup(dest: string): Promise<void> {
    return this.exclusive(async () => {
      const info = await takeBackup(await this.adminAccess(), this.layout.pgdata, this.layout.walArchive, dest, this.current.instanceId);
      if (!this.state.firstBackupCompletedAt) {
        this.state = { ...this.state, firstBackupCompletedAt: info.completedAt.toISOString() };
        await this.saveState();
      }
    });
  }

  /**
   * earliest: when this server's first backup completed (the model, which knows which base backups
   * it still keeps, narrows it further); latest: what the WAL archive provably covers (see
   * wal-archive.ts). Both undefined until there is something to restore from.
   */
  restorableWindow(): { earliest?: Date; latest?: Date } {
    const earliest = this.state.firstBackupCompletedAt ? new Date(this.state.firstBackupCompletedAt) : undefined;
    if (!earliest) return {};
    const covered = archiveCoversUntil(this.layout.walArchive, this.pid ? join(this.layout.pgdata, 'pg_wal') : undefined);
    return { earliest, latest: covered && covered > earliest ? covered : earliest };
  }

  // ---- what the public operations do, always inside exclusive() ----

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async adminAccess(): Promise<AdminAccess> {
    if (!this.pid) throw notRunning(this.current.instanceId);
    const [password, caPem] = await Promise.all([
      readFile(join(this.layout.pgdata, ADMIN_PASSWORD_FILE), 'utf8'),
      readFile(this.current.tls.caFile, 'utf8'),
    ]);
    return { port: this.current.port, caPem, password: password.trim() };
  }

  private async owner() {
    const { user } = await this.environment;
    return user.switched ? { uid: user.uid, gid: user.gid } : undefined;
  }

  private async writeConfiguration(): Promise<void> {
    const owner = await this.owner();
    const certFile = join(this.layout.tls, 'server.crt');
    const keyFile = join(this.layout.tls, 'server.key');
    // The server reads its own copies: the model's files may sit where the server's account cannot
    // read, and PostgreSQL insists on a key that only its account can read.
    await writeFileAtomic(certFile, await readTlsFile(this.current.tls.certFile, 'certFile'), { mode: 0o644, owner });
    await writeFileAtomic(keyFile, await readTlsFile(this.current.tls.keyFile, 'keyFile'), { mode: 0o600, owner });
    const { tuning } = this;
    const settings = renderServerSettings({
      port: this.current.port,
      certFile,
      keyFile,
      walArchiveDir: this.layout.walArchive,
      archiveTimeoutSeconds: tuning.archiveTimeoutSeconds,
      sharedBuffers: tuning.sharedBuffers,
      maxConnections: tuning.maxConnections,
      durable: tuning.durable,
      recovery: this.recovery,
    });
    await writeFileAtomic(join(this.layout.pgdata, SERVER_FILE), settings, { owner });
    await writeFileAtomic(join(this.layout.pgdata, PARAMETERS_FILE), renderParameters(this.current.parameters), { owner });
    await writeFileAtomic(
      join(this.layout.pgdata, 'pg_hba.conf'),
      renderHba(forceSsl(this.current.parameters, this.current.engineVersion)),
      { owner },
    );
  }

  /** A postmaster of an earlier emulator run still holding the data directory is shut down first. */
  private async reclaimStalePostmaster(): Promise<void> {
    const pidFile = join(this.layout.pgdata, 'postmaster.pid');
    const content = await readFile(pidFile, 'utf8').catch(() => undefined);
    const recorded = content ? parsePostmasterPid(content) : undefined;
    if (!recorded) return;
    if (processMatches(recorded.pid, this.layout.pgdata)) {
      await stopServer(adoptServer(recorded.pid, this.layout.pgdata, 'SIGINT'), 'SIGINT', this.tuning.stopTimeoutMs);
    }
    // PostgreSQL would refuse to start if the recorded pid now belongs to an unrelated process.
    await rm(pidFile, { force: true });
  }

  private async startNow(): Promise<void> {
    if (this.pid) return;
    await this.reclaimStalePostmaster();
    await this.writeConfiguration();
    await clearCompleteUntil(this.layout.walArchive);
    const { binaries, user } = await this.environment;
    const offset = await logSize(this.layout.log);
    const started = spawnServer({
      file: binaries.postgres,
      args: ['-D', this.layout.pgdata],
      user,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
      logFile: this.layout.log,
      shutdownSignal: 'SIGINT',
    });
    this.process = started;
    try {
      await this.waitUntilReady(started);
    } catch (error) {
      await stopServer(started, 'SIGINT', this.tuning.stopTimeoutMs);
      this.process = undefined;
      const said = await logSince(this.layout.log, offset);
      const reason = error instanceof DatabaseError ? error.message : String(error);
      throw new DatabaseError(
        'StartFailed',
        `PostgreSQL of instance ${this.current.instanceId} did not start: ${reason}`,
        said || undefined,
      );
    }
    if (this.recovery) {
      // Promoted: recovery.signal is gone; the next start must not look at the old archive again.
      this.recovery = undefined;
      await this.writeConfiguration();
    }
  }

  /** pg_ctl's own test: postmaster.pid names our process and says "ready" (after promotion, if recovering). */
  private async waitUntilReady(started: RunningProcess): Promise<void> {
    const deadline = Date.now() + this.tuning.startTimeoutMs;
    const pidFile = join(this.layout.pgdata, 'postmaster.pid');
    while (Date.now() < deadline) {
      if (!started.isAlive()) throw new DatabaseError('StartFailed', 'the server process exited');
      const content = await readFile(pidFile, 'utf8').catch(() => '');
      const status = parsePostmasterPid(content);
      if (status?.pid === started.pid && status.status === 'ready') return;
      await sleep(10);
    }
    throw new DatabaseError('StartFailed', `not ready after ${this.tuning.startTimeoutMs} ms`);
  }

  private async stopNow(): Promise<void> {
    const running = this.process;
    if (!running?.isAlive()) {
      this.process = undefined;
      return;
    }
    const complete = await this.closeCurrentSegment().catch(() => undefined);
    await stopServer(running, 'SIGINT', this.tuning.stopTimeoutMs);
    this.process = undefined;
    if (complete) await markCompleteUntil(this.layout.walArchive, complete);
  }

  /**
   * Before a shutdown: closes the WAL segment being written and waits (briefly) until it is
   * archived, so the archive covers the server up to its stop. Resolves with the moment covered.
   */
  private async closeCurrentSegment(): Promise<Date | undefined> {
    const bound = Math.min(5000, this.tuning.stopTimeoutMs);
    const deadline = Date.now() + bound;
    const access = { ...(await this.adminAccess()), timeoutMs: bound };
    const before = new Date();
    const wal = await withAdmin(access, async (client) => {
      // pg_switch_wal() returns the start of the next segment after a switch, but just past that
      // segment's 40-byte header when nothing was written since the last switch (no switch, and the
      // next segment holds nothing yet). 41 bytes back is, in both cases, in the last segment with data.
      const result = await client.query<{ wal: string }>('SELECT pg_walfile_name(pg_switch_wal() - 41) AS wal');
      return result.rows[0]?.wal;
    });
    if (!wal) return undefined;
    while (Date.now() < deadline) {
      if (await isArchived(this.layout.walArchive, wal)) return before;
      await sleep(10);
    }
    return undefined;
  }

  private async applyNow(parameters: Record<string, string>): Promise<void> {
    selectServerParameters(parameters); // throws on bad names or values before anything changes
    const previous = this.current.parameters;
    this.current = { ...this.current, parameters };
    if (!this.pid) {
      await this.writeConfiguration();
      return;
    }
    const owner = await this.owner();
    const parametersFile = join(this.layout.pgdata, PARAMETERS_FILE);
    const access = await this.adminAccess();
    await writeFileAtomic(parametersFile, renderParameters(parameters), { owner });
    try {
      await withAdmin(access, async (client) => {
        // pg_file_settings reads the files as they are on disk now: names and values the server
        // rejects show up here before the reload, so a bad one is refused and nothing applies.
        const problems = await client.query<{ name: string; error: string }>(
          // "cannot be changed without restarting" is no rejection: such values (static parameters,
          // and the recovery settings a point-in-time restore started with) take effect at the next start.
          `SELECT name, error FROM pg_file_settings WHERE error IS NOT NULL AND error <> 'setting could not be applied' AND error NOT LIKE '%without restarting the server%'`,
        );
        if (problems.rows.length > 0) {
          const detail = problems.rows.map((row) => `${row.name ?? '(file)'}: ${row.error}`).join('; ');
          throw new DatabaseError('InvalidParameter', `PostgreSQL rejects these parameters: ${detail}`);
        }
      });
    } catch (error) {
      this.current = { ...this.current, parameters: previous };
      await writeFileAtomic(parametersFile, renderParameters(previous), { owner });
      throw error;
    }
    await writeFileAtomic(join(this.layout.pgdata, 'pg_hba.conf'), renderHba(forceSsl(parameters, this.current.engineVersion)), { owner });
    await this.reloadAndWait(access);
  }

  /**
   * SIGHUP through pg_reload_conf(), then waits until a new connection sees the new configuration
   * (pg_conf_load_time moves), so that the caller's next connection meets the new pg_hba.conf.
   */
  private async reloadAndWait(access: AdminAccess): Promise<void> {
    // Compared in SQL: the load time has microseconds, and a reload often lands within the same millisecond.
    const before = await withAdmin(access, async (client) => {
      const loaded = await client.query<{ t: string }>('SELECT pg_conf_load_time()::text AS t');
      await client.query('SELECT pg_reload_conf()');
      return loaded.rows[0]?.t ?? '-infinity';
    });
    const deadline = Date.now() + RELOAD_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const reloaded = await withAdmin(
        access,
        async (client) =>
          (await client.query<{ reloaded: boolean }>('SELECT pg_conf_load_time() > $1::timestamptz AS reloaded', [before])).rows[0]
            ?.reloaded,
      );
      if (reloaded) return;
      await sleep(10);
    }
    throw new DatabaseError(
      'Internal',
      `PostgreSQL of instance ${this.current.instanceId} did not reload its configuration within ${RELOAD_TIMEOUT_MS} ms`,
    );
  }

  async saveState(): Promise<void> {
    await writeFile(this.layout.state, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o644 });
  }
}
