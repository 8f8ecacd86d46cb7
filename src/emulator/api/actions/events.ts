/**
 * DescribeEvents, as RDS answers it: the events of the last hour unless StartTime, EndTime or
 * Duration (minutes) say otherwise, of one source type (and one source, which needs its type),
 * of some categories, oldest first, in pages of MaxRecords with a Marker.
 */
import type { EventRecord, EventSourceType } from '../../model/events.js';
import type { ArnKind } from '../../model/ids.js';
import type { ActionHandler } from '../context.js';
import { invalidCombination, invalidValue } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import { el, isoTime } from '../xml.js';
import * as v from '../validate.js';

/** Every source type RDS names; the emulator records events for the first three and the two of clusters. */
const SOURCE_TYPES = [
  'db-instance',
  'db-snapshot',
  'db-parameter-group',
  'db-security-group',
  'db-cluster',
  'db-cluster-snapshot',
  'custom-engine-version',
  'db-proxy',
  'blue-green-deployment',
];

const ARN_KIND: Record<EventSourceType, ArnKind> = {
  'db-instance': 'db',
  'db-snapshot': 'snapshot',
  'db-parameter-group': 'pg',
  'db-cluster': 'cluster',
  'db-cluster-snapshot': 'cluster-snapshot',
};

const CATEGORIES = new Set([
  'availability',
  'backup',
  'configuration change',
  'creation',
  'deletion',
  'failover',
  'failure',
  'low storage',
  'maintenance',
  'notification',
  'read replica',
  'recovery',
  'restoration',
  'security',
  'security patching',
]);

/** Sequence numbers as keys that sort as numbers do. */
const key = (seq: number) => String(seq).padStart(12, '0');

export const describeEvents: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const sourceType = params.string('SourceType');
  if (sourceType !== undefined && !SOURCE_TYPES.includes(sourceType)) throw invalidValue(`Invalid SourceType: ${sourceType}`);
  const sourceId = params.string('SourceIdentifier');
  if (sourceId !== undefined && sourceType === undefined) {
    throw invalidCombination('If SourceIdentifier is supplied, SourceType must also be provided.');
  }
  const categories = params.list('EventCategories', 'EventCategory');
  for (const c of categories ?? []) if (!CATEGORIES.has(c)) throw invalidValue(`Invalid event category: ${c}`);
  const duration = params.integer('Duration');
  if (duration !== undefined && (duration < 1 || duration > 20160)) throw invalidValue('Duration must be between 1 and 20160 minutes.');
  const start = params.timestamp('StartTime');
  const endTime = params.timestamp('EndTime');
  if (start !== undefined && endTime !== undefined && endTime < start) throw invalidValue('EndTime must be after StartTime.');
  const end = endTime ?? (start !== undefined && duration !== undefined ? start + duration * 60_000 : ctx.now);
  const from = start ?? end - (duration ?? 60) * 60_000;

  const wantedId = sourceId?.toLowerCase();
  const wantedCategories = categories && categories.length > 0 ? new Set(categories) : undefined;
  const matching = new Map<string, EventRecord>();
  for (const event of ctx.store.events.all()) {
    if (event.date < from || event.date > end) continue;
    if (sourceType !== undefined && event.sourceType !== sourceType) continue;
    if (wantedId !== undefined && event.sourceId.toLowerCase() !== wantedId) continue;
    if (wantedCategories && !event.categories.some((c) => wantedCategories.has(c))) continue;
    matching.set(key(event.seq), event);
  }
  const page = paginate([...matching.keys()], params.string('Marker'), max);
  let xml = '<Events>';
  for (const k of page.keys) {
    const e = matching.get(k)!;
    xml +=
      '<Event>' +
      el('SourceIdentifier', e.sourceId) +
      el('SourceType', e.sourceType) +
      el('Message', e.message) +
      `<EventCategories>${e.categories.map((c) => el('EventCategory', c)).join('')}</EventCategories>` +
      el('Date', isoTime(e.date)) +
      el('SourceArn', ctx.arns.of(ARN_KIND[e.sourceType], e.sourceId)) +
      '</Event>';
  }
  return `${xml}</Events>${markerXml(page.nextMarker)}`;
};
