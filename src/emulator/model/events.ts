/**
 * RDS events (DescribeEvents): what happened to instances, snapshots and parameter groups, in RDS's
 * words and categories ("Amazon RDS event categories and event messages", RDS User Guide; the
 * event IDs below are RDS's, which DescribeEvents itself does not show). They are derived from the
 * records as the store changes them — one pure comparison of the record before and after — so every
 * path through the lifecycle (API call, scheduler, restart) reports the same way.
 */
import { actualStatus } from './lifecycle.js';
import type { InstanceRecord, ParameterGroupRecord, SnapshotRecord } from './types.js';

export type EventSourceType = 'db-instance' | 'db-snapshot' | 'db-parameter-group' | 'db-cluster' | 'db-cluster-snapshot';

export interface RdsEvent {
  /** RDS's event ID (RDS-EVENT-0005…), for the documentation and notifications. */
  eventId: string;
  sourceType: EventSourceType;
  sourceId: string;
  message: string;
  categories: string[];
}

export interface EventRecord extends RdsEvent {
  seq: number;
  date: number;
}

const instanceEvent = (sourceId: string, eventId: string, category: string, message: string): RdsEvent => ({
  eventId,
  sourceType: 'db-instance',
  sourceId,
  message,
  categories: [category],
});

/** What the store knows that a comparison needs: the source of a point-in-time restore. */
export interface EventLookups {
  instanceOfResource(dbiResourceId: string): string | undefined;
}

export function instanceEvents(prev: InstanceRecord | undefined, next: InstanceRecord | undefined, lookups: EventLookups): RdsEvent[] {
  if (!prev && !next) return [];
  const id = (next ?? prev)!.identifier;
  if (!next) return [instanceEvent(id, 'RDS-EVENT-0003', 'deletion', 'DB instance deleted')];
  if (!prev) return [];
  const out: RdsEvent[] = [];
  const before = actualStatus(prev);
  const after = actualStatus(next);
  if (before !== after) {
    if (before === 'creating' && after !== 'failed') {
      out.push(instanceEvent(id, 'RDS-EVENT-0005', 'creation', 'DB instance created'));
      const first = prev.transition?.kind === 'restore' ? prev.transition.phases[0]?.work : undefined;
      if (first?.kind === 'restore-snapshot') {
        out.push(instanceEvent(id, 'RDS-EVENT-0043', 'restoration', `Restored from snapshot ${first.snapshotId}`));
      } else if (first?.kind === 'restore-point-in-time') {
        const source = lookups.instanceOfResource(first.dbiResourceId) ?? first.dbiResourceId;
        out.push(instanceEvent(id, 'RDS-EVENT-0019', 'restoration', `Restored from DB instance ${source} to ${id}`));
      }
    }
    if (after === 'backing-up') out.push(instanceEvent(id, 'RDS-EVENT-0001', 'backup', 'Backing up DB instance'));
    if (before === 'backing-up' && after !== 'failed')
      out.push(instanceEvent(id, 'RDS-EVENT-0002', 'backup', 'Finished DB Instance backup'));
    if (before === 'rebooting' && after !== 'failed')
      out.push(instanceEvent(id, 'RDS-EVENT-0006', 'availability', 'DB instance restarted'));
    if (after === 'storage-full') {
      out.push(
        instanceEvent(
          id,
          'RDS-EVENT-0007',
          'low storage',
          'Allocated storage has been exhausted. Allocate additional storage to resolve the issue.',
        ),
      );
    }
    if (after === 'failed') {
      out.push(
        instanceEvent(
          id,
          'RDS-EVENT-0031',
          'failure',
          'DB instance put into failed state due to an incompatible configuration or an underlying storage issue. Begin a point-in-time-restore for the DB instance.',
        ),
      );
    }
  }
  const changed = (message: string, eventId: string) => out.push(instanceEvent(id, eventId, 'configuration change', message));
  if (prev.instanceClass !== next.instanceClass) changed('Finished applying modification to DB instance class', 'RDS-EVENT-0014');
  if (prev.allocatedStorage !== next.allocatedStorage) changed('Finished applying modification to allocated storage', 'RDS-EVENT-0017');
  if (prev.multiAZ !== next.multiAZ) {
    changed(
      next.multiAZ
        ? 'Finished applying modification to convert to a Multi-AZ DB instance'
        : 'Finished applying modification to convert to a standard (Single-AZ) DB instance',
      next.multiAZ ? 'RDS-EVENT-0025' : 'RDS-EVENT-0029',
    );
  }
  if (prev.backupRetentionPeriod === 0 && next.backupRetentionPeriod > 0) changed('Enabled automatic backups', 'RDS-EVENT-0032');
  if (prev.backupRetentionPeriod > 0 && next.backupRetentionPeriod === 0) changed('Disabled automatic backups', 'RDS-EVENT-0028');
  if (prev.masterPassword !== next.masterPassword) changed('Reset master credentials', 'RDS-EVENT-0016');
  if (prev.parameterGroupName !== next.parameterGroupName)
    changed(`Updated to use DBParameterGroup ${next.parameterGroupName}`, 'RDS-EVENT-0011');
  if (prev.engineVersion !== next.engineVersion) {
    out.push(instanceEvent(id, 'RDS-EVENT-0047', 'maintenance', `Database instance patched: engine version ${next.engineVersion}`));
  }
  return out;
}

export function snapshotEvents(prev: SnapshotRecord | undefined, next: SnapshotRecord | undefined): RdsEvent[] {
  const s = (next ?? prev)!;
  if (!s) return [];
  const manual = s.type === 'manual';
  const event = (eventId: string, category: string, message: string): RdsEvent => ({
    eventId,
    sourceType: 'db-snapshot',
    sourceId: s.identifier,
    message,
    categories: [category],
  });
  if (!next)
    return [
      event(manual ? 'RDS-EVENT-0041' : 'RDS-EVENT-0089', 'deletion', manual ? 'Deleted user snapshot' : 'Deleted automated snapshot'),
    ];
  if (!prev)
    return [
      event(manual ? 'RDS-EVENT-0040' : 'RDS-EVENT-0090', 'creation', manual ? 'Creating manual snapshot' : 'Creating automated snapshot'),
    ];
  if (prev.status === 'creating' && next.status === 'available') {
    return [
      event(manual ? 'RDS-EVENT-0042' : 'RDS-EVENT-0091', 'creation', manual ? 'Manual snapshot created' : 'Automated snapshot created'),
    ];
  }
  if (prev.status === 'creating' && next.status === 'failed') return [event('RDS-EVENT-0069', 'failure', 'Snapshot creation failed')];
  return [];
}

export function parameterGroupEvents(prev: ParameterGroupRecord | undefined, next: ParameterGroupRecord | undefined): RdsEvent[] {
  if (!prev || !next) return [];
  const out: RdsEvent[] = [];
  for (const [name, entry] of Object.entries(next.values)) {
    const before = prev.values[name];
    if (before && before.value === entry.value && before.method === entry.method) continue;
    out.push({
      eventId: 'RDS-EVENT-0037',
      sourceType: 'db-parameter-group',
      sourceId: next.name,
      message: `Updated parameter ${name} to ${entry.value} with apply method ${entry.method}`,
      categories: ['configuration change'],
    });
  }
  return out;
}

/** RDS keeps events for 14 days. */
export const EVENT_RETENTION_MS = 14 * 24 * 3600 * 1000;
/** And the emulator keeps at most this many, so fleets of thousands cannot grow it without bound. */
export const MAX_EVENTS = 50_000;

export class EventLog {
  private events: EventRecord[] = [];
  private nextSeq = 1;
  recording = true;

  record(events: readonly RdsEvent[], date: number): void {
    if (!this.recording || events.length === 0) return;
    for (const event of events) this.events.push({ ...event, seq: this.nextSeq++, date });
    if (this.events.length > MAX_EVENTS || this.events[0]!.date < date - EVENT_RETENTION_MS) {
      const oldest = date - EVENT_RETENTION_MS;
      this.events = this.events.filter((e) => e.date >= oldest).slice(-MAX_EVENTS);
    }
  }

  all(): readonly EventRecord[] {
    return this.events;
  }

  load(events: readonly EventRecord[]): void {
    this.events = [...events].sort((a, b) => a.seq - b.seq);
    this.nextSeq = (this.events[this.events.length - 1]?.seq ?? 0) + 1;
  }
}
