import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError } from './errors.js';
import { readTlsFile, writeFileAtomic } from './files.js';
import { ADMIN_PASSWORD_FILE, newAdminPassword, setPassword, withAdmin, type AdminAccess } from './postgres-admin.js';
import { takeBackup } from './postgres-backup.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import {
  forceSsl,
  parsePostmasterPid,
  primaryConninfo,
  replicationSlotName,
  PARAMETERS_FILE,
  renderHba,
  renderParameters,
  renderServerSettings,
  selectServerParameters,
  SERVER_FILE,
  type ServerSettingsInput,
} from './postgres-config.js';
import type { InstanceLayout } from './postgres-layout.js';
import { dropSlot, prepareSource, REPLICATION_PASSFILE, REPLICATION_PASSWORD_FILE, standbyState } from './postgres-replication.js';
import type { ReplicationState } from './types.js';
import { ManagedServer, type LaunchCommand, type RecordedServer } from './managed-server.js';
import type { RunningProcess } from './server-process.js';
import type { ServerUser } from './server-user.js';
import { archiveCoversUntil, clearCompleteUntil, isArchived } from './wal-archive.js';

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
export class PostgresServer extends ManagedServer<InstanceLayout, ServerTuning, ServerEnvironment> {
  protected readonly product = 'PostgreSQL';
  protected readonly shutdownSignal = 'SIGINT';
  /** Set while the next start must recover from an archive (point-in-time restore). */
  recovery: ServerSettingsInput['recovery'];

  get walArchiveDir(): string {
    return this.layout.walArchive;
  }

  protected get processNeedle(): string {
    return this.layout.pgdata;
  }

  protected get adminPasswordFile(): string {
    return join(this.layout.pgdata, ADMIN_PASSWORD_FILE);
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

  protected async changeMasterPassword(password: string): Promise<void> {
    await withAdmin(await this.adminAccess(), (client) => setPassword(client, this.current.masterUsername, password));
  }

  protected async backupNow(dest: string): Promise<Date> {
    const info = await takeBackup(await this.adminAccess(), this.layout.pgdata, this.layout.walArchive, dest, this.current.instanceId);
    return info.completedAt;
  }

  private adminAccess(): Promise<AdminAccess> {
    return this.adminCredentials();
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
    let standby: ServerSettingsInput['standby'];
    if (this.state.standby) {
      // The source's certificate is verified against the CA: the server reads its own copy of it.
      const caFile = join(this.layout.tls, 'ca.pem');
      await writeFileAtomic(caFile, await readTlsFile(this.current.tls.caFile, 'caFile'), { mode: 0o644, owner });
      standby = {
        primaryConninfo: primaryConninfo({
          port: this.state.standby.sourcePort,
          caFile,
          passFile: join(this.layout.pgdata, REPLICATION_PASSFILE),
          applicationName: this.current.instanceId,
        }),
        slotName: this.state.standby.slotName ?? replicationSlotName(this.current.instanceId),
      };
    }
    const settings = renderServerSettings({
      standby,
      port: this.current.port,
      certFile,
      keyFile,
      walArchiveDir: this.layout.walArchive,
      archiveTimeoutSeconds: tuning.archiveTimeoutSeconds,
      sharedBuffers: tuning.sharedBuffers,
      maxConnections: tuning.maxConnections,
      durable: tuning.durable,
      recovery: this.recovery,
      groupSets: new Set(selectServerParameters(this.current.parameters).settings.map(([name]) => name)),
    });
    await writeFileAtomic(join(this.layout.pgdata, SERVER_FILE), settings, { owner });
    await writeFileAtomic(join(this.layout.pgdata, PARAMETERS_FILE), renderParameters(this.current.parameters), { owner });
    await writeFileAtomic(
      join(this.layout.pgdata, 'pg_hba.conf'),
      renderHba(forceSsl(this.current.parameters, this.current.engineVersion)),
      { owner },
    );
  }

  protected async prepareStart(): Promise<void> {
    await this.writeConfiguration();
    await clearCompleteUntil(this.layout.walArchive);
  }

  protected launchCommand({ binaries }: ServerEnvironment): LaunchCommand {
    return {
      file: binaries.postgres,
      args: ['-D', this.layout.pgdata],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' },
    };
  }

  /** pg_ctl's own test: postmaster.pid names our process and says "ready" (after promotion, if recovering). */
  protected async isReady(started: RunningProcess): Promise<boolean> {
    const status = parsePostmasterPid(await readFile(join(this.layout.pgdata, 'postmaster.pid'), 'utf8').catch(() => ''));
    // A hot standby says "standby" once it is consistent and accepts read-only connections.
    return status?.pid === started.pid && (status.status === 'ready' || (this.state.standby !== undefined && status.status === 'standby'));
  }

  protected override async afterStart(): Promise<void> {
    if (this.recovery) {
      // Promoted: recovery.signal is gone; the next start must not look at the old archive again.
      this.recovery = undefined;
      await this.writeConfiguration();
    }
  }

  protected async recordedServer(): Promise<RecordedServer | undefined> {
    const pidFile = join(this.layout.pgdata, 'postmaster.pid');
    const content = await readFile(pidFile, 'utf8').catch(() => undefined);
    const recorded = content ? parsePostmasterPid(content) : undefined;
    return recorded ? { pidFile, pid: recorded.pid } : undefined;
  }

  protected beforeStop(): Promise<Date | undefined> {
    // A standby writes no WAL of its own and archives nothing.
    return this.state.standby ? Promise.resolve(undefined) : this.closeCurrentSegment();
  }

  // ---- read replicas (see postgres-replication.ts) ----

  get replicationSlot(): string | undefined {
    return this.state.standby?.slotName;
  }

  /** As a source: the replication role and a slot for a new replica; resolves with how the replica connects. */
  prepareReplication(slotName: string): Promise<{ port: number; password: string }> {
    return this.exclusive(async () => {
      const file = join(this.layout.pgdata, REPLICATION_PASSWORD_FILE);
      let password = (await readFile(file, 'utf8').catch(() => '')).trim();
      if (!password) {
        password = newAdminPassword();
        await writeFileAtomic(file, `${password}\n`, { mode: 0o600, owner: await this.owner() });
      }
      await withAdmin(await this.adminAccess(), (client) => prepareSource(client, password, slotName));
      return { port: this.current.port, password };
    });
  }

  dropReplicationSlot(slotName: string): Promise<void> {
    return this.exclusive(async () => {
      if (!this.pid) return;
      await withAdmin(await this.adminAccess(), (client) => dropSlot(client, slotName));
    });
  }

  async replication(): Promise<ReplicationState | undefined> {
    if (!this.state.standby) return undefined;
    if (!this.pid) return { status: 'stopped', message: 'The replica is not running.' };
    try {
      return await withAdmin({ ...(await this.adminAccess()), timeoutMs: 5000 }, standbyState);
    } catch (error) {
      return { status: 'error', message: (error as Error).message };
    }
  }

  /** pg_promote: the standby ends recovery on a new timeline and accepts writes; it forgets its source. */
  promote(): Promise<{ slotName?: string }> {
    return this.exclusive(async () => {
      const standby = this.state.standby;
      if (!standby) return {};
      await withAdmin(await this.adminAccess(), async (client) => {
        const done = await client.query<{ promoted: boolean }>('SELECT pg_promote(true, 60) AS promoted');
        if (!done.rows[0]?.promoted)
          throw new DatabaseError('Internal', `PostgreSQL of instance ${this.current.instanceId} did not promote within 60 s`);
      });
      this.state = { ...this.state, standby: undefined };
      await this.saveState();
      await this.writeConfiguration();
      await rm(join(this.layout.pgdata, REPLICATION_PASSFILE), { force: true });
      return { slotName: standby.slotName };
    });
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

  protected async applyNow(parameters: Record<string, string>): Promise<void> {
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
}
