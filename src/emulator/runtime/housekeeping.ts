/**
 * What RDS does on its own schedule: apply queued changes when the maintenance window opens, take
 * the daily automated backup in the backup window and expire old ones, and let retained backups of
 * deleted instances expire with their retention period.
 */
import { findVersion } from '../model/catalog.js';
import { defaultParameterGroupName } from '../model/defaults.js';
import { actualStatus, beginTransition, type Timing } from '../model/lifecycle.js';
import { maintenancePlan, modifyPhases } from '../model/plans.js';
import { retainedBackupExpired } from '../model/records.js';
import type { Store } from '../model/store.js';
import type { InstanceRecord } from '../model/types.js';
import { dailyBackupTransition, expiredAutomatedSnapshots } from './daily-backups.js';
import type { Scheduler } from './scheduler.js';

/** The maintenance window's changes as a transition, or undefined when nothing is due or the instance is busy. */
export function maintenanceTransition(store: Store, inst: InstanceRecord, now: number, timing: Timing): InstanceRecord | undefined {
  if (inst.transition || actualStatus(inst) !== 'available' || Object.keys(inst.pending).length === 0) return undefined;
  let groupForUpgrade: string | undefined;
  const target = inst.pending.EngineVersion ? findVersion(inst.engine, inst.pending.EngineVersion) : undefined;
  const current = findVersion(inst.engine, inst.engineVersion);
  if (target && current && target.family !== current.family && store.parameterGroups.get(inst.parameterGroupName)?.isDefault) {
    groupForUpgrade = defaultParameterGroupName(target.family);
  }
  const phases = modifyPhases(maintenancePlan(inst, groupForUpgrade));
  if (phases.length === 0) return undefined;
  const cleared: InstanceRecord = { ...inst, pending: {}, maintenanceDueAt: undefined };
  return beginTransition(cleared, 'maintenance', phases, store.transitionId(), now, timing);
}

export function sweep(store: Store, scheduler: Scheduler, now: number, timing: Timing): boolean {
  let changed = false;
  for (const inst of store.instances.values()) {
    if (inst.maintenanceDueAt === undefined || inst.maintenanceDueAt > now) continue;
    const next = maintenanceTransition(store, inst, now, timing);
    if (next) {
      store.putInstance(next);
      scheduler.kick(inst.identifier);
      changed = true;
    }
  }
  for (const inst of [...store.instances.values()]) {
    const next = dailyBackupTransition(store, inst, now, timing);
    if (next) {
      store.putInstance(next);
      scheduler.kick(inst.identifier);
      changed = true;
    }
  }
  for (const identifier of expiredAutomatedSnapshots(store, now)) {
    scheduler.removeSnapshot(identifier);
    changed = true;
  }
  for (const backup of [...store.automatedBackups.values()]) {
    if (retainedBackupExpired(backup, now)) {
      scheduler.dropAutomatedBackups(backup.dbiResourceId);
      changed = true;
    }
  }
  return changed;
}
