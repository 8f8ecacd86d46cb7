/**
 * What RDS does to clusters on its own schedule, driven by the emulator's clock: a queued engine
 * version is applied when the maintenance window opens (`upgrading`), once a day in the backup
 * window an available cluster takes an automated cluster snapshot (`backing-up`), and automated
 * cluster snapshots older than the retention period go (the newest stays).
 */
import { actualClusterStatus, beginClusterTransition, clusterPhase } from '../model/cluster-lifecycle.js';
import { clusterSnapshotOf } from '../model/cluster-records.js';
import type { ClusterRecord } from '../model/cluster-types.js';
import { automatedSnapshotId } from '../model/ids.js';
import type { Timing } from '../model/lifecycle.js';
import type { Store } from '../model/store.js';
import { inDailyWindow } from './daily-backups.js';

const DAY_MS = 86_400_000;
/** A snapshot started less than this long ago counts as today's. */
const SAME_DAY_MS = 20 * 3_600_000;

function automatedOf(store: Store, cluster: ClusterRecord) {
  return [...store.clusterSnapshots.values()].filter((s) => s.clusterIdentifier === cluster.identifier && s.type === 'automated');
}

/** The next scheduled change of an idle cluster, or undefined. Records the day's snapshot when it starts one. */
export function clusterHousekeeping(store: Store, cluster: ClusterRecord, now: number, timing: Timing): ClusterRecord | undefined {
  if (cluster.transition || actualClusterStatus(cluster) !== 'available' || cluster.createdAt === undefined) return undefined;
  const pendingVersion = cluster.pending.EngineVersion;
  if (pendingVersion && cluster.maintenanceDueAt !== undefined && cluster.maintenanceDueAt <= now) {
    const phases = [
      clusterPhase('upgrading', { work: { kind: 'upgrade', engineVersion: pendingVersion }, apply: { engineVersion: pendingVersion } }),
    ];
    return beginClusterTransition({ ...cluster, maintenanceDueAt: undefined }, 'modify', phases, store.transitionId(), now, timing);
  }
  if (!inDailyWindow(cluster.preferredBackupWindow, now)) return undefined;
  const newest = Math.max(-Infinity, ...automatedOf(store, cluster).map((s) => s.createdAt));
  if (now - newest < SAME_DAY_MS) return undefined;
  const base = automatedSnapshotId(cluster.identifier, now);
  let id = base;
  for (let n = 2; store.clusterSnapshots.has(id); n++) id = `${base}-${n}`;
  store.putClusterSnapshot(clusterSnapshotOf(cluster, id, 'automated', now, store.vpcId, undefined));
  return beginClusterTransition(
    cluster,
    'snapshot',
    [clusterPhase('backing-up', { work: { kind: 'snapshot', snapshotId: id } })],
    store.transitionId(),
    now,
    timing,
  );
}

/** Automated cluster snapshots past their cluster's retention period (the newest of each cluster stays). */
export function expiredClusterSnapshots(store: Store, now: number): { identifier: string; dataPath?: string }[] {
  const out: { identifier: string; dataPath?: string }[] = [];
  for (const cluster of store.clusters.values()) {
    const automated = automatedOf(store, cluster);
    const newest = Math.max(-Infinity, ...automated.map((s) => s.createdAt));
    for (const s of automated) {
      if (s.status === 'available' && s.createdAt !== newest && now - s.createdAt > cluster.backupRetentionPeriod * DAY_MS) out.push(s);
    }
  }
  return out;
}
