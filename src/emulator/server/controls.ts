/** The admin API's operations, over the emulator's parts. */
import type { Faults } from '../faults/faults.js';
import type { TokenBuckets } from '../faults/throttle.js';
import type { IamEnforcer } from '../iam/enforcer.js';
import { actualStatus, failInstance, fillStorage, visibleState, type Timing } from '../model/lifecycle.js';
import type { Store } from '../model/store.js';
import { actualClusterStatus, visibleClusterView } from '../model/cluster-lifecycle.js';
import type { Clock } from '../runtime/clock.js';
import type { Fleet } from '../runtime/fleet.js';
import { maintenanceTransition } from '../runtime/housekeeping.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { ClusterScheduler } from '../runtime/cluster-scheduler.js';
import type { AdminControls } from './admin.js';
import type { Stats } from './stats.js';

export interface ControlDeps {
  store: Store;
  fleet: Fleet;
  scheduler: Scheduler;
  clusterScheduler: ClusterScheduler;
  clock: Clock;
  timing: Timing;
  stats: Stats;
  throttle: TokenBuckets;
  faults: Faults;
  runSweep(): void;
  iam: IamEnforcer;
  caPem(): Promise<string | undefined>;
}

export function adminControls(
  d: ControlDeps,
): AdminControls & { settle(timeoutMs: number): Promise<{ unsettled: string[]; held: string[] }> } {
  const kickAll = () => {
    for (const id of d.store.instances.keys()) d.scheduler.kick(id);
    for (const id of d.store.clusters.keys()) d.clusterScheduler.kick(id);
  };
  return {
    stats: () => d.stats.snapshot(),
    resetStats: () => d.stats.reset(),
    faults: d.faults,
    throttle: () => d.throttle.settings,
    configureThrottle: (settings) => d.throttle.configure(settings),
    settle: async (timeoutMs) => {
      // Clusters and instances move independently (a member may be created while its cluster is).
      const [instances, clusters] = await Promise.all([d.scheduler.settle(timeoutMs), d.clusterScheduler.settle(timeoutMs)]);
      return { unsettled: [...instances, ...clusters], held: d.scheduler.heldIdentifiers() };
    },
    // An identifier names an instance or a cluster (their namespaces are separate): hold either.
    hold: (id) => {
      d.scheduler.hold(id);
      d.clusterScheduler.hold(id);
    },
    release: (id) => {
      d.scheduler.release(id);
      d.clusterScheduler.release(id);
    },
    step: async (id, timeoutMs) => {
      let timer: NodeJS.Timeout | undefined;
      const moved = await Promise.race([
        d.scheduler.step(id).then(() => true),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      const inst = d.store.instance(id);
      return { moved, status: inst ? actualStatus(inst) : 'deleted' };
    },
    maintenance: (id) => {
      const inst = d.store.instance(id);
      if (!inst) return `no DB instance ${id}`;
      const next = maintenanceTransition(d.store, inst, d.clock.now(), d.timing);
      if (!next) return `DB instance ${id} has no pending modifications to apply, or is busy`;
      d.store.putInstance(next);
      d.scheduler.kick(id);
      return undefined;
    },
    fail: (id, reason) => {
      const inst = d.store.instance(id);
      if (!inst) return `no DB instance ${id}`;
      d.store.putInstance(failInstance(inst, reason));
      d.scheduler.kick(id);
      return undefined;
    },
    fillStorage: (id) => {
      const inst = d.store.instance(id);
      if (!inst) return `no DB instance ${id}`;
      const next = fillStorage(inst);
      if (!next) return `DB instance ${id} is not available (it is ${actualStatus(inst)})`;
      d.store.putInstance(next);
      d.scheduler.kick(id);
      return undefined;
    },
    advanceClock: (ms) => {
      d.clock.advance(ms);
      d.runSweep();
      // Waits were timed against the old clock: look at every instance again.
      kickAll();
      return { offsetMs: d.clock.offset, now: new Date(d.clock.now()).toISOString() };
    },
    settings: () => ({ speed: d.timing.speed, visibilityLagMs: d.timing.visibilityLagMs }),
    configure: (settings) => {
      if (settings.speed !== undefined) d.timing.speed = settings.speed;
      if (settings.visibilityLagMs !== undefined) d.timing.visibilityLagMs = settings.visibilityLagMs;
      kickAll();
    },
    instances: () => {
      const now = d.clock.now();
      const held = new Set(d.scheduler.heldIdentifiers());
      return d.store.sortedInstanceIds().map((id) => {
        const inst = d.store.instance(id)!;
        const t = inst.transition;
        return {
          identifier: inst.identifier,
          dbiResourceId: inst.dbiResourceId,
          status: actualStatus(inst),
          visibleStatus: visibleState(inst, now).status,
          parameterApplyStatus: visibleState(inst, now).parameterApplyStatus,
          port: inst.port,
          pid: d.fleet.pidOf(inst.dbiResourceId) ?? null,
          held: held.has(id),
          transition: t ? { kind: t.kind, step: t.index + 1, of: t.phases.length, statuses: t.phases.map((p) => p.status) } : null,
          failureReason: inst.failureReason ?? null,
        };
      });
    },
    clusters: () => {
      const now = d.clock.now();
      return d.store.sortedClusterIds().map((id) => {
        const c = d.store.cluster(id)!;
        const t = c.transition;
        return {
          identifier: c.identifier,
          resourceId: c.resourceId,
          engine: c.engine,
          status: actualClusterStatus(c),
          visibleStatus: visibleClusterView(c, now).status,
          port: c.port,
          writer: c.writer ?? null,
          members: d.store.membersOf(id).map((m) => m.identifier),
          transition: t ? { kind: t.kind, step: t.index + 1, of: t.phases.length, statuses: t.phases.map((p) => p.status) } : null,
          failureReason: c.failureReason ?? null,
        };
      });
    },
    failCluster: (id, reason) => {
      const cluster = d.store.cluster(id);
      if (!cluster) return `no DB cluster ${id}`;
      d.store.putCluster({ ...cluster, transition: undefined, status: 'failed', failureReason: reason, shown: undefined });
      d.clusterScheduler.kick(id);
      return undefined;
    },
    iam: {
      state: () => ({ enforced: d.iam.enforced(), policies: d.iam.policyCount(), denials: d.iam.recentDenials() }),
      set: (policies) => d.iam.setPolicies(policies),
      clearDenials: () => d.iam.clearDenials(),
    },
    caPem: d.caPem,
  };
}
