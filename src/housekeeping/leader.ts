import {
  decideLeaseAction,
  leadershipValidUntil,
  nextLeaseSpec,
  releasedLeaseSpec,
  retryDelayMs,
  timingProblems,
  type LeaseRecord,
  type LeaseTimings,
} from './leaderDecision.js';
import type { LeaseStore } from './kubeLeaseStore.js';

/** What the elector tells the work it guards. */
export interface LeaderCallbacks {
  /**
   * This replica became leader. `signal` aborts the moment leadership is lost or the elector stops;
   * work must stop promptly when it does (the margin is lease duration − renew deadline).
   */
  onStartedLeading(signal: AbortSignal): void;
  /** Called after the signal aborted; the elector waits for it before releasing or re-acquiring. */
  onStoppedLeading(): void | Promise<void>;
  /** The holder this elector last saw changed (undefined: nobody). For logs and metrics. */
  onNewLeader?(holder: string | undefined): void;
}

/** The few log methods used; a pino logger fits. Objects logged never carry secrets. */
export interface ElectionLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  debug(object: object, message: string): void;
}

export interface LeaderElectorOptions {
  store: LeaseStore;
  identity: string;
  timings: LeaseTimings;
  log?: ElectionLog;
  /** For tests of the pure parts only; the elector itself runs on the real clock. */
  random?: () => number;
}

const silent: ElectionLog = { info() {}, warn() {}, debug() {} };

/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection: candidates
 * try every retry period to acquire; the leader renews every retry period and stops leading —
 * aborting its signal — when it has not renewed within the renew deadline, which comes before the
 * lease could expire for anyone else. Writes are guarded by resourceVersion, so of two electors
 * writing after the same read, one gets 409 Conflict and stays a candidate.
 */
export class LeaderElector {
  private readonly store: LeaseStore;
  private readonly timings: LeaseTimings;
  private readonly log: ElectionLog;
  private readonly random: () => number;
  readonly identity: string;

  private loop: AbortController | undefined;
  private loopDone: Promise<void> | undefined;
  private leading: { controller: AbortController; validUntil: number; deadlineTimer: NodeJS.Timeout } | undefined;
  private stopping: Promise<void> = Promise.resolve();
  private observed: { resourceVersion: string; since: number } | undefined;
  private lastHolder: string | undefined;
  private failuresInARow = 0;

  constructor(
    options: LeaderElectorOptions,
    private readonly callbacks: LeaderCallbacks,
  ) {
    const problems = timingProblems(options.timings);
    if (problems.length > 0) throw new Error(`invalid leader election timings: ${problems.join('; ')}`);
    this.store = options.store;
    this.timings = options.timings;
    this.identity = options.identity;
    this.log = options.log ?? silent;
    this.random = options.random ?? Math.random;
  }

  isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** The holder seen on the last successful read or write. */
  currentHolder(): string | undefined {
    return this.lastHolder;
  }

  start(): void {
    if (this.loop) return;
    const loop = new AbortController();
    this.loop = loop;
    this.loopDone = this.run(loop.signal);
  }

  /** Stops trying, stops leading (waiting for the work to stop), then gives the lease up. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    loop.abort();
    await this.loopDone;
    this.loop = undefined;
    if (this.leading) this.stopLeading('elector stopped');
    await this.stopping;
    await this.release();
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // A replica that just lost leadership waits for its work to stop before it may lead again.
      await this.stopping;
      if (signal.aborted) break;
      await this.attempt(signal);
      await sleep(retryDelayMs(this.isLeader(), this.timings, this.random()), signal);
    }
  }

  /** One round: read the lease, decide, write. Never throws. */
  private async attempt(loopSignal: AbortSignal): Promise<void> {
    const sentAt = Date.now();
    // A leader's attempt may not outlast its leadership; a candidate's is bounded by the renew deadline.
    const budget = this.leading ? Math.max(1, this.leading.validUntil - sentAt) : this.timings.renewDeadlineMs;
    // One controller per attempt, detached afterwards, so a long-lived loop signal collects no listeners.
    const attemptController = new AbortController();
    const abortAttempt = () => attemptController.abort();
    const timer = setTimeout(abortAttempt, budget);
    loopSignal.addEventListener('abort', abortAttempt, { once: true });
    const signal = attemptController.signal;
    try {
      const lease = await this.store.read(signal);
      const now = Date.now();
      this.observe(lease, now);
      const action = decideLeaseAction(lease, this.identity, new Date(now), this.timings, new Date(this.observed?.since ?? now));
      if (action.kind === 'wait') {
        if (this.leading) this.stopLeading(`lease is held by ${action.holder}`);
        return;
      }
      const spec = nextLeaseSpec(action, lease, this.identity, new Date(now), this.timings);
      const written = lease ? await this.store.replace(spec, lease.resourceVersion, signal) : await this.store.create(spec, signal);
      if (written === 'conflict') {
        // Someone wrote since our read; the next read tells who. A leader keeps leading until its deadline.
        this.log.debug({ lease: this.store.description, action: action.kind }, 'lease write conflicted; not leader this round');
        return;
      }
      this.observe(written, Date.now());
      this.renewed(sentAt, action.kind);
      this.failuresInARow = 0;
    } catch (error) {
      if (loopSignal.aborted) return;
      // An API server that is down fails every retry period: say so once, then now and then.
      this.failuresInARow++;
      const details = {
        lease: this.store.description,
        leading: this.isLeader(),
        failuresInARow: this.failuresInARow,
        error: (error as Error).message,
      };
      if (this.failuresInARow === 1 || this.failuresInARow % 30 === 0) this.log.warn(details, 'lease attempt failed');
      else this.log.debug(details, 'lease attempt failed');
    } finally {
      clearTimeout(timer);
      loopSignal.removeEventListener('abort', abortAttempt);
    }
  }

  private observe(lease: LeaseRecord | undefined, now: number): void {
    const version = lease?.resourceVersion ?? '';
    if (this.observed?.resourceVersion !== version) this.observed = { resourceVersion: version, since: now };
    const holder = lease?.holderIdentity;
    if (holder !== this.lastHolder) {
      this.lastHolder = holder;
      this.callbacks.onNewLeader?.(holder);
    }
  }

  private renewed(sentAt: number, action: string): void {
    const validUntil = leadershipValidUntil(sentAt, this.timings);
    const remaining = validUntil - Date.now();
    // A write that came back after its own deadline proves nothing about now: do not lead on it.
    if (remaining <= 0) return;
    if (this.leading) {
      clearTimeout(this.leading.deadlineTimer);
      this.leading.validUntil = validUntil;
      this.leading.deadlineTimer = setTimeout(() => this.stopLeading('could not renew within the renew deadline'), remaining);
      return;
    }
    const controller = new AbortController();
    const deadlineTimer = setTimeout(() => this.stopLeading('could not renew within the renew deadline'), remaining);
    this.leading = { controller, validUntil, deadlineTimer };
    this.log.info({ lease: this.store.description, identity: this.identity, action }, 'started leading');
    try {
      this.callbacks.onStartedLeading(controller.signal);
    } catch (error) {
      this.log.warn({ error: (error as Error).message }, 'onStartedLeading threw');
    }
  }

  private stopLeading(reason: string): void {
    const leading = this.leading;
    if (!leading) return;
    this.leading = undefined;
    clearTimeout(leading.deadlineTimer);
    leading.controller.abort(new Error(`leadership lost: ${reason}`));
    this.log.info({ lease: this.store.description, identity: this.identity, reason }, 'stopped leading');
    const previous = this.stopping;
    this.stopping = previous.then(async () => {
      try {
        await this.callbacks.onStoppedLeading();
      } catch (error) {
        this.log.warn({ error: (error as Error).message }, 'onStoppedLeading failed');
      }
    });
  }

  /** Gives the lease up if it still names us, so another replica takes over without waiting it out. */
  private async release(): Promise<void> {
    const signal = AbortSignal.timeout(this.timings.renewDeadlineMs);
    try {
      const lease = await this.store.read(signal);
      if (!lease || lease.holderIdentity !== this.identity) return;
      const written = await this.store.replace(releasedLeaseSpec(lease, new Date()), lease.resourceVersion, signal);
      if (written !== 'conflict') this.log.info({ lease: this.store.description, identity: this.identity }, 'released lease');
    } catch (error) {
      this.log.warn({ lease: this.store.description, error: (error as Error).message }, 'could not release lease; it will expire');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
