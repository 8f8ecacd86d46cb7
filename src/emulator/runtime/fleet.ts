/**
 * The database servers behind instances: the effectful half of the lifecycle. Each method does
 * what one phase's work names, on a real server (or on nothing, without databases), and reports
 * what the records must learn from it (a port, where a copy was written, a restorable window).
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DatabaseEngine, DatabaseServer, DatabaseSpec, EngineName, ReplicationState, TlsFiles } from '../databases/types.js';
import { createNullEngine } from '../model/null-engine.js';
import { serverParameters } from '../model/parameters.js';
import type { Store } from '../model/store.js';
import type { InstanceRecord, SnapshotRecord, Work } from '../model/types.js';
import type { Clock } from './clock.js';
import { freePort } from './ports.js';
import { clusterSeed, keepClusterData, writerOf } from './cluster-data.js';

export interface CertificateIssuer {
  caFile: string;
  /** A server certificate for 127.0.0.1 and localhost, written under `dir`. */
  issue(dir: string): Promise<TlsFiles>;
}

export interface FleetOptions {
  stateDir: string;
  /** Real engines by name; engines missing here run without a database when `databases` is 'none'. */
  engines: Partial<Record<EngineName, DatabaseEngine>>;
  databases: 'real' | 'none';
  certificates?: CertificateIssuer;
  clock: Clock;
  log: (line: string) => void;
}

export interface WorkResult {
  port?: number;
  dataPath?: string;
  retained?: { walPath?: string; earliest?: number; latest?: number };
}

export class Fleet {
  private readonly servers = new Map<string, DatabaseServer>();
  private readonly nullEngines = new Map<EngineName, DatabaseEngine>();

  constructor(
    private readonly options: FleetOptions,
    private readonly store: Store,
  ) {}

  get usesDisk(): boolean {
    return this.options.databases === 'real';
  }

  /** Whether instances of `engine` can be created (a real engine exists, or none are wanted). */
  supports(engine: EngineName): boolean {
    return !this.usesDisk || this.options.engines[engine] !== undefined;
  }

  private engine(name: EngineName): DatabaseEngine {
    if (this.usesDisk) {
      const engine = this.options.engines[name];
      if (!engine) throw new Error(`no ${name} database engine is available`);
      return engine;
    }
    let engine = this.nullEngines.get(name);
    if (!engine) {
      engine = createNullEngine(name);
      this.nullEngines.set(name, engine);
    }
    return engine;
  }

  private path(relative: string): string {
    return join(this.options.stateDir, relative);
  }

  /** A path under the state directory (cluster data lives there too). */
  absolute(relative: string): string {
    return this.path(relative);
  }

  /**
   * A copy (in backup form, at `dest`) of a running member's data as it was at `target` (emulator
   * time): its base backup `base` with its archived WAL replayed on a throwaway server.
   */
  async pointInTimeCopy(source: InstanceRecord, base: string, target: number, dest: string): Promise<void> {
    const walDir = this.servers.get(source.dbiResourceId)?.walArchiveDir;
    if (!walDir) throw new Error(`${source.identifier} keeps no archive to replay`);
    const scratch: InstanceRecord = {
      ...source,
      identifier: `${source.identifier}-pitr`,
      dbiResourceId: `pitr-${randomBytes(6).toString('hex')}`,
    };
    const port = await this.freshDataDir(scratch);
    const spec = await this.spec(scratch, port);
    const server = await this.engine(source.engine).restoreToPointInTime(base, walDir, new Date(this.options.clock.toReal(target)), spec);
    try {
      await server.backup(dest);
    } finally {
      await server.stop();
      await rm(this.instanceDir(scratch), { recursive: true, force: true });
      await rm(this.path(join('tls', scratch.dbiResourceId)), { recursive: true, force: true });
    }
  }

  /** The newest time a member's archive reaches (emulator time). */
  latestRestorable(inst: InstanceRecord): number | undefined {
    const latest = this.servers.get(inst.dbiResourceId)?.restorableWindow().latest?.getTime();
    return latest === undefined ? undefined : this.options.clock.fromReal(latest);
  }

  /** Whether the member's server runs now. */
  isRunning(inst: InstanceRecord): boolean {
    return this.servers.has(inst.dbiResourceId);
  }

  private instanceDir(inst: InstanceRecord): string {
    return this.path(join('instances', inst.dbiResourceId));
  }

  private async tls(inst: InstanceRecord): Promise<TlsFiles> {
    const certs = this.options.certificates;
    if (!this.usesDisk || !certs) return { certFile: '', keyFile: '', caFile: certs?.caFile ?? '' };
    return certs.issue(this.path(join('tls', inst.dbiResourceId)));
  }

  private async spec(inst: InstanceRecord, port: number): Promise<DatabaseSpec> {
    return {
      instanceId: inst.identifier,
      engine: inst.engine,
      engineVersion: inst.engineVersion,
      masterUsername: inst.masterUsername,
      masterPassword: inst.masterPassword,
      dbName: inst.dbName ?? (inst.engine === 'postgres' ? 'postgres' : ''),
      dataDir: this.instanceDir(inst),
      port,
      tls: await this.tls(inst),
      parameters: this.parametersOf(inst),
    };
  }

  parametersOf(inst: InstanceRecord): Record<string, string> {
    const group = this.store.parameterGroups.get(inst.parameterGroupName);
    return group ? serverParameters(group.family, group.values, inst) : {};
  }

  private server(inst: InstanceRecord): DatabaseServer {
    const server = this.servers.get(inst.dbiResourceId);
    if (!server) throw new Error(`the database of ${inst.identifier} is not running`);
    return server;
  }

  private async freshDataDir(inst: InstanceRecord): Promise<number> {
    if (!this.usesDisk) return inst.port;
    // A create interrupted by a restart leaves a partial directory behind; start clean.
    await rm(this.instanceDir(inst), { recursive: true, force: true });
    await mkdir(this.path('instances'), { recursive: true });
    return freePort();
  }

  async perform(inst: InstanceRecord, work: Work): Promise<WorkResult> {
    switch (work.kind) {
      case 'provision': {
        // A cluster's writer starts from the cluster's data when it has some (restored, or kept
        // when its last member went), as Aurora's storage outlives its instances.
        const seed = inst.cluster ? await clusterSeed(this.store, inst, (relative) => this.path(relative)) : undefined;
        const port = await this.freshDataDir(inst);
        const spec = await this.spec(inst, port);
        const engine = this.engine(inst.engine);
        this.servers.set(inst.dbiResourceId, seed ? await engine.restoreFromBackup(seed, spec) : await engine.create(spec));
        return { port };
      }
      case 'restore-snapshot': {
        const snapshot = this.store.snapshots.get(work.snapshotId);
        if (this.usesDisk && !snapshot?.dataPath) throw new Error(`snapshot ${work.snapshotId} holds no data`);
        const port = await this.freshDataDir(inst);
        const server = await this.engine(inst.engine).restoreFromBackup(this.path(snapshot?.dataPath ?? ''), await this.spec(inst, port));
        this.servers.set(inst.dbiResourceId, server);
        return { port };
      }
      case 'restore-point-in-time': {
        const base = this.baseBackupFor(work.dbiResourceId, work.target);
        if (this.usesDisk && !base?.dataPath) throw new Error('no base backup precedes the requested time');
        const walDir = this.walDirOf(work.dbiResourceId);
        if (this.usesDisk && !walDir) throw new Error('the source has no archived WAL');
        const port = await this.freshDataDir(inst);
        const target = new Date(this.options.clock.toReal(work.target));
        const server = await this.engine(inst.engine).restoreToPointInTime(
          this.path(base?.dataPath ?? ''),
          walDir ?? '',
          target,
          await this.spec(inst, port),
        );
        this.servers.set(inst.dbiResourceId, server);
        return { port };
      }
      case 'snapshot': {
        const server = this.server(inst);
        if (!this.usesDisk) return {};
        const safe = work.snapshotId.replace(/[^A-Za-z0-9-]/g, '_');
        const dataPath = join('snapshots', `${safe}-${randomBytes(4).toString('hex')}`);
        await mkdir(this.path('snapshots'), { recursive: true });
        await server.backup(this.path(dataPath));
        return { dataPath };
      }
      case 'set-password':
        await this.server(inst).setMasterPassword(work.password);
        return {};
      case 'apply-parameters':
        // The server takes the whole effective set: it replaces what it had.
        await this.server(inst).applyParameters(this.parametersOf(inst));
        return {};
      case 'restart':
      case 'upgrade': {
        const server = this.server(inst);
        // Static values set since the last start take effect with this restart.
        await server.applyParameters(this.parametersOf(inst));
        await server.restart();
        // A replica's StatusInfos says at once that it streams again, not at the next refresh.
        if (inst.readReplicaSource) await this.refreshReplication(inst.dbiResourceId, server);
        return {};
      }
      case 'destroy':
        return this.destroy(inst, work.retainBackups);
      case 'create-replica':
        return this.createReplica(inst, work.source);
      case 'promote':
        return this.promote(inst);
    }
  }

  /** Read replicas an engine can make (PostgreSQL, or any engine without databases). */
  supportsReplicas(engine: EngineName): boolean {
    return !this.usesDisk || this.options.engines[engine]?.createReplica !== undefined;
  }

  /**
   * The source's server, once it runs: a cluster's reader may be created while its writer is still
   * being created (RDS accepts both at once), so it waits for the writer as long as that is creating.
   */
  private async sourceServer(sourceId: string): Promise<DatabaseServer | undefined> {
    for (;;) {
      const source = this.store.instance(sourceId);
      const server = source && this.servers.get(source.dbiResourceId);
      // A writer being created, or promoted in a failover, is not ready to be copied yet.
      const settling = source?.transition?.kind === 'create' ? !source.databaseReady : source?.transition?.kind === 'promote';
      if (!source?.cluster || !settling) return server;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private async createReplica(inst: InstanceRecord, sourceId: string): Promise<WorkResult> {
    const sourceServer = await this.sourceServer(sourceId);
    if (!sourceServer) throw new Error(`the source ${sourceId} of read replica ${inst.identifier} is not running`);
    const engine = this.engine(inst.engine);
    if (!engine.createReplica) throw new Error(`the ${inst.engine} engine makes no read replicas`);
    // A cluster reader made again after a failover: its old server (following the writer that went) stops first.
    const previous = this.servers.get(inst.dbiResourceId);
    if (previous) {
      await previous.stop();
      this.servers.delete(inst.dbiResourceId);
      this.replication.delete(inst.dbiResourceId);
    }
    const port = await this.freshDataDir(inst);
    const server = await engine.createReplica(sourceServer, await this.spec(inst, port));
    this.servers.set(inst.dbiResourceId, server);
    await this.refreshReplication(inst.dbiResourceId, server);
    return { port };
  }

  private async promote(inst: InstanceRecord): Promise<WorkResult> {
    const server = this.server(inst);
    const { slotName } = (await server.promote?.()) ?? {};
    this.replication.delete(inst.dbiResourceId);
    await this.releaseSlot(inst.readReplicaSource, slotName);
    return {};
  }

  /** The source (if it still runs) keeps no WAL for a replica that is gone or promoted. */
  private async releaseSlot(sourceId: string | undefined, slotName: string | undefined): Promise<void> {
    const source = sourceId === undefined ? undefined : this.store.instance(sourceId);
    const server = source && this.servers.get(source.dbiResourceId);
    if (!server || !slotName) return;
    await server.dropReplicationSlot?.(slotName).catch((error: unknown) => {
      this.options.log(`releasing the replication slot of a replica of ${sourceId} failed: ${String(error)}`);
    });
  }

  /** The replication state each replica reported last (StatusInfos), refreshed every second. */
  private readonly replication = new Map<string, ReplicationState>();
  private watching: NodeJS.Timeout | undefined;
  private refreshing = false;

  replicationOf(inst: InstanceRecord): ReplicationState | undefined {
    if (!inst.readReplicaSource) return undefined;
    if (!this.usesDisk) return { status: 'replicating' };
    return this.replication.get(inst.dbiResourceId);
  }

  private async refreshReplication(dbiResourceId: string, server: DatabaseServer): Promise<void> {
    const state = await server.replication?.();
    if (state) this.replication.set(dbiResourceId, state);
    else this.replication.delete(dbiResourceId);
    this.watch();
  }

  private watch(): void {
    if (this.watching || !this.usesDisk) return;
    this.watching = setInterval(() => void this.refreshAll(), 1000);
    this.watching.unref();
  }

  private async refreshAll(): Promise<void> {
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      for (const [dbiResourceId, server] of this.servers) {
        if (server.replicationSlot === undefined && !this.replication.has(dbiResourceId)) continue;
        await this.refreshReplication(dbiResourceId, server);
      }
    } finally {
      this.refreshing = false;
    }
  }

  private async destroy(inst: InstanceRecord, retainBackups: boolean): Promise<WorkResult> {
    const server = this.servers.get(inst.dbiResourceId);
    if (server && this.usesDisk && inst.cluster) await keepClusterData(this.store, inst, server, (relative) => this.path(relative));
    // Stopping archives the last WAL segment: the window is read after it, so it covers every write.
    await server?.stop();
    const window = server ? this.windowOf(inst, server) : {};
    this.servers.delete(inst.dbiResourceId);
    this.replication.delete(inst.dbiResourceId);
    await this.releaseSlot(inst.readReplicaSource ?? writerOf(this.store, inst), server?.replicationSlot);
    let walPath: string | undefined;
    if (this.usesDisk) {
      if (retainBackups && server?.walArchiveDir && existsSync(server.walArchiveDir)) {
        walPath = join('backups', inst.dbiResourceId, 'wal');
        await mkdir(this.path(join('backups', inst.dbiResourceId)), { recursive: true });
        await rename(server.walArchiveDir, this.path(walPath));
      }
      await rm(this.instanceDir(inst), { recursive: true, force: true });
      await rm(this.path(join('tls', inst.dbiResourceId)), { recursive: true, force: true });
    }
    return { retained: { walPath, ...window } };
  }

  private windowOf(inst: InstanceRecord, server: DatabaseServer): { earliest?: number; latest?: number } {
    const w = server.restorableWindow();
    const clock = this.options.clock;
    const first = this.firstAutomatedBackup(inst.dbiResourceId);
    return {
      earliest: first?.completedAt ?? (w.earliest ? clock.fromReal(w.earliest.getTime()) : undefined),
      latest: w.latest ? clock.fromReal(w.latest.getTime()) : undefined,
    };
  }

  private firstAutomatedBackup(dbiResourceId: string): SnapshotRecord | undefined {
    let first: SnapshotRecord | undefined;
    for (const s of this.store.snapshotsOfResource(dbiResourceId)) {
      if (s.type === 'automated' && s.status === 'available' && (!first || s.completedAt! < first.completedAt!)) first = s;
    }
    return first;
  }

  /** The newest automated backup that was complete at `target`: recovery replays WAL from it. */
  baseBackupFor(dbiResourceId: string, target: number): SnapshotRecord | undefined {
    let best: SnapshotRecord | undefined;
    for (const s of this.store.snapshotsOfResource(dbiResourceId)) {
      if (s.type !== 'automated' || s.status !== 'available' || s.completedAt === undefined || s.completedAt > target) continue;
      if (!best || s.completedAt > best.completedAt!) best = s;
    }
    return best;
  }

  private walDirOf(dbiResourceId: string): string | undefined {
    const live = this.servers.get(dbiResourceId);
    if (live) return live.walArchiveDir;
    const retained = this.store.automatedBackup(dbiResourceId)?.walPath;
    return retained ? this.path(retained) : undefined;
  }

  /** The restorable window of a live instance, in emulator time; undefined before its first backup. */
  restorableWindow(inst: InstanceRecord): { earliest: number; latest: number } | undefined {
    if (inst.backupRetentionPeriod === 0) return undefined;
    const first = this.firstAutomatedBackup(inst.dbiResourceId);
    if (!first?.completedAt) return undefined;
    const server = this.servers.get(inst.dbiResourceId);
    const latestReal = server?.restorableWindow().latest?.getTime();
    const latest = latestReal === undefined ? first.completedAt : Math.max(first.completedAt, this.options.clock.fromReal(latestReal));
    return { earliest: first.completedAt, latest };
  }

  /** Emulator restarted: bring an existing database back up. */
  async resume(inst: InstanceRecord): Promise<void> {
    const server = this.engine(inst.engine).open(await this.spec(inst, inst.port));
    await server.start();
    this.servers.set(inst.dbiResourceId, server);
    if (inst.readReplicaSource) await this.refreshReplication(inst.dbiResourceId, server);
  }

  async removeData(relativePath: string | undefined): Promise<void> {
    if (!relativePath || !this.usesDisk) return;
    await rm(this.path(relativePath), { recursive: true, force: true });
  }

  pidOf(dbiResourceId: string): number | undefined {
    return this.servers.get(dbiResourceId)?.pid;
  }

  pids(): number[] {
    return [...this.servers.values()].flatMap((s) => (s.pid === undefined ? [] : [s.pid]));
  }

  async stopAll(): Promise<void> {
    if (this.watching) clearInterval(this.watching);
    this.watching = undefined;
    const all = [...this.servers.values()];
    this.servers.clear();
    const results = await Promise.allSettled(all.map((s) => s.stop()));
    for (const r of results) if (r.status === 'rejected') this.options.log(`stopping a database failed: ${String(r.reason)}`);
  }
}
