/**
 * Drives every instance through its transitions: asks the pure lifecycle what comes next,
 * waits, or has the fleet perform the phase's work, then records the outcome. One pump per
 * instance at a time; instances move independently. Tests can hold an instance at its current
 * step, or settle everything at once.
 */
import { nextStep, workFailed, workSucceeded, type Timing } from '../model/lifecycle.js';
import { automatedBackupOf, refreshAutomatedBackup } from '../model/records.js';
import type { Store } from '../model/store.js';
import type { InstanceRecord, Work } from '../model/types.js';
import type { Clock } from './clock.js';
import type { Fleet, WorkResult } from './fleet.js';

/**
 * A transition that will not run to its end (its instance failed, or a deletion replaced it):
 * snapshots its later phases would have taken are not coming. Automated ones are dropped,
 * requested ones fail, as RDS shows them.
 */
export function abandonSnapshots(store: Store, inst: InstanceRecord, now: number, workInFlight: boolean): void {
  const t = inst.transition;
  if (!t) return;
  for (const phase of t.phases.slice(t.index)) {
    if (phase.work?.kind !== 'snapshot') continue;
    const snapshot = store.snapshots.get(phase.work.snapshotId);
    if (snapshot?.status !== 'creating') continue;
    // A copy under way right now still finishes; its result is recorded when it does.
    if (workInFlight && phase === t.phases[t.index]) continue;
    if (snapshot.type === 'automated') store.removeSnapshot(snapshot.identifier);
    else store.putSnapshot({ ...snapshot, status: 'failed', completedAt: now });
  }
}

/** The instance left its current step: next phase, transition over, parameter change over, or gone. */
function movedOn(before: InstanceRecord, after: InstanceRecord | null): boolean {
  if (after === null) return true;
  const a = before.transition;
  const b = after.transition;
  if (a) return !b || b.id !== a.id || b.index !== a.index;
  return before.parameterActivity !== undefined && after.parameterActivity === undefined;
}

export interface SchedulerHooks {
  /** Something changed: persist soon. */
  changed(): void;
  log(line: string): void;
}

export class Scheduler {
  private readonly busy = new Set<string>();
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private readonly held = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private fastForward = 0;
  /** Held instances allowed to move on by one step, with who waits for it. */
  private readonly stepping = new Map<string, () => void>();
  private settleWaiters: (() => void)[] = [];
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly fleet: Fleet,
    private readonly clock: Clock,
    private readonly timing: () => Timing,
    private readonly hooks: SchedulerHooks,
  ) {}

  /** Look at the instance again soon (after a call changed it, or when a wait ends). */
  kick(identifier: string): void {
    if (this.stopped) return;
    setImmediate(() => this.startPump(identifier));
  }

  private blocked(identifier: string): boolean {
    return this.held.has(identifier) && !this.stepping.has(identifier);
  }

  private startPump(identifier: string): void {
    if (this.stopped || this.busy.has(identifier) || this.blocked(identifier)) return;
    const run = this.pump(identifier).catch((err: unknown) => this.hooks.log(`lifecycle of ${identifier} stopped: ${String(err)}`));
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
      while (!this.stopped && !this.blocked(identifier)) {
        const inst = this.store.instance(identifier);
        if (!inst) break;
        const now = this.clock.now();
        const fastForward = this.fastForward > 0 || this.stepping.has(identifier);
        if (fastForward && inst.shown) {
          // Settling or stepping ends the visibility lag too: callers see where the instance really is.
          this.commit(inst, { ...inst, shown: undefined });
          continue;
        }
        const step = nextStep(inst, now, this.timing(), fastForward);
        if (step.type === 'idle') {
          this.stepDone(identifier);
          break;
        }
        if (step.type === 'wait') {
          this.wake(identifier, step.until);
          break;
        }
        if (step.type === 'update') {
          this.commit(inst, step.next);
          if (movedOn(inst, step.next)) this.stepDone(identifier);
          continue;
        }
        await this.performWork(inst, step.work, step.transitionId);
      }
    } finally {
      this.busy.delete(identifier);
      this.checkSettled();
    }
  }

  private async performWork(inst: InstanceRecord, work: Work, transitionId: number | 'parameters'): Promise<void> {
    let result: WorkResult | undefined;
    let failure: string | undefined;
    try {
      result = await this.fleet.perform(inst, work);
    } catch (err) {
      failure = err instanceof Error ? err.message : String(err);
    }
    let latest = this.store.instance(inst.identifier);
    if (!latest) return;
    const now = this.clock.now();
    if (failure !== undefined) {
      this.hooks.log(`${work.kind} on ${inst.identifier} failed: ${failure}`);
      this.recordWorkFailure(latest, work, now);
      const next = workFailed(latest, transitionId, failure);
      if (latest.transition && !next.transition) abandonSnapshots(this.store, latest, now, false);
      this.commit(latest, next);
      return;
    }
    latest = this.recordWorkResult(latest, work, result ?? {}, now);
    this.commit(latest, workSucceeded(latest, transitionId, now));
  }

  /** What the other records learn from a phase's work. */
  private recordWorkResult(inst: InstanceRecord, work: Work, result: WorkResult, now: number): InstanceRecord {
    if (result.port !== undefined && result.port !== inst.port) inst = { ...inst, port: result.port };
    if (work.kind === 'snapshot') {
      const snapshot = this.store.snapshots.get(work.snapshotId);
      if (snapshot) this.store.putSnapshot({ ...snapshot, status: 'available', completedAt: now, dataPath: result.dataPath });
      // Deleted (or abandoned) while it was being taken: its copy goes too.
      else void this.fleet.removeData(result.dataPath);
    }
    if (work.kind === 'destroy') {
      const backup = this.store.automatedBackup(inst.dbiResourceId);
      if (backup && work.retainBackups) {
        this.store.putAutomatedBackup({
          ...refreshAutomatedBackup(backup, inst),
          status: 'retained',
          retainedAt: now,
          earliest: result.retained?.earliest,
          latest: result.retained?.latest ?? now,
          walPath: result.retained?.walPath,
        });
      } else {
        this.dropAutomatedBackups(inst.dbiResourceId);
      }
    }
    return inst;
  }

  private recordWorkFailure(inst: InstanceRecord, work: Work, now: number): void {
    if (work.kind === 'snapshot') {
      const snapshot = this.store.snapshots.get(work.snapshotId);
      if (snapshot) this.store.putSnapshot({ ...snapshot, status: 'failed', completedAt: now });
    }
    if (work.kind === 'destroy' && !work.retainBackups) this.dropAutomatedBackups(inst.dbiResourceId);
  }

  /** One snapshot and its copy of the data (an automated snapshot past its retention). */
  removeSnapshot(identifier: string): void {
    const snapshot = this.store.snapshots.get(identifier);
    if (!snapshot) return;
    this.store.removeSnapshot(identifier);
    void this.fleet.removeData(snapshot.dataPath);
  }

  /** Automated backups go with the instance (DeleteAutomatedBackups, or retention set to 0). */
  dropAutomatedBackups(dbiResourceId: string): void {
    for (const s of this.store.snapshotsOfResource(dbiResourceId)) {
      if (s.type !== 'automated') continue;
      this.store.removeSnapshot(s.identifier);
      void this.fleet.removeData(s.dataPath);
    }
    const backup = this.store.automatedBackup(dbiResourceId);
    if (backup) {
      this.store.removeAutomatedBackup(dbiResourceId);
      void this.fleet.removeData(backup.walPath);
    }
  }

  private commit(previous: InstanceRecord, next: InstanceRecord | null): void {
    if (next === null) {
      this.store.removeInstance(previous.identifier);
    } else {
      this.store.putInstance(next);
      if (previous.backupRetentionPeriod > 0 && next.backupRetentionPeriod === 0) {
        this.dropAutomatedBackups(next.dbiResourceId);
      } else if (
        next.backupRetentionPeriod > 0 &&
        next.createdAt !== undefined &&
        next.transition?.kind !== 'delete' &&
        !this.store.automatedBackup(next.dbiResourceId)
      ) {
        this.store.putAutomatedBackup(automatedBackupOf(next, this.store.vpcId));
      }
    }
    this.hooks.changed();
  }

  private stepDone(identifier: string): void {
    const done = this.stepping.get(identifier);
    this.stepping.delete(identifier);
    done?.();
  }

  /**
   * Let a held instance finish its current step (status, or parameter change) and stop again at
   * the next one. Resolves once it has moved on, or when it has nothing in progress.
   */
  step(identifier: string): Promise<void> {
    if (!this.held.has(identifier)) return Promise.resolve();
    this.stepDone(identifier);
    const moved = new Promise<void>((resolve) => this.stepping.set(identifier, resolve));
    this.startPump(identifier);
    return moved;
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
      this.stepDone(id);
      this.kick(id);
    }
  }

  /** Whether the database layer is working for this instance right now. */
  isBusy(identifier: string): boolean {
    return this.busy.has(identifier);
  }

  heldIdentifiers(): string[] {
    return [...this.held].sort();
  }

  /** Instances with a transition, a parameter change or a lag window in progress that are not held. */
  private unsettled(): string[] {
    const out: string[] = [];
    for (const inst of this.store.instances.values()) {
      if ((inst.transition || inst.parameterActivity || inst.shown) && !this.held.has(inst.identifier)) out.push(inst.identifier);
    }
    return out;
  }

  private checkSettled(): void {
    if (this.settleWaiters.length === 0 || this.unsettled().length > 0) return;
    const waiters = this.settleWaiters;
    this.settleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Finish every running transition now (held instances excepted). Resolves with what remains unsettled. */
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

  /** Stop driving; wait for work in flight so no database starts after the fleet is stopped. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const id of [...this.stepping.keys()]) this.stepDone(id);
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }
}
