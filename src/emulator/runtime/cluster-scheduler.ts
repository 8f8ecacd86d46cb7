/**
 * Drives every cluster through its transitions, as the instance scheduler drives instances: asks
 * the pure cluster lifecycle what comes next, waits, or has the servers perform the phase's work,
 * then records the outcome. One pump per cluster at a time.
 */
import { clusterWorkFailed, clusterWorkSucceeded, nextClusterStep } from '../model/cluster-lifecycle.js';
import type { ClusterRecord, ClusterWork } from '../model/cluster-types.js';
import type { Timing } from '../model/lifecycle.js';
import type { Store } from '../model/store.js';
import type { Clock } from './clock.js';
import { clusterHousekeeping, expiredClusterSnapshots } from './cluster-housekeeping.js';

export interface ClusterWorkResult {
  port?: number;
  /** A snapshot's copy. */
  dataPath?: string;
  /** A restored cluster's data, waiting for its first writer. */
  seedPath?: string;
}

/** The effectful half: what a phase's work does to the servers behind the cluster. */
export interface ClusterPerformer {
  perform(cluster: ClusterRecord, work: ClusterWork): Promise<ClusterWorkResult>;
  removeData(relativePath: string | undefined): Promise<void>;
  /** EarliestRestorableTime / LatestRestorableTime, in emulator time. */
  restorableWindow(cluster: ClusterRecord, now: number): { earliest: number; latest: number } | undefined;
}

export class ClusterScheduler {
  private readonly busy = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly running = new Set<Promise<void>>();
  private readonly held = new Set<string>();
  private fastForward = 0;
  private settleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly performer: ClusterPerformer,
    private readonly clock: Clock,
    private readonly timing: () => Timing,
    private readonly hooks: { changed(): void; log(line: string): void },
  ) {}

  kick(identifier: string): void {
    if (this.stopped) return;
    setImmediate(() => this.startPump(identifier));
  }

  private startPump(identifier: string): void {
    if (this.stopped || this.busy.has(identifier) || this.held.has(identifier)) return;
    const run = this.pump(identifier).catch((err: unknown) => this.hooks.log(`lifecycle of cluster ${identifier} stopped: ${String(err)}`));
    this.running.add(run);
    void run.finally(() => this.running.delete(run));
  }

  private wake(identifier: string, at: number): void {
    const existing = this.timers.get(identifier);
    if (existing && existing.at <= at) return;
    if (existing) clearTimeout(existing.timer);
    const timer = setTimeout(
      () => {
        this.timers.delete(identifier);
        this.startPump(identifier);
      },
      Math.max(0, at - this.clock.now()),
    );
    timer.unref();
    this.timers.set(identifier, { at, timer });
  }

  private async pump(identifier: string): Promise<void> {
    this.busy.add(identifier);
    try {
      while (!this.stopped && !this.held.has(identifier)) {
        const cluster = this.store.cluster(identifier);
        if (!cluster) break;
        const step = nextClusterStep(cluster, this.clock.now(), this.timing(), this.fastForward > 0);
        if (step.type === 'idle') break;
        if (step.type === 'wait') {
          this.wake(identifier, step.until);
          break;
        }
        if (step.type === 'update') {
          this.commit(cluster, step.next);
          continue;
        }
        await this.performWork(cluster, step.work, step.transitionId);
      }
    } finally {
      this.busy.delete(identifier);
      this.checkSettled();
    }
  }

  private async performWork(cluster: ClusterRecord, work: ClusterWork, transitionId: number): Promise<void> {
    let result: ClusterWorkResult = {};
    let failure: string | undefined;
    try {
      result = await this.performer.perform(cluster, work);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    const latest = this.store.cluster(cluster.identifier);
    if (!latest) return;
    const now = this.clock.now();
    if (work.kind === 'snapshot') this.recordSnapshot(work.snapshotId, failure === undefined, result.dataPath, now);
    if (failure !== undefined) {
      this.hooks.log(`${work.kind} on cluster ${cluster.identifier} failed: ${failure}`);
      this.commit(latest, clusterWorkFailed(latest, transitionId, failure));
      return;
    }
    if (work.kind === 'destroy') this.dropAutomatedSnapshots(latest.identifier);
    let learned = result.port !== undefined ? { ...latest, port: result.port } : latest;
    if (result.seedPath !== undefined) learned = { ...learned, seedPath: result.seedPath };
    this.commit(latest, clusterWorkSucceeded(learned, transitionId));
  }

  private recordSnapshot(snapshotId: string, ok: boolean, dataPath: string | undefined, now: number): void {
    const snapshot = this.store.clusterSnapshots.get(snapshotId);
    if (!snapshot) {
      // Deleted while it was being taken: its copy goes too.
      void this.performer.removeData(dataPath);
      return;
    }
    this.store.putClusterSnapshot({ ...snapshot, status: ok ? 'available' : 'failed', completedAt: now, dataPath });
  }

  /** A deleted cluster's automated snapshots go with it, as on RDS; manual ones stay. */
  private dropAutomatedSnapshots(clusterIdentifier: string): void {
    for (const s of [...this.store.clusterSnapshots.values()]) {
      if (s.clusterIdentifier !== clusterIdentifier || s.type !== 'automated') continue;
      this.store.removeClusterSnapshot(s.identifier);
      void this.performer.removeData(s.dataPath);
    }
  }

  private commit(previous: ClusterRecord, next: ClusterRecord | null): void {
    if (next === null) this.store.removeCluster(previous.identifier);
    else {
      this.store.putCluster(next);
      // The members' servers run the cluster's version, with the cluster's master password.
      if (next.engineVersion !== previous.engineVersion || next.masterPassword !== previous.masterPassword) {
        for (const member of this.store.membersOf(next.identifier)) {
          this.store.putInstance({ ...member, engineVersion: next.engineVersion, masterPassword: next.masterPassword });
        }
      }
    }
    this.hooks.changed();
  }

  /** The emulator's clock moved (or a second passed): scheduled cluster work that is due starts. */
  sweep(now: number, timing: Timing): boolean {
    let changed = false;
    for (const cluster of [...this.store.clusters.values()]) {
      if (this.held.has(cluster.identifier)) continue;
      const next = clusterHousekeeping(this.store, cluster, now, timing);
      if (!next) continue;
      this.store.putCluster(next);
      this.kick(cluster.identifier);
      changed = true;
    }
    for (const s of expiredClusterSnapshots(this.store, now)) {
      this.store.removeClusterSnapshot(s.identifier);
      void this.performer.removeData(s.dataPath);
      changed = true;
    }
    return changed;
  }

  restorableWindow(cluster: ClusterRecord, now: number): { earliest: number; latest: number } | undefined {
    return this.performer.restorableWindow(cluster, now);
  }

  hold(identifier: string): void {
    this.held.add(identifier);
    const timer = this.timers.get(identifier);
    if (timer) clearTimeout(timer.timer);
    this.timers.delete(identifier);
  }

  release(identifier?: string): void {
    const ids = identifier === undefined ? [...this.held] : [identifier];
    for (const id of ids) {
      this.held.delete(id);
      this.kick(id);
    }
  }

  unsettled(): string[] {
    const out: string[] = [];
    for (const c of this.store.clusters.values()) if ((c.transition || c.shown) && !this.held.has(c.identifier)) out.push(c.identifier);
    return out;
  }

  private checkSettled(): void {
    if (this.settleWaiters.length === 0 || this.unsettled().length > 0) return;
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Finish every running cluster transition now (held clusters excepted); resolves with what remains. */
  async settle(timeoutMs: number): Promise<string[]> {
    this.fastForward++;
    try {
      const pending = this.unsettled();
      if (pending.length === 0) return [];
      const done = new Promise<void>((resolve) => this.settleWaiters.push(resolve));
      for (const id of pending) this.kick(id);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([done, timeout]);
      clearTimeout(timer);
      return this.unsettled();
    } finally {
      this.fastForward--;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
