import { KubeConfig } from '@kubernetes/client-node';
import { LeaderElector } from '../../src/housekeeping/leader.js';
import { createKubeLeaseStore, type LeaseStore } from '../../src/housekeeping/kubeLeaseStore.js';
import type { LeaseTimings } from '../../src/housekeeping/leaderDecision.js';

/** Shared pieces of the leader-election tests: real KubeConfigs pointed at the API double. */

export const namespace = 'brokers';
export const leaseName = 'rds-broker-housekeeping';

/**
 * A kubeconfig as an operator would write it: the server at `url`, trusted through its authority
 * (`caPem`), authenticating with a bearer `token`.
 */
export function kubeConfigFor(url: string, caPem: string, token: string): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'double', server: url, caData: Buffer.from(caPem).toString('base64'), skipTLSVerify: false }],
    users: [{ name: token, token }],
    contexts: [{ name: 'double', cluster: 'double', user: token, namespace }],
    currentContext: 'double',
  });
  return config;
}

export function storeFor(api: { url: string; certificatePem: string }, token: string): LeaseStore {
  return createKubeLeaseStore(kubeConfigFor(api.url, api.certificatePem, token), namespace, leaseName);
}

export interface Interval {
  identity: string;
  start: number;
  end?: number;
}

/** An elector plus a record of when it believed it led (from onStartedLeading to its signal's abort). */
export class RecordedElector {
  readonly elector: LeaderElector;
  readonly intervals: Interval[] = [];
  stoppedCallbacks = 0;

  constructor(
    api: { url: string; certificatePem: string },
    readonly token: string,
    timings: LeaseTimings,
    options: { onStopped?: () => Promise<void> } = {},
  ) {
    this.elector = new LeaderElector(
      { store: storeFor(api, token), identity: `${token}_test`, timings },
      {
        onStartedLeading: (signal) => {
          const interval: Interval = { identity: this.identity, start: performance.now() };
          this.intervals.push(interval);
          signal.addEventListener('abort', () => (interval.end = performance.now()), { once: true });
        },
        onStoppedLeading: async () => {
          this.stoppedCallbacks++;
          await options.onStopped?.();
        },
      },
    );
  }

  get identity(): string {
    return this.elector.identity;
  }

  isLeader(): boolean {
    return this.elector.isLeader();
  }

  lastInterval(): Interval | undefined {
    return this.intervals.at(-1);
  }
}

/** Polls until `predicate` holds; the bound only keeps a broken build from hanging. */
export async function waitFor(predicate: () => boolean, what: string, boundMs = 15_000): Promise<void> {
  const started = performance.now();
  while (!predicate()) {
    if (performance.now() - started > boundMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Samples how many electors claim leadership, every few milliseconds, until stopped. */
export class LeaderSampler {
  readonly counts: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(electors: RecordedElector[], everyMs = 5) {
    this.timer = setInterval(() => this.counts.push(electors.filter((e) => e.isLeader()).length), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  max(): number {
    return Math.max(0, ...this.counts);
  }
}

/** Pairs of intervals from different electors that overlap in time: split brain. */
export function overlaps(electors: RecordedElector[]): Array<[Interval, Interval]> {
  const all = electors.flatMap((e) => e.intervals);
  const found: Array<[Interval, Interval]> = [];
  for (const a of all) {
    for (const b of all) {
      if (a === b || a.identity >= b.identity) continue;
      const aEnd = a.end ?? Infinity;
      const bEnd = b.end ?? Infinity;
      if (a.start < bEnd && b.start < aEnd) found.push([a, b]);
    }
  }
  return found;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
