/**
 * What a cluster's phases do to the servers behind it, with real databases. The cluster's data is
 * its writer's server while one runs, else the cluster's own copy (cluster-data.ts); its endpoints
 * are two listeners passing connections to the writer and to the readers (endpoint-proxy.ts).
 * Without databases every work item is nothing and nothing listens, as for instances.
 */
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { actualStatus } from '../model/lifecycle.js';
import type { ClusterRecord, ClusterWork } from '../model/cluster-types.js';
import type { Store } from '../model/store.js';
import type { InstanceRecord } from '../model/types.js';
import type { ClusterPerformer, ClusterWorkResult } from './cluster-scheduler.js';
import { seedPathOf } from './cluster-data.js';
import { ClusterEndpoints } from './endpoint-proxy.js';
import type { Fleet } from './fleet.js';
import type { Clock } from './clock.js';

interface Base {
  dbiResourceId: string;
  /** Emulator time the copy was complete: a point-in-time restore reaches from here on. */
  at: number;
  path: string;
}

export class ClusterServers implements ClusterPerformer {
  private readonly endpoints = new Map<string, ClusterEndpoints>();
  private basing = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  private basesDir(cluster: ClusterRecord): string {
    return join('clusters', cluster.resourceId, 'bases');
  }

  /**
   * Base backups of the cluster's writers, taken without a status as Aurora's continuous backup is
   * invisible: `clusters/<DbClusterResourceId>/bases/<DbiResourceId>-<time>`. With the writer's
   * archived WAL they reach any time since.
   */
  private bases(cluster: ClusterRecord): Base[] {
    const dir = this.fleet.absolute(this.basesDir(cluster));
    if (!existsSync(dir)) return [];
    return readdirSync(dir).flatMap((name) => {
      const match = /^(.+)-(\d+)$/.exec(name);
      return match ? [{ dbiResourceId: match[1]!, at: Number(match[2]), path: join(this.basesDir(cluster), name) }] : [];
    });
  }

  /** Every running writer without a base backup gets one (called each second). */
  async ensureBases(): Promise<void> {
    if (!this.fleet.usesDisk || this.basing) return;
    this.basing = true;
    try {
      for (const cluster of [...this.store.clusters.values()]) {
        const writer = this.writer(cluster.identifier);
        if (!writer || writer.createdAt === undefined || actualStatus(writer) !== 'available') continue;
        if (this.bases(cluster).some((b) => b.dbiResourceId === writer.dbiResourceId)) continue;
        const dir = this.fleet.absolute(this.basesDir(cluster));
        await mkdir(dir, { recursive: true });
        const partial = join(dir, `${writer.dbiResourceId}.partial`);
        await rm(partial, { recursive: true, force: true });
        await this.fleet.perform(writer, { kind: 'snapshot', snapshotId: 'base' }).then(async ({ dataPath }) => {
          if (!dataPath) return;
          await rename(this.fleet.absolute(dataPath), join(dir, `${writer.dbiResourceId}-${this.clock.now()}`));
        });
      }
    } finally {
      this.basing = false;
    }
  }

  /** The times a point-in-time restore can reach; without databases, from creation to now. */
  restorableWindow(cluster: ClusterRecord, now: number): { earliest: number; latest: number } | undefined {
    if (cluster.createdAt === undefined) return undefined;
    if (!this.fleet.usesDisk) return { earliest: cluster.createdAt, latest: Math.max(cluster.createdAt, now) };
    const writer = this.writer(cluster.identifier);
    const bases = writer ? this.bases(cluster).filter((b) => b.dbiResourceId === writer.dbiResourceId) : [];
    if (!writer || bases.length === 0) return undefined;
    const earliest = Math.min(...bases.map((b) => b.at));
    return { earliest, latest: Math.max(earliest, this.fleet.latestRestorable(writer) ?? earliest) };
  }

  /** The writer, when its server runs. */
  private writer(clusterId: string): InstanceRecord | undefined {
    const id = this.store.cluster(clusterId)?.writer;
    const inst = id === undefined ? undefined : this.store.instance(id);
    return inst && this.fleet.isRunning(inst) ? inst : undefined;
  }

  private readers(clusterId: string): InstanceRecord[] {
    const writer = this.store.cluster(clusterId)?.writer;
    return this.store
      .membersOf(clusterId)
      .filter((m) => m.identifier !== writer && this.fleet.isRunning(m) && actualStatus(m) !== 'deleting' && m.createdAt !== undefined);
  }

  private async openEndpoints(cluster: ClusterRecord, port: number): Promise<number> {
    await this.endpoints.get(cluster.resourceId)?.close();
    const id = cluster.identifier;
    const endpoints = await ClusterEndpoints.open(port, {
      writer: () => this.writer(id)?.port,
      readers: () => this.readers(id).map((m) => m.port),
    });
    this.endpoints.set(cluster.resourceId, endpoints);
    return endpoints.port;
  }

  async perform(cluster: ClusterRecord, work: ClusterWork): Promise<ClusterWorkResult> {
    if (!this.fleet.usesDisk) return {};
    switch (work.kind) {
      case 'open':
        return { port: await this.openEndpoints(cluster, 0) };
      case 'restore': {
        const snapshot = this.store.clusterSnapshots.get(work.snapshotId);
        if (!snapshot) throw new Error(`cluster snapshot ${work.snapshotId} is gone`);
        const seedPath = seedPathOf(cluster);
        await rm(this.fleet.absolute(seedPath), { recursive: true, force: true });
        // A snapshot without a copy is of a cluster that never held data: the writer starts empty.
        if (snapshot.dataPath) await cp(this.fleet.absolute(snapshot.dataPath), this.fleet.absolute(seedPath), { recursive: true });
        return { port: await this.openEndpoints(cluster, 0), seedPath };
      }
      case 'restore-point-in-time':
        return this.pointInTime(cluster, work.sourceClusterResourceId, work.target);
      case 'snapshot':
        return this.snapshot(cluster, work.snapshotId);
      case 'set-password': {
        const writer = this.writer(cluster.identifier);
        // Readers follow through replication; without a writer the new password waits for the next one (it is the cluster's).
        if (writer) await this.fleet.perform(writer, { kind: 'set-password', password: work.password });
        return {};
      }
      case 'upgrade':
        // Every version runs on the same server binaries.
        return {};
      case 'destroy':
        await this.endpoints.get(cluster.resourceId)?.close();
        this.endpoints.delete(cluster.resourceId);
        await rm(this.fleet.absolute(join('clusters', cluster.resourceId)), { recursive: true, force: true });
        return {};
    }
  }

  /** The source's data as it was at `target` becomes the new cluster's seed. */
  private async pointInTime(cluster: ClusterRecord, sourceResourceId: string, target: number): Promise<ClusterWorkResult> {
    const source = [...this.store.clusters.values()].find((c) => c.resourceId === sourceResourceId);
    const writer = source && this.writer(source.identifier);
    if (!source || !writer) throw new Error('the source cluster has no running writer to restore from');
    const base = this.bases(source)
      .filter((b) => b.dbiResourceId === writer.dbiResourceId && b.at <= target)
      .sort((a, b) => b.at - a.at)[0];
    if (!base) throw new Error('no base backup of the source precedes the requested time');
    const seedPath = seedPathOf(cluster);
    await rm(this.fleet.absolute(seedPath), { recursive: true, force: true });
    await mkdir(this.fleet.absolute(join('clusters', cluster.resourceId)), { recursive: true });
    await this.fleet.pointInTimeCopy(writer, this.fleet.absolute(base.path), target, this.fleet.absolute(seedPath));
    return { port: await this.openEndpoints(cluster, 0), seedPath };
  }

  /** A copy of the cluster's data: from its running writer, else its own copy; none for a cluster that never held data. */
  private async snapshot(cluster: ClusterRecord, snapshotId: string): Promise<ClusterWorkResult> {
    const writer = this.writer(cluster.identifier);
    if (writer) return this.fleet.perform(writer, { kind: 'snapshot', snapshotId });
    const seed = this.fleet.absolute(seedPathOf(cluster));
    if (!existsSync(seed)) return {};
    const dataPath = join('snapshots', `${snapshotId.replace(/[^A-Za-z0-9-]/g, '_')}-${randomBytes(4).toString('hex')}`);
    await mkdir(this.fleet.absolute('snapshots'), { recursive: true });
    await cp(seed, this.fleet.absolute(dataPath), { recursive: true });
    return { dataPath };
  }

  /** Emulator restarted: the endpoints of clusters that had them listen again on their ports. */
  async resume(cluster: ClusterRecord): Promise<void> {
    if (!this.fleet.usesDisk || cluster.createdAt === undefined) return;
    await this.openEndpoints(cluster, cluster.port);
  }

  removeData(relativePath: string | undefined): Promise<void> {
    return this.fleet.removeData(relativePath);
  }

  async stopAll(): Promise<void> {
    const all = [...this.endpoints.values()];
    this.endpoints.clear();
    await Promise.allSettled(all.map((e) => e.close()));
  }
}
