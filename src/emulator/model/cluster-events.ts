/**
 * RDS events of DB clusters and DB cluster snapshots, in RDS's words and categories ("Amazon RDS
 * event categories and event messages for Aurora", Aurora User Guide), derived from the records as
 * the store changes them, as instance events are (events.ts).
 */
import { actualClusterStatus } from './cluster-lifecycle.js';
import type { ClusterRecord, ClusterSnapshotRecord } from './cluster-types.js';
import type { RdsEvent } from './events.js';

export function clusterEvents(prev: ClusterRecord | undefined, next: ClusterRecord | undefined): RdsEvent[] {
  const c = (next ?? prev)!;
  if (!c) return [];
  const event = (eventId: string, category: string, message: string): RdsEvent => ({
    eventId,
    sourceType: 'db-cluster',
    sourceId: c.identifier,
    message,
    categories: [category],
  });
  if (!next) return [event('RDS-EVENT-0171', 'deletion', 'DB cluster deleted')];
  if (!prev) return [];
  const out: RdsEvent[] = [];
  const before = actualClusterStatus(prev);
  const after = actualClusterStatus(next);
  if (before === 'creating' && after !== 'creating' && after !== 'failed') {
    out.push(event('RDS-EVENT-0170', 'creation', 'DB cluster created'));
    if (next.restoredFrom) out.push(event('RDS-EVENT-0173', 'restoration', `Restored from ${next.restoredFrom}`));
  }
  if (before !== after && after === 'failed') out.push(event('RDS-EVENT-0069', 'failure', 'DB cluster put into failed state'));
  if (prev.writer !== undefined && next.writer !== undefined && prev.writer !== next.writer) {
    out.push(event('RDS-EVENT-0071', 'failover', `Completed failover to DB instance: ${next.writer}`));
  }
  if (prev.masterPassword !== next.masterPassword) out.push(event('RDS-EVENT-0016', 'configuration change', 'Reset master credentials'));
  if (prev.engineVersion !== next.engineVersion) {
    out.push(event('RDS-EVENT-0173', 'maintenance', `Database cluster engine version has been upgraded to ${next.engineVersion}`));
  }
  return out;
}

export function clusterSnapshotEvents(prev: ClusterSnapshotRecord | undefined, next: ClusterSnapshotRecord | undefined): RdsEvent[] {
  const s = (next ?? prev)!;
  if (!s) return [];
  const manual = s.type === 'manual';
  const event = (eventId: string, category: string, message: string): RdsEvent => ({
    eventId,
    sourceType: 'db-cluster-snapshot',
    sourceId: s.identifier,
    message,
    categories: [category],
  });
  if (!next)
    return [event('RDS-EVENT-0077', 'deletion', manual ? 'Deleted manual cluster snapshot' : 'Deleted automated cluster snapshot')];
  if (!prev)
    return [
      event(
        manual ? 'RDS-EVENT-0074' : 'RDS-EVENT-0168',
        'backup',
        manual ? 'Creating manual cluster snapshot' : 'Creating automated cluster snapshot',
      ),
    ];
  if (prev.status === 'creating' && next.status === 'available') {
    return [
      event(
        manual ? 'RDS-EVENT-0075' : 'RDS-EVENT-0169',
        'backup',
        manual ? 'Manual cluster snapshot created' : 'Automated cluster snapshot created',
      ),
    ];
  }
  if (prev.status === 'creating' && next.status === 'failed')
    return [event('RDS-EVENT-0076', 'failure', 'Failed to create cluster snapshot')];
  return [];
}
