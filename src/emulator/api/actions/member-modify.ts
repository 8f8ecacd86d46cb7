/**
 * ModifyDBInstance of an Aurora cluster member: what belongs to the member itself. DBInstanceClass
 * (an Aurora class, or db.serverless when the cluster has a capacity range) goes through
 * `modifying` with ApplyImmediately, otherwise it waits for the maintenance window as for
 * instances; DBParameterGroupName (of the cluster's family), PromotionTier, the maintenance window,
 * CopyTagsToSnapshot, AutoMinorVersionUpgrade and PubliclyAccessible change at once. What belongs to
 * the cluster is refused before this (refuseMemberModification).
 */
import { findClusterVersion } from '../../model/cluster-catalog.js';
import { beginTransition, freezeView, refusal, visibleState } from '../../model/lifecycle.js';
import { modifyPhases, type ModifyPlan } from '../../model/plans.js';
import type { InstanceRecord } from '../../model/types.js';
import { checkMaintenanceWindow, nextMaintenanceStart } from '../../model/windows.js';
import type { ActionContext } from '../context.js';
import { clusterNotFound, invalidInstanceState, invalidValue } from '../errors.js';
import type { QueryParams } from '../query.js';
import { instanceResult } from '../render-instance.js';
import { memberClass, memberParameterGroup } from './cluster-members.js';
import { commitInstance } from './common.js';

export function modifyClusterMember(ctx: ActionContext, params: QueryParams, inst: InstanceRecord): string {
  const cluster = ctx.store.cluster(inst.cluster!.identifier);
  if (!cluster) throw clusterNotFound(inst.cluster!.identifier);
  const refused = refusal('modify', inst);
  if (refused) throw invalidInstanceState(refused);
  const applyNow = params.boolean('ApplyImmediately') ?? false;
  const requestedClass = params.string('DBInstanceClass');
  const instanceClass =
    requestedClass !== undefined && requestedClass !== inst.instanceClass ? memberClass(cluster, requestedClass) : undefined;
  const family = findClusterVersion(cluster.engine, cluster.engineVersion)?.family ?? '';
  const groupParam = params.string('DBParameterGroupName');
  const parameterGroupName = groupParam === undefined ? undefined : memberParameterGroup(ctx, groupParam, family);
  const maintenance = params.string('PreferredMaintenanceWindow')?.toLowerCase();
  const problem = maintenance === undefined ? undefined : checkMaintenanceWindow(maintenance);
  if (problem) throw invalidValue(problem);
  const promotionTier = params.integer('PromotionTier');
  if (promotionTier !== undefined && (promotionTier < 0 || promotionTier > 15))
    throw invalidValue('PromotionTier must be between 0 and 15.');

  const plan: ModifyPlan = { settings: {}, showsPending: {}, storageChanged: false };
  const pending = { ...inst.pending };
  if (instanceClass && applyNow) {
    plan.settings.instanceClass = instanceClass;
    plan.showsPending.DBInstanceClass = instanceClass;
    delete pending.DBInstanceClass;
  } else if (instanceClass) {
    pending.DBInstanceClass = instanceClass;
  } else if (applyNow && pending.DBInstanceClass) {
    // Applying now applies what was queued before too.
    plan.settings.instanceClass = pending.DBInstanceClass;
    plan.showsPending.DBInstanceClass = pending.DBInstanceClass;
    delete pending.DBInstanceClass;
  }
  if (parameterGroupName !== undefined && parameterGroupName !== inst.parameterGroupName) {
    plan.settings.parameterGroupName = parameterGroupName;
    plan.showsParameterGroup = parameterGroupName;
  }
  const before = visibleState(inst, ctx.now);
  const phases = modifyPhases(plan);
  let next: InstanceRecord =
    phases.length > 0 || pending.DBInstanceClass !== inst.pending.DBInstanceClass ? freezeView(inst, ctx.now, ctx.timing) : inst;
  next = {
    ...next,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? inst.copyTagsToSnapshot,
    autoMinorVersionUpgrade: params.boolean('AutoMinorVersionUpgrade') ?? inst.autoMinorVersionUpgrade,
    publiclyAccessible: params.boolean('PubliclyAccessible') ?? inst.publiclyAccessible,
    preferredMaintenanceWindow: maintenance ?? inst.preferredMaintenanceWindow,
    cluster: { ...inst.cluster!, promotionTier: promotionTier ?? inst.cluster!.promotionTier },
    pending,
  };
  next.maintenanceDueAt = Object.keys(pending).length > 0 ? nextMaintenanceStart(next.preferredMaintenanceWindow, ctx.now) : undefined;
  if (phases.length > 0) next = beginTransition(next, 'modify', phases, ctx.store.transitionId(), ctx.now, ctx.timing);
  commitInstance(ctx, next);
  const shownGroup = plan.showsParameterGroup
    ? { parameterGroupName: plan.showsParameterGroup, parameterApplyStatus: 'applying' as const }
    : {};
  return instanceResult(next, ctx, { ...before, pending: { ...pending, ...plan.showsPending }, ...shownGroup });
}
