/** DescribeDBInstanceAutomatedBackups and DeleteDBInstanceAutomatedBackup. */
import type { AutomatedBackupRecord } from '../../model/types.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { RdsError, automatedBackupNotFound, invalidValue } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import type { QueryParams } from '../query.js';
import { renderAutomatedBackup } from '../render-other.js';
import * as v from '../validate.js';

function windowOf(ctx: ActionContext, b: AutomatedBackupRecord) {
  if (b.status === 'retained') return { earliest: b.earliest, latest: b.latest };
  const live = ctx.store.instanceByResourceId(b.dbiResourceId);
  return live ? ctx.fleet.restorableWindow(live) : undefined;
}

function byArn(ctx: ActionContext, arn: string): AutomatedBackupRecord {
  const parsed = ctx.arns.parse(arn);
  const backup = parsed?.kind === 'auto-backup' ? ctx.store.automatedBackupById(parsed.name) : undefined;
  if (!backup) throw automatedBackupNotFound(arn);
  return backup;
}

function named(ctx: ActionContext, params: QueryParams): AutomatedBackupRecord | undefined {
  const arn = params.string('DBInstanceAutomatedBackupsArn');
  if (arn !== undefined) return byArn(ctx, arn);
  const dbi = params.string('DbiResourceId');
  if (dbi !== undefined) {
    const backup = ctx.store.automatedBackup(dbi);
    if (!backup) throw automatedBackupNotFound(dbi);
    return backup;
  }
  return undefined;
}

const FILTERS = new Set(['status', 'db-instance-id', 'dbi-resource-id']);

export const describeDBInstanceAutomatedBackups: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const filters = params.filters();
  for (const f of filters) if (!FILTERS.has(f.Name)) throw invalidValue(`Unrecognized filter name: ${f.Name}`);
  const one = named(ctx, params);
  const instanceId = params.string('DBInstanceIdentifier')?.toLowerCase();
  const keys = one ? [one.dbiResourceId] : [...ctx.store.automatedBackups.keys()].sort();
  const page = paginate(keys, params.string('Marker'), max, (key) => {
    const b = ctx.store.automatedBackup(key);
    if (!b) return false;
    if (instanceId !== undefined && b.instanceIdentifier !== instanceId) return false;
    for (const f of filters) {
      const value = f.Name === 'status' ? b.status : f.Name === 'db-instance-id' ? b.instanceIdentifier : b.dbiResourceId;
      if (!f.Values.includes(value)) return false;
    }
    return true;
  });
  let xml = '<DBInstanceAutomatedBackups>';
  for (const key of page.keys) {
    const b = ctx.store.automatedBackup(key)!;
    xml += `<DBInstanceAutomatedBackup>${renderAutomatedBackup(b, ctx, windowOf(ctx, b))}</DBInstanceAutomatedBackup>`;
  }
  return `${xml}</DBInstanceAutomatedBackups>${markerXml(page.nextMarker)}`;
};

export const deleteDBInstanceAutomatedBackup: ActionHandler = (ctx, params) => {
  const backup = named(ctx, params);
  if (!backup) throw invalidValue('One of DbiResourceId or DBInstanceAutomatedBackupsArn must be provided.');
  if (backup.status !== 'retained') {
    throw new RdsError(
      'InvalidDBInstanceAutomatedBackupState',
      `The automated backup of ${backup.instanceIdentifier} belongs to a running instance; delete the instance or set its backup retention period to 0.`,
    );
  }
  const window = windowOf(ctx, backup);
  ctx.scheduler.dropAutomatedBackups(backup.dbiResourceId);
  ctx.changed();
  return `<DBInstanceAutomatedBackup>${renderAutomatedBackup({ ...backup, status: 'deleting' as AutomatedBackupRecord['status'] }, ctx, window)}</DBInstanceAutomatedBackup>`;
};
