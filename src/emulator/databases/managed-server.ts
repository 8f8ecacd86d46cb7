import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { DatabaseError, notRunning } from './errors.js';
import { adoptServer, logSince, logSize, processMatches, spawnServer, stopServer, type RunningProcess } from './server-process.js';
import type { ServerUser } from './server-user.js';
import type { AdminCredentials, DatabaseServer, DatabaseSpec } from './types.js';
import { markCompleteUntil } from './wal-archive.js';

/**
 * What PostgreSQL and MariaDB servers behind emulated instances have in common: one real server
 * process, started, stopped and restarted one operation at a time (the exclusive queue), adopted
 * and shut down when an earlier emulator run left it running, its start failures reported with the
 * server's own words. An engine's subclass says how to configure, launch and recognise its server.
 */

export interface ServerLayout {
  /** The server's own log. */
  log: string;
  /** Facts about the instance kept between emulator runs (ServerState as JSON). */
  state: string;
}

export interface ServerTimeouts {
  /** How long a start (or a recovery before it) may take. */
  startTimeoutMs: number;
  /** After this long a clean shutdown becomes SIGKILL of the server's process group. */
  stopTimeoutMs: number;
}

export interface ServerState {
  createdAt: string;
  /** Completion of the first backup this server took: the earliest point in time it can restore to. */
  firstBackupCompletedAt?: string;
  /** Set while the server is a read replica: where its source listens, and its replication slot there. */
  standby?: { sourcePort: number; slotName?: string };
}

/** What every server of an engine shares, found once (the server account, the engine's programs). */
export interface ServerEnvironmentBase {
  user: ServerUser;
}

export interface LaunchCommand {
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The process of an earlier emulator run that may still hold the data directory. */
export interface RecordedServer {
  pidFile: string;
  pid: number;
}

/** A state file of an earlier run, or a fresh state when there is none (a data directory from elsewhere). */
export function loadServerState(stateFile: string): ServerState {
  let state: Partial<ServerState> = {};
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as Partial<ServerState>;
  } catch {
    // nothing is known about its backups
  }
  return { createdAt: state.createdAt ?? new Date().toISOString(), ...state };
}

export abstract class ManagedServer<Layout extends ServerLayout, Tuning extends ServerTimeouts, Environment extends ServerEnvironmentBase>
  implements DatabaseServer
{
  protected current: DatabaseSpec;
  private process: RunningProcess | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  /** 'PostgreSQL', 'MariaDB': how errors name the server. */
  protected abstract readonly product: string;
  /** The signal that asks the server for a quick, clean shutdown. */
  protected abstract readonly shutdownSignal: NodeJS.Signals;
  /** How often a starting server is asked whether it is ready. */
  protected readonly readyPollMs: number = 10;

  constructor(
    spec: DatabaseSpec,
    protected readonly layout: Layout,
    protected readonly tuning: Tuning,
    protected readonly environment: Promise<Environment>,
    protected state: ServerState,
  ) {
    this.current = { ...spec, parameters: { ...spec.parameters }, tls: { ...spec.tls } };
  }

  get spec(): DatabaseSpec {
    return this.current;
  }

  get pid(): number | undefined {
    return this.process?.isAlive() ? this.process.pid : undefined;
  }

  /** The server's own log, for an operator who wants to know why. */
  get logFile(): string {
    return this.layout.log;
  }

  abstract get walArchiveDir(): string;
  abstract restorableWindow(): { earliest?: Date; latest?: Date };

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
      await this.changeMasterPassword(password);
      this.current = { ...this.current, masterPassword: password };
    });
  }

  applyParameters(parameters: Record<string, string>): Promise<void> {
    return this.exclusive(() => this.applyNow({ ...parameters }));
  }

  backup(dest: string): Promise<void> {
    return this.exclusive(async () => {
      const completedAt = await this.backupNow(dest);
      if (!this.state.firstBackupCompletedAt) {
        this.state = { ...this.state, firstBackupCompletedAt: completedAt.toISOString() };
        await this.saveState();
      }
    });
  }

  async saveState(): Promise<void> {
    await writeFile(this.layout.state, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o644 });
  }

  // ---- what an engine says ----

  /** The configuration files the next start reads (and whatever must be cleared before it). */
  protected abstract prepareStart(): Promise<void>;
  protected abstract launchCommand(environment: Environment): LaunchCommand;
  /** Does the process started (its log written from `logOffset`) accept connections yet? */
  protected abstract isReady(started: RunningProcess, logOffset: number): Promise<boolean>;
  /** After every start attempt, successful or not (temporary files of the first start go). */
  protected async afterStartAttempt(): Promise<void> {}
  /** After a successful start. */
  protected async afterStart(): Promise<void> {}
  /** Before a clean shutdown: the moment up to which the archive will cover the server once stopped. */
  protected abstract beforeStop(): Promise<Date | undefined>;
  /** The pid file and process of an earlier emulator run, if one is recorded. */
  protected abstract recordedServer(): Promise<RecordedServer | undefined>;
  /** What the command line of this instance's server (and no other) contains. */
  protected abstract get processNeedle(): string;
  /** The administrator's password file (in the data directory, so that it travels with every backup). */
  protected abstract get adminPasswordFile(): string;
  protected abstract changeMasterPassword(password: string): Promise<void>;
  protected abstract applyNow(parameters: Record<string, string>): Promise<void>;
  /** Takes the backup; resolves with the moment it is consistent to. */
  protected abstract backupNow(dest: string): Promise<Date>;

  // ---- shared by the engines ----

  /** Runs `work` after every operation queued before it, one at a time. */
  protected exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  protected async owner(): Promise<{ uid: number; gid: number } | undefined> {
    const { user } = await this.environment;
    return user.switched ? { uid: user.uid, gid: user.gid } : undefined;
  }

  /** The administrator's way into the running server. */
  protected async adminCredentials(): Promise<AdminCredentials> {
    if (!this.pid) throw notRunning(this.current.instanceId);
    const [password, caPem] = await Promise.all([readFile(this.adminPasswordFile, 'utf8'), readFile(this.current.tls.caFile, 'utf8')]);
    return { port: this.current.port, caPem, password: password.trim() };
  }

  private async startNow(): Promise<void> {
    if (this.pid) return;
    const environment = await this.environment;
    await this.reclaimStaleServer();
    await this.prepareStart();
    const offset = await logSize(this.layout.log);
    const started = spawnServer({
      ...this.launchCommand(environment),
      user: environment.user,
      logFile: this.layout.log,
      shutdownSignal: this.shutdownSignal,
    });
    this.process = started;
    try {
      await this.waitUntilReady(started, offset);
    } catch (error) {
      await stopServer(started, this.shutdownSignal, this.tuning.stopTimeoutMs);
      this.process = undefined;
      const said = await logSince(this.layout.log, offset);
      const reason = error instanceof Error ? error.message : String(error);
      throw new DatabaseError(
        'StartFailed',
        `${this.product} of instance ${this.current.instanceId} did not start: ${reason}`,
        said || undefined,
      );
    } finally {
      await this.afterStartAttempt();
    }
    await this.afterStart();
  }

  private async waitUntilReady(started: RunningProcess, offset: number): Promise<void> {
    const deadline = Date.now() + this.tuning.startTimeoutMs;
    while (Date.now() < deadline) {
      if (!started.isAlive()) throw new DatabaseError('StartFailed', 'the server process exited');
      if (await this.isReady(started, offset)) return;
      await sleep(this.readyPollMs);
    }
    throw new DatabaseError('StartFailed', `not ready after ${this.tuning.startTimeoutMs} ms`);
  }

  /**
   * A server of an earlier emulator run (it crashed, or was killed) still holding the data
   * directory is adopted and shut down cleanly first; its pid file goes, since the server would
   * refuse to start while it names a process that is alive (even an unrelated one).
   */
  private async reclaimStaleServer(): Promise<void> {
    const recorded = await this.recordedServer();
    if (!recorded) return;
    if (processMatches(recorded.pid, this.processNeedle)) {
      const stale = adoptServer(recorded.pid, this.processNeedle, this.shutdownSignal);
      await stopServer(stale, this.shutdownSignal, this.tuning.stopTimeoutMs);
    }
    await rm(recorded.pidFile, { force: true });
  }

  private async stopNow(): Promise<void> {
    const running = this.process;
    if (!running?.isAlive()) {
      this.process = undefined;
      return;
    }
    const covered = await this.beforeStop().catch(() => undefined);
    await stopServer(running, this.shutdownSignal, this.tuning.stopTimeoutMs);
    this.process = undefined;
    if (covered) await markCompleteUntil(this.walArchiveDir, covered);
  }
}

/**
 * A promise made once (from the first call's arguments) and shared; a failure (binaries missing,
 * say) is reported to the callers waiting for it, and the next call tries again.
 */
export function sharedUntilFailure<A extends unknown[], T>(make: (...args: A) => Promise<T>): (...args: A) => Promise<T> {
  let pending: Promise<T> | undefined;
  return (...args: A) => {
    if (!pending) {
      const made = make(...args);
      pending = made;
      made.catch(() => {
        if (pending === made) pending = undefined;
      });
    }
    return pending;
  };
}

/** A point-in-time target no earlier than the backup it starts from. */
export function checkRestoreTarget(target: Date, backupCompletedAt: Date, backupDir: string): void {
  if (target < backupCompletedAt) {
    throw new DatabaseError(
      'RestoreTargetOutOfRange',
      `${target.toISOString()} is before ${backupCompletedAt.toISOString()}, when the backup ${backupDir} became consistent; choose an earlier backup`,
    );
  }
}

/** The pid a pid file names, or undefined. */
export function pidIn(content: string): number | undefined {
  const pid = Number.parseInt(content, 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
