import type { PlanConfig } from '../config/schema.js';
import type { ObservedSnapshot } from '../aws/observe.js';
import { tagsToRecord } from '../aws/observe.js';
import { Tag, type Tags } from '../reconcile/tags.js';
import { badRequest } from './contract.js';
import { identifierOf, ownershipProblem, type BrokerDeps } from './deps.js';
import { engineFamily } from './plans.js';
import { sameTenant, tenantFromTags, type Tenant } from './tenant.js';

/** What a provision asks to restore from, read from its parameters. */
export type RestoreRequest =
  | { kind: 'snapshot'; sourceInstanceId: string; before?: Date }
  | { kind: 'point-in-time'; sourceInstanceId: string; before?: Date };

function parseTime(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const at = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(at.getTime())) throw badRequest(`${name} must be an RFC 3339 date-time, such as 2026-01-31T12:00:00Z`);
  return at;
}

/** Pure: the restore a provision's parameters ask for, or undefined for a new empty database. */
export function parseRestoreRequest(parameters: Record<string, unknown>): RestoreRequest | undefined {
  const snapshotOf = parameters.restore_from_latest_snapshot_of;
  const pointOf = parameters.restore_from_point_in_time_of;
  if (snapshotOf !== undefined && pointOf !== undefined) {
    throw badRequest(
      'restore_from_latest_snapshot_of and restore_from_point_in_time_of cannot be used together: choose one kind of restore',
    );
  }
  const snapshotBefore = parseTime(parameters.restore_from_latest_snapshot_before, 'restore_from_latest_snapshot_before');
  const pointBefore = parseTime(parameters.restore_from_point_in_time_before, 'restore_from_point_in_time_before');
  if (snapshotBefore && snapshotOf === undefined)
    throw badRequest('restore_from_latest_snapshot_before needs restore_from_latest_snapshot_of');
  if (pointBefore && pointOf === undefined) throw badRequest('restore_from_point_in_time_before needs restore_from_point_in_time_of');
  if (typeof snapshotOf === 'string')
    return { kind: 'snapshot', sourceInstanceId: snapshotOf, ...(snapshotBefore ? { before: snapshotBefore } : {}) };
  if (typeof pointOf === 'string')
    return { kind: 'point-in-time', sourceInstanceId: pointOf, ...(pointBefore ? { before: pointBefore } : {}) };
  return undefined;
}

export type ResolvedSource =
  | { kind: 'snapshot'; sourceInstanceId: string; snapshot: ObservedSnapshot }
  | { kind: 'point-in-time'; sourceInstanceId: string; sourceIdentifier?: string; sourceDbiResourceId?: string; restoreTime?: Date };

/** Engine family of a source, from its engine and version (postgres17, mysql8.0). */
function familyOf(engine: string, version: string): string {
  const [major, minor] = version.split('.');
  return engine === 'postgres' ? `postgres${major}` : `${engine}${major}.${minor}`;
}

function checkFamily(plan: PlanConfig, engine: string, version: string, sourceInstanceId: string): void {
  const family = familyOf(engine, version);
  if (family !== engineFamily(plan)) {
    throw badRequest(
      `instance ${sourceInstanceId} runs ${engine} ${version} (${family}); this plan runs ${engineFamily(plan)}: choose a plan of the same engine version family`,
    );
  }
}

/**
 * The one answer for every source the caller cannot restore from: it never existed, it is another
 * tenant's or another broker's, or nothing of it (instance, snapshot, retained backup) is left. The
 * broker cannot tell "never existed" from "deleted, nothing kept" anyway, and must not let a caller
 * tell "someone else's" from either: same status, same words.
 */
const UNKNOWN = (id: string) =>
  badRequest(
    `there is no database ${id} that you can restore from: no instance of that ID in your space or namespace, nor a snapshot or retained backup of one`,
  );

/**
 * The tags that say whose a source is must be this broker's and name the source instance; then the
 * tenant must match. Every failure reads the same to the caller, so a probe learns nothing of other
 * tenants' instances.
 */
function checkOwnerAndTenant(deps: BrokerDeps, tags: Tags, sourceInstanceId: string, tenant: Tenant): void {
  if (tags[Tag.brokerName] !== deps.config.broker.name || tags[Tag.instanceId] !== sourceInstanceId) throw UNKNOWN(sourceInstanceId);
  if (!sameTenant(tenantFromTags(tags), tenant)) throw UNKNOWN(sourceInstanceId);
}

/**
 * Finds what a restore starts from and checks the caller may use it, with reads only: nothing is
 * created for a request that is refused. The tenant is checked on the source's own tags (the instance's,
 * or, when it is deleted, its snapshot's or retained backup's), never on anything the request says.
 */
export async function resolveRestoreSource(
  deps: BrokerDeps,
  request: RestoreRequest,
  plan: PlanConfig,
  tenant: Tenant,
): Promise<ResolvedSource> {
  const sourceIdentifier = identifierOf(deps, request.sourceInstanceId);
  const source = await deps.rds.describeInstance(sourceIdentifier);
  if (source) {
    if (ownershipProblem(deps, source, request.sourceInstanceId)) throw UNKNOWN(request.sourceInstanceId);
    checkOwnerAndTenant(deps, source.tags, request.sourceInstanceId, tenant);
    checkFamily(plan, source.engine, source.engineVersion, request.sourceInstanceId);
  }
  if (request.kind === 'snapshot') {
    const snapshots = (await deps.rds.listSnapshots(sourceIdentifier)).filter((s) => s.status === 'available');
    if (!source) {
      // Deleted source: only snapshots whose own tags prove owner and tenant count.
      const usable = snapshots.filter((s) => {
        try {
          checkOwnerAndTenant(deps, s.tags, request.sourceInstanceId, tenant);
          return true;
        } catch {
          return false;
        }
      });
      if (usable.length === 0) throw UNKNOWN(request.sourceInstanceId);
      snapshots.splice(0, snapshots.length, ...usable);
    }
    const before = request.before;
    const candidates = snapshots.filter((s) => !before || (s.createdAt && s.createdAt.getTime() < before.getTime()));
    const latest = candidates[0];
    if (!latest) {
      throw badRequest(
        before
          ? `database ${request.sourceInstanceId} has no snapshot taken before ${before.toISOString()}`
          : `database ${request.sourceInstanceId} has no snapshot yet`,
      );
    }
    checkFamily(plan, latest.engine, latest.engineVersion, request.sourceInstanceId);
    return { kind: 'snapshot', sourceInstanceId: request.sourceInstanceId, snapshot: latest };
  }
  if (source) {
    const latest = source.latestRestorableTime;
    if (!latest || source.backupRetentionPeriod === 0)
      throw badRequest(`database ${request.sourceInstanceId} keeps no backups, so it cannot be restored to a point in time`);
    const restoreTime =
      request.before && request.before.getTime() < latest.getTime() ? request.before : request.before ? latest : undefined;
    return { kind: 'point-in-time', sourceInstanceId: request.sourceInstanceId, sourceIdentifier, ...(restoreTime ? { restoreTime } : {}) };
  }
  return resolveDeletedPointInTime(deps, request, sourceIdentifier, plan, tenant);
}

/** Point in time of a deleted source: its retained automated backup; tenant from the backup's tags or the final snapshot's. */
async function resolveDeletedPointInTime(
  deps: BrokerDeps,
  request: RestoreRequest,
  sourceIdentifier: string,
  plan: PlanConfig,
  tenant: Tenant,
): Promise<ResolvedSource> {
  const backups = (await deps.rds.listAutomatedBackups(sourceIdentifier)).filter((b) => b.Status === 'retained' || b.Status === 'active');
  const nothingLeft = UNKNOWN(request.sourceInstanceId);
  const backup = backups[0];
  if (!backup?.DbiResourceId) throw nothingLeft;
  let tags = tagsToRecord(backup.TagList);
  if (tags[Tag.brokerName] === undefined) {
    const finalSnapshot = (await deps.rds.listSnapshots(sourceIdentifier)).find((s) => s.tags[Tag.brokerName] !== undefined);
    if (!finalSnapshot) throw UNKNOWN(request.sourceInstanceId);
    tags = finalSnapshot.tags;
  }
  checkOwnerAndTenant(deps, tags, request.sourceInstanceId, tenant);
  checkFamily(plan, backup.Engine ?? '', backup.EngineVersion ?? '', request.sourceInstanceId);
  const earliest = backup.RestoreWindow?.EarliestTime ? new Date(backup.RestoreWindow.EarliestTime) : undefined;
  const latest = backup.RestoreWindow?.LatestTime ? new Date(backup.RestoreWindow.LatestTime) : undefined;
  if (!latest) throw nothingLeft;
  const wanted = request.before ?? latest;
  const restoreTime = wanted.getTime() > latest.getTime() ? latest : wanted;
  if (earliest && restoreTime.getTime() < earliest.getTime()) {
    throw badRequest(`database ${request.sourceInstanceId} can be restored only to times from ${earliest.toISOString()} on`);
  }
  return { kind: 'point-in-time', sourceInstanceId: request.sourceInstanceId, sourceDbiResourceId: backup.DbiResourceId, restoreTime };
}
