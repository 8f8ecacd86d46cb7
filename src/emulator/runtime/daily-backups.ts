/**
 * RDS's daily automated backups: once a day, in the instance's backup window, an instance with
 * backups on takes an automated snapshot (status `backing-up` while it runs), and automated
 * snapshots older than the retention period go. The emulator's clock drives both, so a test that
 * advances it a day sees yesterday's backup as on RDS.
 */
import { automatedSnapshotId } from '../model/ids.js';
import { actualStatus, beginTransition, type Timing } from '../model/lifecycle.js';
import { snapshotPhases } from '../model/plans.js';
import { snapshotOf } from '../model/records.js';
import type { Store } from '../model/store.js';
import type { InstanceRecord } from '../model/types.js';

const DAY_MS = 86_400_000;
/** A backup started less than this long ago counts as today's (windows are daily; RDS takes one a day). */
const SAME_DAY_MS = 20 * 3_600_000;

/** Whether `now` (epoch ms, UTC) falls in a daily window `hh:mm-hh:mm`. Pure. */
export function inDailyWindow(window: string, now: number): boolean {
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(window);
  if (!m) return false;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  const minute = Math.floor((now % DAY_MS) / 60_000);
  return start <= end ? minute >= start && minute < end : minute >= start || minute < end;
}

/** When the instance's newest automated snapshot was started, or undefined when it has none. */
function newestAutomatedStart(store: Store, inst: InstanceRecord): number | undefined {
  let newest: number | undefined;
  for (const s of store.snapshotsOfResource(inst.dbiResourceId)) {
    if (s.type === 'automated' && (newest === undefined || s.createdAt > newest)) newest = s.createdAt;
  }
  return newest;
}

/** The day's backup as a transition of the instance, or undefined when none is due. Records its snapshot. */
export function dailyBackupTransition(store: Store, inst: InstanceRecord, now: number, timing: Timing): InstanceRecord | undefined {
  if (inst.backupRetentionPeriod <= 0 || inst.transition || inst.createdAt === undefined) return undefined;
  if (actualStatus(inst) !== 'available' || !inDailyWindow(inst.preferredBackupWindow, now)) return undefined;
  const newest = newestAutomatedStart(store, inst);
  if (newest !== undefined && now - newest < SAME_DAY_MS) return undefined;
  const base = automatedSnapshotId(inst.identifier, now);
  let id = base;
  for (let n = 2; store.snapshots.has(id); n++) id = `${base}-${n}`;
  store.putSnapshot(snapshotOf(inst, id, 'automated', now, store.vpcId, undefined));
  return beginTransition(inst, 'snapshot', snapshotPhases(id), store.transitionId(), now, timing);
}

/** Automated snapshots of live instances past their retention period (the newest one always stays). */
export function expiredAutomatedSnapshots(store: Store, now: number): string[] {
  const expired: string[] = [];
  for (const inst of store.instances.values()) {
    if (inst.backupRetentionPeriod <= 0) continue;
    const newest = newestAutomatedStart(store, inst);
    for (const s of store.snapshotsOfResource(inst.dbiResourceId)) {
      if (s.type !== 'automated' || s.status !== 'available' || s.createdAt === newest) continue;
      if (now - s.createdAt > inst.backupRetentionPeriod * DAY_MS) expired.push(s.identifier);
    }
  }
  return expired;
}
