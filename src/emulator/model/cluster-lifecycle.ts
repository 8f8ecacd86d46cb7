/**
 * The cluster state machine, pure as the instance one is (lifecycle.ts): a call starts a
 * transition and returns; the cluster keeps showing what it showed for the visibility lag, then
 * walks through its statuses, each lasting at least its (scaled) duration and its work.
 */
import type { Timing } from './lifecycle.js';
import type {
  ClusterPhase,
  ClusterRecord,
  ClusterSettings,
  ClusterStatus,
  ClusterTransition,
  ClusterTransitionalStatus,
  ClusterView,
  ClusterWork,
} from './cluster-types.js';

/** Roughly how long each status lasts on RDS for a cluster (its storage, not its instances). */
export const CLUSTER_DURATION_MS: Record<ClusterTransitionalStatus, number> = {
  creating: 120_000,
  modifying: 60_000,
  'backing-up': 60_000,
  upgrading: 600_000,
  'resetting-master-credentials': 60_000,
  deleting: 60_000,
};

export function clusterPhase(status: ClusterTransitionalStatus, extra: Omit<ClusterPhase, 'status' | 'durationMs'> = {}): ClusterPhase {
  return { status, durationMs: CLUSTER_DURATION_MS[status], ...extra };
}

export function actualClusterStatus(cluster: ClusterRecord): ClusterStatus {
  const t = cluster.transition;
  return t ? t.phases[t.index]!.status : cluster.status;
}

export function currentClusterView(cluster: ClusterRecord): ClusterView {
  const current = cluster.transition?.phases[cluster.transition.index];
  return {
    status: actualClusterStatus(cluster),
    pending: current?.showsPending ? { ...cluster.pending, ...current.showsPending } : cluster.pending,
  };
}

export function visibleClusterView(cluster: ClusterRecord, now: number): ClusterView {
  if (cluster.shown && now < cluster.shown.until) return cluster.shown.view;
  return currentClusterView(cluster);
}

/** Start a transition; a new cluster shows its first status at once, a change after the lag. */
export function beginClusterTransition(
  cluster: ClusterRecord,
  kind: ClusterTransition['kind'],
  phases: ClusterPhase[],
  id: number,
  now: number,
  timing: Timing,
): ClusterRecord {
  const isNew = kind === 'create' || kind === 'restore';
  let shown = cluster.shown;
  if (!isNew && !(shown && now < shown.until)) {
    shown = timing.visibilityLagMs > 0 ? { until: now + timing.visibilityLagMs, view: currentClusterView(cluster) } : undefined;
  }
  return {
    ...cluster,
    shown,
    transition: { id, kind, phases, index: 0, visibleAt: isNew ? now : now + Math.max(0, timing.visibilityLagMs), workDone: false },
  };
}

export type ClusterStep =
  | { type: 'idle' }
  | { type: 'wait'; until: number }
  | { type: 'work'; work: ClusterWork; transitionId: number }
  | { type: 'update'; next: ClusterRecord | null };

export function nextClusterStep(cluster: ClusterRecord, now: number, timing: Timing, fastForward: boolean): ClusterStep {
  if (fastForward && cluster.shown) return { type: 'update', next: { ...cluster, shown: undefined } };
  const t = cluster.transition;
  if (!t) return { type: 'idle' };
  if (!fastForward && now < t.visibleAt) return { type: 'wait', until: t.visibleAt };
  if (t.phaseStartedAt === undefined) return { type: 'update', next: { ...cluster, transition: { ...t, phaseStartedAt: now } } };
  const current = t.phases[t.index]!;
  if (current.work && !t.workDone) return { type: 'work', work: current.work, transitionId: t.id };
  const due = t.phaseStartedAt + current.durationMs * Math.max(0, timing.speed);
  if (!fastForward && now < due) return { type: 'wait', until: due };
  return { type: 'update', next: completeClusterPhase(cluster, now) };
}

function applyClusterSettings(cluster: ClusterRecord, apply: ClusterSettings | undefined): ClusterRecord {
  if (!apply) return cluster;
  const next = { ...cluster, pending: { ...cluster.pending } };
  if (apply.engineVersion !== undefined) {
    next.engineVersion = apply.engineVersion;
    delete next.pending.EngineVersion;
  }
  if (apply.clusterParameterGroupName !== undefined) next.clusterParameterGroupName = apply.clusterParameterGroupName;
  if (apply.masterPassword !== undefined) next.masterPassword = apply.masterPassword;
  if (apply.serverlessV2 !== undefined) next.serverlessV2 = apply.serverlessV2;
  return next;
}

/** The current phase is over: its settings apply; next phase, rest, or (a deletion) gone. */
export function completeClusterPhase(cluster: ClusterRecord, now: number): ClusterRecord | null {
  const t = cluster.transition!;
  const finished = t.phases[t.index]!;
  let next = applyClusterSettings(cluster, finished.apply);
  // ClusterCreateTime: the cluster exists once `creating` is over (its first backup comes after).
  if (finished.status === 'creating' && next.createdAt === undefined) next = { ...next, createdAt: now };
  if (t.index + 1 < t.phases.length) {
    return { ...next, transition: { ...t, index: t.index + 1, phaseStartedAt: now, workDone: false } };
  }
  if (t.kind === 'delete') return null;
  return { ...next, transition: undefined, status: 'available' };
}

export function clusterWorkSucceeded(cluster: ClusterRecord, transitionId: number): ClusterRecord {
  const t = cluster.transition;
  if (!t || t.id !== transitionId) return cluster;
  return { ...cluster, transition: { ...t, workDone: true } };
}

/** Failed work: a snapshot or a deletion still moves on (the snapshot record fails); anything else fails the cluster. */
export function clusterWorkFailed(cluster: ClusterRecord, transitionId: number, reason: string): ClusterRecord {
  const t = cluster.transition;
  if (!t || t.id !== transitionId) return cluster;
  const work = t.phases[t.index]!.work;
  if (work?.kind === 'snapshot' || work?.kind === 'destroy') return { ...cluster, transition: { ...t, workDone: true } };
  return { ...cluster, transition: undefined, status: 'failed', failureReason: reason, shown: undefined };
}

/** A new (or restored) cluster: `creating`, then its first automated snapshot (`backing-up`), as RDS shows it. */
export function createClusterPhases(work: ClusterWork, automatedSnapshotId: string): ClusterPhase[] {
  return [clusterPhase('creating', { work }), clusterPhase('backing-up', { work: { kind: 'snapshot', snapshotId: automatedSnapshotId } })];
}

/** Snapshots the rest of a transition would have taken, when something replaces it (a deletion). */
export function pendingSnapshotIds(cluster: ClusterRecord, includeCurrent: boolean): string[] {
  const t = cluster.transition;
  if (!t) return [];
  return t.phases.slice(includeCurrent ? t.index : t.index + 1).flatMap((p) => (p.work?.kind === 'snapshot' ? [p.work.snapshotId] : []));
}

export function deleteClusterPhases(finalSnapshotId: string | undefined): ClusterPhase[] {
  const phases: ClusterPhase[] = [];
  if (finalSnapshotId) phases.push(clusterPhase('deleting', { work: { kind: 'snapshot', snapshotId: finalSnapshotId } }));
  phases.push(clusterPhase('deleting', { work: { kind: 'destroy' } }));
  return phases;
}
