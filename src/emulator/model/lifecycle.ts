/**
 * The instance state machine, as pure functions: (record, event, now) → new record. Nothing here
 * touches a database, a timer or the clock; the scheduler feeds time in and performs the work a
 * phase names. The shape follows RDS: a call returns at once, the instance keeps showing what it
 * showed for a short while (eventual consistency), then walks through its statuses.
 */
import type {
  InstanceRecord,
  InstanceStatus,
  ParameterActivity,
  PendingChanges,
  Phase,
  SettingChanges,
  Transition,
  TransitionKind,
  TransitionalStatus,
  VisibleState,
  Work,
} from './types.js';
import { storageDiffers } from './storage-interval.js';

export interface Timing {
  /** Factor on RDS's own durations: 1 ≈ real RDS (minutes), 0.05 ≈ seconds, 0 = as fast as the work allows. */
  speed: number;
  /** How long a change stays invisible after the call that made it. */
  visibilityLagMs: number;
}

/** Roughly how long each status lasts on RDS for a small instance; scaled by the speed. */
export const BASE_DURATION_MS: Record<TransitionalStatus, number> = {
  creating: 240_000,
  'backing-up': 60_000,
  modifying: 120_000,
  rebooting: 60_000,
  'resetting-master-credentials': 60_000,
  upgrading: 600_000,
  'storage-optimization': 300_000,
  deleting: 120_000,
};

export const PARAMETER_APPLY_MS = 30_000;

export function phase(status: TransitionalStatus, extra: Omit<Phase, 'status' | 'durationMs'> = {}): Phase {
  return { status, durationMs: BASE_DURATION_MS[status], ...extra };
}

/** What the instance is really doing now, ignoring the visibility lag. Calls are checked against this. */
export function actualStatus(inst: InstanceRecord): InstanceStatus {
  const t = inst.transition;
  return t ? t.phases[t.index]!.status : inst.status;
}

/** What the instance shows once the lag is over. */
export function currentView(inst: InstanceRecord): VisibleState {
  const t = inst.transition;
  let pending = inst.pending;
  const current = t?.phases[t.index];
  if (current?.showsPending) pending = { ...pending, ...current.showsPending };
  const associating = current?.showsParameterGroup;
  return {
    status: actualStatus(inst),
    pending,
    parameterApplyStatus: inst.parameterActivity || associating ? 'applying' : inst.parameterApplyStatus,
    ...(associating ? { parameterGroupName: associating } : {}),
  };
}

/** What DescribeDBInstances shows at `now`. */
export function visibleState(inst: InstanceRecord, now: number): VisibleState {
  if (inst.shown && now < inst.shown.until) return inst.shown.view;
  return currentView(inst);
}

/**
 * Before a mutation: freeze what callers see until `now + lag`. A view already frozen by an
 * earlier call in the window stays (the caller has not seen that one yet either).
 */
export function freezeView(inst: InstanceRecord, now: number, timing: Timing): InstanceRecord {
  if (inst.shown && now < inst.shown.until) return inst;
  if (timing.visibilityLagMs <= 0) return inst.shown ? { ...inst, shown: undefined } : inst;
  return { ...inst, shown: { until: now + timing.visibilityLagMs, view: currentView(inst) } };
}

/**
 * Start a transition. A new instance (create, restore) shows its first status at once; a change
 * to an existing one shows after the lag.
 */
export function beginTransition(
  inst: InstanceRecord,
  kind: TransitionKind,
  phases: Phase[],
  id: number,
  now: number,
  timing: Timing,
): InstanceRecord {
  const isNew = kind === 'create' || kind === 'restore' || kind === 'replica';
  const frozen = isNew ? inst : freezeView(inst, now, timing);
  const transition: Transition = {
    id,
    kind,
    phases,
    index: 0,
    // The work starts only once the change is visible, so no status is ever skipped unseen.
    visibleAt: isNew ? now : now + Math.max(0, timing.visibilityLagMs),
    workDone: false,
  };
  return { ...frozen, transition };
}

export function beginParameterActivity(
  inst: InstanceRecord,
  then: ParameterActivity['then'],
  dynamicValues: Record<string, string>,
  now: number,
  timing: Timing,
): InstanceRecord {
  const frozen = freezeView(inst, now, timing);
  const previous = frozen.parameterActivity;
  // A static change already waiting for a reboot keeps waiting, whatever this change is.
  const waitsForReboot = then === 'pending-reboot' || previous?.then === 'pending-reboot' || inst.parameterApplyStatus === 'pending-reboot';
  const activity: ParameterActivity = {
    visibleAt: now + Math.max(0, timing.visibilityLagMs),
    durationMs: PARAMETER_APPLY_MS,
    then: waitsForReboot ? 'pending-reboot' : 'in-sync',
    dynamicValues: { ...(previous?.dynamicValues ?? {}), ...dynamicValues },
    workDone: false,
  };
  return { ...frozen, parameterActivity: activity };
}

export type Step =
  | { type: 'idle' }
  | { type: 'wait'; until: number }
  | { type: 'work'; work: Work; transitionId: number | 'parameters' }
  | { type: 'update'; next: InstanceRecord | null };

const scaled = (ms: number, timing: Timing) => ms * Math.max(0, timing.speed);

/**
 * The one thing to do next for an instance at `now`. `fastForward` treats every wait as over
 * (the admin API's settle).
 */
export function nextStep(inst: InstanceRecord, now: number, timing: Timing, fastForward: boolean): Step {
  const t = inst.transition;
  if (t) {
    if (!fastForward && now < t.visibleAt) return { type: 'wait', until: t.visibleAt };
    if (t.phaseStartedAt === undefined) {
      return { type: 'update', next: { ...inst, transition: { ...t, phaseStartedAt: now } } };
    }
    const current = t.phases[t.index]!;
    if (current.work && !t.workDone) return { type: 'work', work: current.work, transitionId: t.id };
    const due = t.phaseStartedAt + scaled(current.durationMs, timing);
    if (!fastForward && now < due) return { type: 'wait', until: due };
    return { type: 'update', next: completePhase(inst, now) };
  }
  const pa = inst.parameterActivity;
  if (pa) {
    if (!fastForward && now < pa.visibleAt) return { type: 'wait', until: pa.visibleAt };
    if (pa.startedAt === undefined) return { type: 'update', next: { ...inst, parameterActivity: { ...pa, startedAt: now } } };
    if (!pa.workDone && Object.keys(pa.dynamicValues).length > 0 && inst.databaseReady) {
      return { type: 'work', work: { kind: 'apply-parameters', values: pa.dynamicValues }, transitionId: 'parameters' };
    }
    const due = pa.startedAt + scaled(pa.durationMs, timing);
    if (!fastForward && now < due) return { type: 'wait', until: due };
    return { type: 'update', next: { ...inst, parameterActivity: undefined, parameterApplyStatus: pa.then } };
  }
  return { type: 'idle' };
}

/** The work of the current phase (or of the parameter activity) finished. Stale reports are ignored. */
export function workSucceeded(inst: InstanceRecord, transitionId: number | 'parameters', now: number): InstanceRecord {
  if (transitionId === 'parameters') {
    return inst.parameterActivity ? { ...inst, parameterActivity: { ...inst.parameterActivity, workDone: true } } : inst;
  }
  const t = inst.transition;
  if (!t || t.id !== transitionId) return inst;
  const work = t.phases[t.index]!.work;
  const created =
    work?.kind === 'provision' ||
    work?.kind === 'restore-snapshot' ||
    work?.kind === 'restore-point-in-time' ||
    work?.kind === 'create-replica';
  return {
    ...inst,
    transition: { ...t, workDone: true },
    ...(created ? { databaseReady: true, createdAt: inst.createdAt ?? now } : {}),
  };
}

/**
 * The work failed. A failed snapshot leaves the instance as it was (the snapshot record fails);
 * a failed deletion still deletes; anything else leaves the instance `failed`, as RDS does.
 */
export function workFailed(inst: InstanceRecord, transitionId: number | 'parameters', reason: string): InstanceRecord {
  if (transitionId === 'parameters') {
    return inst.parameterActivity ? { ...inst, parameterActivity: { ...inst.parameterActivity, workDone: true } } : inst;
  }
  const t = inst.transition;
  if (!t || t.id !== transitionId) return inst;
  const work = t.phases[t.index]!.work;
  if (work?.kind === 'snapshot' || work?.kind === 'destroy') return { ...inst, transition: { ...t, workDone: true } };
  return { ...inst, transition: undefined, status: 'failed', failureReason: reason, shown: undefined };
}

/** An instance RDS gave up on (a host failure, storage lost): `failed`, whatever it was doing. */
export function failInstance(inst: InstanceRecord, reason: string): InstanceRecord {
  return { ...inst, transition: undefined, status: 'failed', failureReason: reason, shown: undefined };
}

/** The database filled its storage: `storage-full` until a storage increase completes. Undefined: not available now. */
export function fillStorage(inst: InstanceRecord): InstanceRecord | undefined {
  if (inst.transition || inst.status !== 'available') return undefined;
  return { ...inst, status: 'storage-full', shown: undefined };
}

function applySettings(inst: InstanceRecord, apply: SettingChanges | undefined): InstanceRecord {
  if (!apply) return inst;
  const next: InstanceRecord = { ...inst };
  const pending: PendingChanges = { ...inst.pending };
  if (apply.instanceClass !== undefined) {
    next.instanceClass = apply.instanceClass;
    delete pending.DBInstanceClass;
  }
  if (apply.allocatedStorage !== undefined) {
    next.allocatedStorage = apply.allocatedStorage;
    delete pending.AllocatedStorage;
  }
  if (apply.storageType !== undefined) {
    next.storageType = apply.storageType;
    delete pending.StorageType;
  }
  if (apply.iops !== undefined) {
    next.iops = apply.iops || undefined;
    delete pending.Iops;
  }
  if (apply.storageThroughput !== undefined) {
    next.storageThroughput = apply.storageThroughput || undefined;
    delete pending.StorageThroughput;
  }
  if (apply.backupRetentionPeriod !== undefined) {
    next.backupRetentionPeriod = apply.backupRetentionPeriod;
    delete pending.BackupRetentionPeriod;
  }
  if (apply.multiAZ !== undefined) {
    next.multiAZ = apply.multiAZ;
    delete pending.MultiAZ;
  }
  if (apply.engineVersion !== undefined) {
    next.engineVersion = apply.engineVersion;
    delete pending.EngineVersion;
  }
  if (apply.vpcSecurityGroupIds !== undefined) next.vpcSecurityGroupIds = apply.vpcSecurityGroupIds;
  if (apply.preferredBackupWindow !== undefined) next.preferredBackupWindow = apply.preferredBackupWindow;
  if (apply.masterPassword !== undefined) next.masterPassword = apply.masterPassword;
  if (apply.detachFromSource) delete next.readReplicaSource;
  if (apply.parameterGroupName !== undefined && apply.parameterGroupName !== inst.parameterGroupName) {
    next.parameterGroupName = apply.parameterGroupName;
    // A newly associated group takes effect only at the next reboot, as on RDS.
    next.parameterActivity = {
      visibleAt: 0,
      durationMs: PARAMETER_APPLY_MS,
      then: 'pending-reboot',
      dynamicValues: {},
      workDone: true,
    };
  }
  next.pending = pending;
  return next;
}

/** The current phase is over: apply what it changes, then move to the next phase or rest. Null: the instance is gone. */
export function completePhase(inst: InstanceRecord, now: number): InstanceRecord | null {
  const t = inst.transition!;
  const finished = t.phases[t.index]!;
  let next = applySettings(inst, finished.apply);
  if (storageDiffers(inst, next)) next = { ...next, lastStorageChangeAt: now };
  if (finished.work?.kind === 'restart' && t.clearsPendingReboot) {
    next = {
      ...next,
      parameterApplyStatus: 'in-sync',
      parameterActivity: next.parameterActivity ? { ...next.parameterActivity, then: 'in-sync' } : undefined,
    };
  }
  if (t.index + 1 < t.phases.length) {
    return { ...next, transition: { ...t, index: t.index + 1, phaseStartedAt: now, workDone: false } };
  }
  if (t.kind === 'delete') return null;
  return { ...next, transition: undefined, status: 'available' };
}

/** Why `action` cannot run on the instance now, or undefined when it can. */
export function refusal(
  action: 'modify' | 'reboot' | 'snapshot' | 'delete',
  inst: InstanceRecord,
  finalSnapshot = false,
): string | undefined {
  const status = actualStatus(inst);
  switch (action) {
    case 'delete':
      if (status === 'deleting') return `Instance ${inst.identifier} is already being deleted.`;
      if (finalSnapshot && (status === 'creating' || inst.createdAt === undefined)) {
        return `Instance ${inst.identifier} is currently creating - a final snapshot cannot be taken.`;
      }
      if (finalSnapshot && status === 'failed') {
        return `Instance ${inst.identifier} is in the failed state and can only be deleted with SkipFinalSnapshot.`;
      }
      return undefined;
    case 'snapshot':
      return status === 'available'
        ? undefined
        : `Cannot create a snapshot because the database instance ${inst.identifier} is not currently in the available state.`;
    case 'modify':
      // Out of storage, RDS still takes the one change that helps (the action checks it is one).
      return status === 'available' || status === 'storage-full'
        ? undefined
        : `Database instance ${inst.identifier} is not in available state (it is ${status}).`;
    case 'reboot':
      return status === 'available' ? undefined : `Database instance ${inst.identifier} is not in available state (it is ${status}).`;
  }
}

/** Phases of a reboot; a static parameter waiting for it comes into sync. */
export function rebootTransition(inst: InstanceRecord): { phases: Phase[]; clearsPendingReboot: boolean } {
  return {
    phases: [phase('rebooting', { work: { kind: 'restart' } })],
    clearsPendingReboot: inst.parameterApplyStatus === 'pending-reboot' || inst.parameterActivity?.then === 'pending-reboot',
  };
}
