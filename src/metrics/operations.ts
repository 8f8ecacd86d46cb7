/**
 * What this process has seen of the operations under way: the last pass on each instance (a poll, an
 * update, the resync, the requeue) says its operation's kind, the step it is at and whether it is
 * still in progress. The broker keeps no state, so this is a view, not a record: bounded in size, and
 * an instance not looked at for a while is forgotten (another replica may have finished it).
 * No clock of its own: callers pass `now` (milliseconds), so the rules can be tested as they are.
 */

export type PassState = 'in progress' | 'succeeded' | 'failed' | 'gone';

export interface OperationSighting {
  instanceId: string;
  /** The operation's kind (provision, restore, update, …), or "other" when the instance records none. */
  kind: string;
  /** Where the operation is: a pending step's tag, else RDS's own status (creating, modifying, …). */
  step: string;
  /** When the operation was asked for (its Operation tag), if the instance records it. */
  startedAt?: Date;
  state: PassState;
}

export interface TrackerLimits {
  /** Instances remembered at most; past it, the one seen longest ago is dropped. */
  maxInstances: number;
  /** An instance no pass has looked at for this long is forgotten. */
  forgetAfterMs: number;
}

/**
 * Ten minutes: several of a Cloud Foundry platform's 60 s polls and of the leader's minutely resync,
 * so a live operation is always refreshed before it is forgotten; an operation another replica
 * finished stays in this replica's view at most that long.
 */
export const DEFAULT_TRACKER_LIMITS: TrackerLimits = { maxInstances: 10_000, forgetAfterMs: 10 * 60 * 1000 };

interface Entry {
  kind: string;
  step: string;
  startedAt: number;
  seenAt: number;
}

export interface OperationsView {
  /** Operations in progress, counted by kind and step. */
  inProgress: Array<{ kind: string; step: string; count: number }>;
  /** The age in seconds of the oldest operation in progress, by kind. */
  oldestAgeSeconds: Array<{ kind: string; seconds: number }>;
}

export class OperationTracker {
  // Insertion order is the order of last sighting (a sighting re-inserts), so the entries seen
  // longest ago are always first: forgetting and bounding both take from the front.
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly limits: TrackerLimits = DEFAULT_TRACKER_LIMITS) {}

  /**
   * Records one pass's outcome. Returns the operation that ended when an instance this tracker held
   * in progress reached succeeded or failed (for a counter of finished operations), else undefined.
   */
  note(sighting: OperationSighting, now: number): { kind: string; state: 'succeeded' | 'failed' } | undefined {
    const previous = this.entries.get(sighting.instanceId);
    this.entries.delete(sighting.instanceId);
    if (sighting.state !== 'in progress') {
      // Gone is how a deprovision ends: the instance is deleted.
      return previous ? { kind: previous.kind, state: sighting.state === 'gone' ? 'succeeded' : sighting.state } : undefined;
    }
    const started = sighting.startedAt?.getTime();
    this.entries.set(sighting.instanceId, {
      kind: sighting.kind,
      step: sighting.step,
      // Without an Operation tag the operation is as old as this process knows it.
      startedAt: started !== undefined && !Number.isNaN(started) ? started : (previous?.startedAt ?? now),
      seenAt: now,
    });
    while (this.entries.size > this.limits.maxInstances) this.entries.delete(this.entries.keys().next().value!);
    return undefined;
  }

  /** The current view, after forgetting what has not been seen within the limit. */
  view(now: number): OperationsView {
    for (const [id, entry] of this.entries) {
      if (now - entry.seenAt <= this.limits.forgetAfterMs) break;
      this.entries.delete(id);
    }
    const counts = new Map<string, { kind: string; step: string; count: number }>();
    const oldest = new Map<string, number>();
    for (const entry of this.entries.values()) {
      const key = `${entry.kind}\u0000${entry.step}`;
      const counted = counts.get(key) ?? { kind: entry.kind, step: entry.step, count: 0 };
      counted.count++;
      counts.set(key, counted);
      oldest.set(entry.kind, Math.min(oldest.get(entry.kind) ?? Infinity, entry.startedAt));
    }
    return {
      inProgress: [...counts.values()],
      oldestAgeSeconds: [...oldest].map(([kind, startedAt]) => ({ kind, seconds: Math.max(0, (now - startedAt) / 1000) })),
    };
  }

  get size(): number {
    return this.entries.size;
  }
}
