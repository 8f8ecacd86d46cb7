import { withBudgetPriority } from '../aws/budget.js';
import type { Config } from '../config/load.js';
import { LeaderElector, type ElectionLog, type LeaderCallbacks } from './leader.js';
import type { LeaseTimings } from './leaderDecision.js';
import type { LeaseStore } from './kubeLeaseStore.js';
import {
  detectKubeAccess,
  leaderIdentity,
  readServiceAccountNamespace,
  resolveLeaseNamespace,
  type KubeAccess,
} from './kubeEnvironment.js';
import { HousekeepingScheduler, type HousekeepingJob, type JobStats } from './scheduler.js';

export type HousekeepingSettings = Config['housekeeping'];
export type HousekeepingMode = HousekeepingSettings['mode'];

/** How this replica takes part in housekeeping. */
export type Participation = 'always' | 'never' | 'elect';

/**
 * Pure: what the configured mode means here.
 * - always: this replica runs housekeeping (the one replica named for it outside Kubernetes);
 * - never: it does not;
 * - leader: elect through a Lease, and refuse to start without a Kubernetes API to hold one;
 * - auto: elect when a Kubernetes API is reachable (in a pod, or a kubeconfig configured), else never.
 */
export function decideParticipation(
  mode: HousekeepingMode,
  access: KubeAccess | undefined,
): { participation: Participation; reason: string } {
  switch (mode) {
    case 'always':
      return { participation: 'always', reason: 'housekeeping.mode is always' };
    case 'never':
      return { participation: 'never', reason: 'housekeeping.mode is never' };
    case 'leader':
      if (!access) {
        throw new Error(
          'housekeeping.mode is leader, but there is no Kubernetes API to elect through: not running in a pod (KUBERNETES_SERVICE_HOST unset) and no housekeeping.lease.kubeconfig',
        );
      }
      return { participation: 'elect', reason: `housekeeping.mode is leader (${access.kind})` };
    case 'auto':
      return access
        ? { participation: 'elect', reason: `housekeeping.mode is auto and a Kubernetes API is available (${access.kind})` }
        : {
            participation: 'never',
            reason: 'housekeeping.mode is auto and there is no Kubernetes API (not in a pod, no kubeconfig configured)',
          };
  }
}

/**
 * Outside Kubernetes there is no Lease: one instance must be named to run housekeeping. This
 * variable lets a platform name it per instance (Cloud Foundry: instance index 0) while every
 * instance reads the same configuration file.
 */
export const housekeepingModeVariable = 'RDS_BROKER_HOUSEKEEPING_MODE';
const modes: readonly HousekeepingMode[] = ['auto', 'leader', 'always', 'never'];

export function effectiveMode(configured: HousekeepingMode, env: NodeJS.ProcessEnv): HousekeepingMode {
  const override = env[housekeepingModeVariable];
  if (override === undefined || override === '') return configured;
  if (!(modes as readonly string[]).includes(override)) {
    throw new Error(`${housekeepingModeVariable} must be one of ${modes.join(', ')}, not ${JSON.stringify(override)}`);
  }
  return override as HousekeepingMode;
}

export function leaseTimings(settings: HousekeepingSettings): LeaseTimings {
  return {
    leaseDurationMs: settings.lease.durationSeconds * 1000,
    renewDeadlineMs: settings.lease.renewDeadlineSeconds * 1000,
    retryPeriodMs: settings.lease.retryPeriodSeconds * 1000,
  };
}

/** Who runs housekeeping, whatever the mode: the same three calls for an elector or a fixed answer. */
export interface Leadership {
  readonly participation: Participation;
  /** The Lease holder identity when electing; the pod or host name otherwise. */
  readonly identity: string;
  start(callbacks: LeaderCallbacks): void;
  stop(): Promise<void>;
  isLeader(): boolean;
}

export interface LeadershipDependencies {
  env?: NodeJS.ProcessEnv;
  log?: ElectionLog;
  /** Replaces the Kubernetes Lease store (tests; other coordination back ends). */
  store?: LeaseStore;
  /** Prefix of the in-cluster service account paths; tests only. */
  serviceAccountPathPrefix?: string;
}

export function createLeadership(settings: HousekeepingSettings, deps: LeadershipDependencies = {}): Leadership {
  const env = deps.env ?? process.env;
  const access = deps.store ? undefined : detectKubeAccess(env, settings.lease.kubeconfig);
  const { participation, reason } = deps.store
    ? { participation: 'elect' as const, reason: 'lease store given' }
    : decideParticipation(effectiveMode(settings.mode, env), access);
  const identity = leaderIdentity(env);
  deps.log?.info({ participation, reason, identity }, 'housekeeping participation decided');
  if (participation === 'elect') {
    const prefix = deps.serviceAccountPathPrefix ?? '';
    // The Kubernetes client loads only here, on replicas that elect (about 70 MB and most of a second).
    const storeReady: Promise<LeaseStore> = deps.store
      ? Promise.resolve(deps.store)
      : import('./kubeLeaseStore.js').then(({ createKubeLeaseStore, loadKubeConfig }) => {
          const kubeConfig = loadKubeConfig(access!, prefix);
          const namespace = resolveLeaseNamespace(settings.lease.namespace, env, kubeConfig, () => readServiceAccountNamespace(prefix));
          const store = createKubeLeaseStore(kubeConfig, namespace, settings.lease.name);
          deps.log?.info({ lease: store.description, via: access!.kind }, 'electing the housekeeping leader through a Kubernetes Lease');
          return store;
        });
    let elector: LeaderElector | undefined;
    let stopped = false;
    return {
      participation,
      identity,
      start(callbacks) {
        storeReady.then(
          (store) => {
            if (stopped) return;
            elector ??= new LeaderElector({ store, identity, timings: leaseTimings(settings), log: deps.log }, callbacks);
            elector.start();
          },
          (error: unknown) =>
            deps.log?.warn(
              { err: error instanceof Error ? error.message : String(error) },
              'cannot use the Kubernetes API: this replica does not take part in housekeeping',
            ),
        );
      },
      stop: async () => {
        stopped = true;
        await storeReady.catch(() => undefined);
        await elector?.stop();
      },
      isLeader: () => elector?.isLeader() ?? false,
    };
  }
  return fixedLeadership(participation, identity);
}

/** always: lead from start to stop. never: never lead. */
function fixedLeadership(participation: 'always' | 'never', identity: string): Leadership {
  let active: { controller: AbortController; callbacks: LeaderCallbacks } | undefined;
  return {
    participation,
    identity,
    start(callbacks) {
      if (participation === 'never' || active) return;
      active = { controller: new AbortController(), callbacks };
      callbacks.onStartedLeading(active.controller.signal);
    },
    async stop() {
      if (!active) return;
      const { controller, callbacks } = active;
      active = undefined;
      controller.abort(new Error('stopping'));
      await callbacks.onStoppedLeading();
    },
    isLeader: () => active !== undefined,
  };
}

export interface RunningHousekeeping {
  readonly leadership: Leadership;
  isLeader(): boolean;
  jobStats(): Record<string, JobStats>;
  /** Stops the jobs (waiting for running ones to return), then releases the lease. */
  stop(): Promise<void>;
}

/**
 * Wires jobs to leadership: the scheduler runs only while this replica leads and is stopped (its
 * runs' signal aborted, and awaited) before the lease is released or re-acquired.
 */
export function startHousekeeping(
  settings: HousekeepingSettings,
  jobs: HousekeepingJob[],
  deps: LeadershipDependencies & {
    log?: ElectionLog & { error(object: object, message: string): void };
    /** Told when this replica starts (true) and stops (false) running housekeeping; for a metric. */
    onLeadershipChange?: (leading: boolean) => void;
    /** Told when a scheduled run ends (the scheduler's onRunEnded); for metrics. */
    onRunEnded?: (job: string, succeeded: boolean, at: Date) => void;
    /** Work that runs for as long as this replica leads (the requeue), beside the scheduled jobs. */
    whileLeading?: Array<(signal: AbortSignal) => Promise<void>>;
  } = {},
): RunningHousekeeping {
  const scheduler = new HousekeepingScheduler(jobs, {
    jitterMs: settings.jitterSeconds * 1000,
    log: deps.log,
    ...(deps.onRunEnded ? { onRunEnded: deps.onRunEnded } : {}),
  });
  const leadership = createLeadership(settings, deps);
  let round: Promise<void> = Promise.resolve();
  leadership.start({
    onStartedLeading: (signal) => {
      deps.onLeadershipChange?.(true);
      // Housekeeping's RDS calls are background work: they yield to requests and polls (src/aws/budget.ts).
      round = withBudgetPriority('background', () =>
        Promise.all([
          scheduler.lead(signal),
          ...(deps.whileLeading ?? []).map((work) =>
            work(signal).catch((error: unknown) => deps.log?.error({ err: String(error) }, 'housekeeping work stopped')),
          ),
        ]),
      ).then(() => undefined);
    },
    onStoppedLeading: async () => {
      deps.onLeadershipChange?.(false);
      await round;
    },
  });
  return {
    leadership,
    isLeader: () => leadership.isLeader(),
    jobStats: () => scheduler.jobStats(),
    stop: () => leadership.stop(),
  };
}
