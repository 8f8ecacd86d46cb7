/**
 * The RDS emulator: `startEmulator()` brings up the Query API on 127.0.0.1 with its model,
 * scheduler and database fleet, and returns a handle whose stop() stops everything it started.
 * It shares no code with the broker; the two meet over the RDS wire protocol only.
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { authorityFacts, ensureAuthority, issueServerCertificate } from './databases/certificates.js';
import { createPostgresEngine } from './databases/postgres.js';
import { createMariadbEngine } from './databases/mariadb.js';
import { installEngineCatalogs } from './model/parameters.js';
import { defaultCacheDir, engineCatalogsOnce } from './parameters/settings-cache.js';
import type { DatabaseEngine, EngineName } from './databases/types.js';
import { DEFAULT_THROTTLE, TokenBuckets, type ThrottleSettings } from './faults/throttle.js';
import { Faults } from './faults/faults.js';
import { type Denial, IamEnforcer } from './iam/enforcer.js';
import { newStore, seedDefaults } from './model/defaults.js';
import { Arns } from './model/ids.js';
import type { Timing } from './model/lifecycle.js';
import { Persister, readState } from './model/persist.js';
import { Store } from './model/store.js';
import { Clock } from './runtime/clock.js';
import { Fleet } from './runtime/fleet.js';
import { Scheduler } from './runtime/scheduler.js';
import { ClusterScheduler } from './runtime/cluster-scheduler.js';
import { ClusterServers } from './runtime/cluster-servers.js';
import { adminControls } from './server/controls.js';
import { createEmulatorServer } from './server/http.js';
import { QueryApi } from './server/query-api.js';
import { Stats, type StatsSnapshot } from './server/stats.js';
import { sweep } from './runtime/housekeeping.js';

export interface EmulatorOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Keep state (records and databases) here across restarts; default: a temporary directory removed on stop. */
  stateDir?: string;
  /** Factor on RDS's durations: 1 ≈ real RDS (minutes), 0.05 (default) ≈ seconds, 0 = as fast as the work allows. */
  speed?: number;
  /** How long a change stays invisible after the call that made it; default 0 at speed 0, else 1000 ms. */
  visibilityLagMs?: number;
  /** Token-bucket throttling per account and region; off by default. `true`: RDS's defaults (300 burst, 12/s). */
  throttle?: boolean | Partial<ThrottleSettings>;
  /** 'real' (default): a PostgreSQL cluster per instance. 'none': no database processes at all. */
  databases?: 'real' | 'none';
  region?: string;
  accountId?: string;
  /** Where the emulator reports failures it cannot return to a caller; default: standard error. */
  log?: (line: string) => void;
  /**
   * Where the engines' settings catalogs (read from the binaries once per version) are kept; default
   * RDS_EMULATOR_CACHE_DIR, else ~/.cache/rds-emulator.
   */
  cacheDir?: string;
  /** Stop every database on SIGTERM and SIGINT (default true). */
  handleSignals?: boolean;
  /**
   * IAM policy documents (JSON text or parsed) every call is evaluated against, as the caller's
   * identity-based policies; refusals are AccessDenied. Default: IAM is not enforced.
   */
  iamPolicies?: readonly unknown[];
}

export interface RunningEmulator {
  /** Endpoint for the SDK or the AWS CLI, e.g. http://127.0.0.1:4566 */
  url: string;
  port: number;
  /** PEM file of the authority that signed every database's certificate. */
  caFile: string;
  stateDir: string;
  region: string;
  accountId: string;
  /** Finish every running transition now (held instances excepted); resolves with what is still unsettled. */
  settle(timeoutMs?: number): Promise<string[]>;
  /** Freeze an instance's transitions at their current step (also for an identifier not created yet). */
  hold(identifier: string): void;
  release(identifier?: string): void;
  /** Let a held instance finish its current step and stop at the next; resolves with its status then. */
  step(identifier: string, timeoutMs?: number): Promise<string | undefined>;
  stats(): StatsSnapshot;
  resetStats(): void;
  /** PIDs of the database servers running now. */
  pids(): number[];
  /** Enforce these IAM policies from now on (undefined: stop enforcing). Throws on an invalid document. */
  setIamPolicies(policies: readonly unknown[] | undefined): void;
  /** The calls IAM refused (the last 1,000), oldest first. */
  iamDenials(): Denial[];
  stop(): Promise<void>;
}

function throttleSettings(option: EmulatorOptions['throttle']): ThrottleSettings {
  if (option === undefined || option === false) return DEFAULT_THROTTLE;
  if (option === true) return { ...DEFAULT_THROTTLE, enabled: true };
  return { ...DEFAULT_THROTTLE, enabled: true, ...option };
}

async function prepareStateDir(option: string | undefined): Promise<{ dir: string; ephemeral: boolean }> {
  const dir = option ? resolve(option) : await mkdtemp(join(tmpdir(), 'rds-emulator-'));
  await mkdir(dir, { recursive: true });
  // Database servers run under their own account when the emulator runs as root: let them through
  // (traverse only; nothing here becomes listable or readable to others).
  if (process.getuid?.() === 0) await chmod(dir, ((await stat(dir)).mode & 0o777) | 0o711);
  return { dir, ephemeral: !option };
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const log = options.log ?? ((line: string) => process.stderr.write(`[rds-emulator] ${line}\n`));
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '123456789012';
  const speed = options.speed ?? 0.05;
  const timing: Timing = { speed, visibilityLagMs: options.visibilityLagMs ?? (speed === 0 ? 0 : 1000) };
  const databases = options.databases ?? 'real';
  const { dir: stateDir, ephemeral } = await prepareStateDir(options.stateDir);
  const cleanupOnFailure: (() => Promise<void>)[] = [];
  try {
    const authority = await ensureAuthority(join(stateDir, 'ca'));
    installEngineCatalogs(await engineCatalogsOnce(options.cacheDir ?? defaultCacheDir(), log));
    const engines = databases === 'real' ? realEngines() : {};
    const stateFile = join(stateDir, 'state.json');
    const saved = ephemeral ? undefined : await readState(stateFile);
    const store = saved ? Store.fromDocument(saved) : newStore(region);
    seedDefaults(store, region);
    const clock = new Clock();
    store.eventTime = () => clock.now();
    const persister = ephemeral ? undefined : new Persister(store, stateFile);
    const changed = () => persister?.touch();
    const fleet = new Fleet(
      {
        stateDir,
        engines,
        databases,
        clock,
        log,
        certificates: {
          caFile: authority.caFile,
          // 127.0.0.2: a cluster's reader endpoint passes connections through to its members.
          issue: (dir) => issueServerCertificate(authority, dir, ['127.0.0.1', '127.0.0.2', 'localhost']),
        },
      },
      store,
    );
    cleanupOnFailure.push(() => fleet.stopAll());
    const scheduler = new Scheduler(store, fleet, clock, () => timing, { changed, log });
    cleanupOnFailure.push(() => scheduler.stop());
    const clusterServers = new ClusterServers(fleet, store, clock);
    cleanupOnFailure.push(() => clusterServers.stopAll());
    const clusterScheduler = new ClusterScheduler(store, clusterServers, clock, () => timing, { changed, log });
    cleanupOnFailure.push(() => clusterScheduler.stop());
    await resumeInstances(store, fleet, log);
    for (const cluster of store.clusters.values()) {
      await clusterServers
        .resume(cluster)
        .catch((err: unknown) => log(`the endpoints of cluster ${cluster.identifier} did not open again: ${String(err)}`));
    }
    for (const inst of store.instances.values()) scheduler.kick(inst.identifier);
    for (const id of store.clusters.keys()) clusterScheduler.kick(id);

    const stats = new Stats();
    const throttle = new TokenBuckets(throttleSettings(options.throttle));
    const faults = new Faults();
    const arns = new Arns(region, accountId);
    // Parsed before anything starts listening: an invalid policy stops the start with its reason.
    const iam = new IamEnforcer(options.iamPolicies, arns);
    const described = authorityFacts(authority.caPem);
    const api = new QueryApi({
      context: () => ({
        store,
        fleet,
        scheduler,
        clusters: clusterScheduler,
        clock,
        arns,
        region,
        timing,
        authority: described,
        now: clock.now(),
        changed,
      }),
      stats,
      throttle,
      faults,
      iam,
      accountId,
      region,
      log,
    });
    const runSweep = () => {
      if (sweep(store, scheduler, clock.now(), timing)) changed();
      if (clusterScheduler.sweep(clock.now(), timing)) changed();
      void clusterServers.ensureBases().catch((err: unknown) => log(`a cluster base backup failed: ${String(err)}`));
    };
    const admin = adminControls({
      store,
      fleet,
      scheduler,
      clusterScheduler,
      clock,
      timing,
      stats,
      throttle,
      faults,
      runSweep,
      iam,
      caPem: async () => authority.caPem,
    });
    const server = createEmulatorServer(api, admin, log);
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen({ host: '127.0.0.1', port: options.port ?? 0 }, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const sweeper = setInterval(runSweep, 1000);
    sweeper.unref();

    // Last resort if the process exits without stop(): no database may outlive the emulator.
    const onExit = () => {
      for (const pid of fleet.pids()) {
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // already gone
        }
      }
    };
    process.on('exit', onExit);

    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        clearInterval(sweeper);
        for (const signal of ['SIGTERM', 'SIGINT'] as const) process.off(signal, onSignal);
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        await scheduler.stop();
        await clusterScheduler.stop();
        await persister?.flush();
        await clusterServers.stopAll();
        await fleet.stopAll();
        process.off('exit', onExit);
        if (ephemeral) await rm(stateDir, { recursive: true, force: true });
      })();
      return stopping;
    };
    function onSignal(signal: NodeJS.Signals): void {
      // Someone else handles this signal (the local command): just stop; they decide when to exit.
      const alone = process.listenerCount(signal) === 1;
      void stop().finally(() => {
        if (alone) process.exit(signal === 'SIGINT' ? 130 : 143);
      });
    }
    if (options.handleSignals ?? true) for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);

    return {
      url: `http://127.0.0.1:${port}`,
      port,
      caFile: authority.caFile,
      stateDir,
      region,
      accountId,
      settle: async (timeoutMs = 120_000) => (await admin.settle(timeoutMs)).unsettled,
      hold: (identifier) => admin.hold(identifier.toLowerCase()),
      release: (identifier) => admin.release(identifier?.toLowerCase()),
      step: async (identifier, timeoutMs = 120_000) => (await admin.step(identifier.toLowerCase(), timeoutMs)).status,
      stats: () => stats.snapshot(),
      resetStats: () => stats.reset(),
      pids: () => fleet.pids(),
      setIamPolicies: (policies) => iam.setPolicies(policies),
      iamDenials: () => iam.recentDenials(),
      stop,
    };
  } catch (error) {
    for (const cleanup of cleanupOnFailure.reverse()) await cleanup().catch(() => undefined);
    if (ephemeral) await rm(stateDir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * PostgreSQL always (its binaries come with the npm package); MySQL and MariaDB when mariadbd is
 * installed, so that without it CreateDBInstance says so at once instead of failing later.
 */
function realEngines(): Partial<Record<EngineName, DatabaseEngine>> {
  const engines: Partial<Record<EngineName, DatabaseEngine>> = { postgres: createPostgresEngine() };
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin'];
  if (dirs.some((dir) => dir && existsSync(join(dir, 'mariadbd')))) {
    engines.mysql = createMariadbEngine({ engine: 'mysql' });
    engines.mariadb = createMariadbEngine({ engine: 'mariadb' });
  }
  return engines;
}

/** After a restart: bring the databases of existing instances back up. One that cannot start is marked failed. */
async function resumeInstances(store: Store, fleet: Fleet, log: (line: string) => void): Promise<void> {
  const ready = [...store.instances.values()].filter((inst) => inst.databaseReady && inst.status !== 'failed');
  await Promise.all(
    ready.map(async (inst) => {
      try {
        await fleet.resume(inst);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        log(`the database of ${inst.identifier} did not start again: ${reason}`);
        store.putInstance({ ...inst, status: 'failed', transition: undefined, failureReason: reason });
      }
    }),
  );
}
