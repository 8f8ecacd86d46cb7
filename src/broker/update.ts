import { findPlan } from '../catalog/catalog.js';
import { validateParameters } from '../catalog/validate.js';
import { RdsError } from '../aws/errors.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { phase, statusPhase } from '../reconcile/phase.js';
import { isEmptyChange, settingsDiff } from '../reconcile/settings.js';
import { decodeOperation, encodeOperation, PENDING, pendingSteps, Step, StepRequest, Tag, tagValue } from '../reconcile/tags.js';
import { recordAndReconcile } from './intent.js';
import { badRequest, BrokerError, concurrencyError, type BrokerResponse, type UpdateRequest } from './contract.js';
import type { BrokerDeps } from './deps.js';
import { ownInstanceFor } from './presence.js';
import { decodeExtensions, desiredWithExtensions, encodeExtensions, ensureManagedParameterGroup, nextExtensions } from './extensions.js';
import { onDatabase } from './database-errors.js';
import { instanceMetadata } from './metadata.js';
import { checkEngineUpgrade, minorUpgradeTarget } from './engine-versions.js';
import { checkMaintenanceInfo } from './provision.js';
import { decodeRequested, desiredSettings, encodeRequested, planById, planChangeAllowed, requestedFromParameters } from './plans.js';
import { checkOrderableClass } from './orderable.js';
import { storageFullRefusal, storageRequestProblem } from './storage-request.js';
import { isStorageIntervalRefusal, storageIntervalAnswer } from './storage-interval.js';
import { tenantFromRequest, tenantTags } from './tenant.js';
import { checkReplicaPrecondition, currentReplicaCount, requestedReplicaCount } from './replicas.js';

/** What is running on an instance, in words, or undefined when it is idle. */
export function runningOperation(observed: ObservedInstance): string | undefined {
  if (phase(observed) === 'idle') return undefined;
  const steps = pendingSteps(observed.tags);
  const operation = decodeOperation(observed.tags[Tag.operation])?.kind ?? 'an operation';
  if (observed.tags[Step.delete]) return 'a deprovision is in progress';
  if (steps.length > 0)
    return `${operation === 'restore' ? 'a restore' : `the ${operation}`} is in progress (next step: ${steps[0]!.step})`;
  if (statusPhase(observed.status) !== 'idle') return `RDS is busy with the instance (status: ${observed.status})`;
  if (observed.pendingModifications.length > 0) return `RDS is applying changes (${observed.pendingModifications.join(', ')})`;
  return undefined;
}

export async function update(deps: BrokerDeps, request: UpdateRequest): Promise<BrokerResponse> {
  const observed = await ownInstanceFor(deps, request.instanceId, 'update');
  const tags = observed.tags;
  const currentPlanId = tags[Tag.planId];
  const current = planById(deps.config, currentPlanId);
  const targetPlanId = request.planId ?? currentPlanId;
  const target = targetPlanId ? findPlan(deps.config, request.serviceId, targetPlanId) : undefined;
  if (!target) throw badRequest(`plan ${targetPlanId ?? '(none)'} is not a plan of service ${request.serviceId}`);
  checkMaintenanceInfo(target.plan, request.maintenanceInfo);
  const parameters = request.parameters;
  // The front end may not have known the instance's plan; the parameters must fit the plan it is on.
  const problems = validateParameters(target.service, target.plan, 'update', parameters);
  if (problems.length > 0) throw badRequest(problems.join('; '));
  const requested = requestedFromParameters(parameters, decodeRequested(tags[Tag.requestedSettings]));
  // Before anything changes: RDS would refuse these, and the user can fix them.
  const storageProblem = storageRequestProblem(parameters, desiredSettings(target.plan, requested), observed);
  if (storageProblem) throw badRequest(storageProblem);
  const currentReplicas = currentReplicaCount(tags);
  const replicas = requestedReplicaCount(target.plan, parameters, currentReplicas);
  const replicaMax = target.plan.readReplicas?.max ?? 0;
  if (replicas > replicaMax)
    throw badRequest(
      replicaMax === 0
        ? `plan ${target.plan.name} allows no read replicas and the instance has ${replicas}: update it with read_replicas 0 first`
        : `plan ${target.plan.name} allows at most ${replicaMax} read replicas and the instance has ${replicas}: send read_replicas (0 to ${replicaMax}) with the plan change`,
    );
  checkReplicaPrecondition(replicas, requested.backupRetentionPeriod ?? target.plan.rds.backupRetentionPeriod);
  const encodedRequested = encodeRequested(requested);

  const planChanges = targetPlanId !== currentPlanId;
  // Out of storage, RDS takes only more storage: anything else is refused here, saying what to do.
  const storageFull = observed.status === 'storage-full';
  if (storageFull) {
    const refusal = storageFullRefusal(
      parameters,
      planChanges,
      observed,
      // The increase is asked on the plan the instance is on.
      (current?.plan ?? target.plan).userStorage?.allocatedStorage?.max,
    );
    if (refusal) throw new BrokerError(422, refusal);
  }
  const running = storageFull && pendingSteps(tags).length === 0 ? undefined : runningOperation(observed);
  if (running) {
    const sameRequest =
      decodeOperation(tags[Tag.operation])?.kind === 'update' &&
      currentPlanId === targetPlanId &&
      (tags[Tag.requestedSettings] ?? '') === encodedRequested &&
      currentReplicas === replicas;
    if (sameRequest) return { status: 202, body: { operation: 'update' } };
    throw concurrencyError(`the instance cannot be updated now: ${running}`);
  }
  if (planChanges && current && !planChangeAllowed(target.service, current.plan, target.plan)) {
    throw new BrokerError(422, `changing from plan ${current.plan.name} to plan ${target.plan.name} is not supported`);
  }
  if (planChanges && Number.parseInt(target.plan.rds.engineVersion, 10) < Number.parseInt(observed.engineVersion, 10)) {
    throw new BrokerError(
      422,
      `the instance runs ${observed.engine} ${observed.engineVersion}; RDS cannot downgrade it to plan ${target.plan.name}'s ${target.plan.rds.engineVersion}`,
    );
  }
  const reboot = parameters.reboot === true || parameters.force_failover === true;
  const currentExtensions = decodeExtensions(tags[Tag.extensions]);
  const extensions = nextExtensions(target.plan, currentExtensions, parameters.enable_extensions, parameters.disable_extensions);
  const addedExtensions = extensions.filter((name) => !currentExtensions.includes(name));
  const removedExtensions = currentExtensions.filter((name) => !extensions.includes(name));
  const change = settingsDiff(observed, desiredWithExtensions(target.plan, requested, extensions));
  if (parameters.upgrade_minor_version === true && !change.EngineVersion) {
    const minor = await minorUpgradeTarget(deps, observed.engine, observed.engineVersion);
    if (minor) {
      // Recorded, so the settings step waits until RDS shows this version.
      change.EngineVersion = minor;
      requested.engineVersion = minor;
    }
  }
  await checkEngineUpgrade(deps, observed.engine, observed.engineVersion, change);
  await checkOrderableClass(deps, observed, change, target.plan.name);
  if (reboot && !isEmptyChange(change))
    throw badRequest('reboot and force_failover cannot be combined with other changes: send them in an update of their own');

  const newTags: Record<string, string> = {
    [Tag.planId]: tagValue(targetPlanId!),
    ...tenantTags(tenantFromRequest(request.context), tagValue),
  };
  delete newTags[Tag.platform];
  const finalRequested = encodeRequested(requested);
  if (finalRequested) newTags[Tag.requestedSettings] = finalRequested;
  if (typeof parameters.skip_final_snapshot === 'boolean') newTags[Tag.skipFinalSnapshot] = String(parameters.skip_final_snapshot);
  if (typeof parameters.delete_automated_backups === 'boolean')
    newTags[Tag.deleteAutomatedBackups] = String(parameters.delete_automated_backups);
  if (addedExtensions.length > 0 || removedExtensions.length > 0) newTags[Tag.extensions] = encodeExtensions(extensions);
  // Taken away now, dropped by the extensions step; one enabled again before that step is kept.
  const toDrop = [...decodeExtensions(tags[Tag.extensionsToDrop]), ...removedExtensions].filter((name) => !extensions.includes(name));
  if (toDrop.length > 0) newTags[Tag.extensionsToDrop] = encodeExtensions(toDrop);
  const changedTags = Object.fromEntries(Object.entries(newTags).filter(([key, value]) => tags[key] !== value));

  const applyNow = parameters.apply_at_maintenance_window !== true;
  const rdsChange = !isEmptyChange(change);
  // A new parameter group's extensions need it in place first.
  if (change.DBParameterGroupName) await ensureManagedParameterGroup(deps, target.plan, extensions);
  const wanted = { ...changedTags, ...stepTagsFor({ reboot, failover: parameters.force_failover === true, rdsChange, applyNow }) };
  if ((addedExtensions.length > 0 || toDrop.length > 0) && (applyNow || !rdsChange)) wanted[Step.extensions] = PENDING;
  if (rdsChange && applyNow && planChanges && currentPlanId) wanted[Tag.previousPlanId] = currentPlanId;
  if (rdsChange && applyNow && change.DBParameterGroupName) wanted[Step.reboot] = PENDING;
  // A new count: the replica step adds or removes replicas (after any settings change).
  const replicasChange = replicas !== currentReplicas;
  if (replicasChange) {
    wanted[Tag.readReplicas] = String(replicas);
    wanted[Step.readReplicas] = PENDING;
  }
  // Asynchronous work is an operation the platform polls; bookkeeping and SQL alone finish now.
  const asynchronous = reboot || (rdsChange && applyNow) || replicasChange;
  if (asynchronous) wanted[Tag.operation] = encodeOperation('update', deps.now());
  const decision = await onDatabase(() =>
    refusedAsConflict(deps, observed.identifier, () => recordAndReconcile(deps, observed, request.instanceId, wanted)),
  );
  if (asynchronous) return { status: 202, body: { operation: 'update' } };
  // Bookkeeping, SQL, or a change scheduled for the maintenance window (RDS holds it): done.
  if (decision.state === 'failed') throw new BrokerError(422, decision.description);
  return { status: 200, body: { metadata: instanceMetadata(observed) } };
}

/** The pending steps an update asks for: a reboot (alone), or the plan's settings now or at the maintenance window. */
function stepTagsFor(update: { reboot: boolean; failover: boolean; rdsChange: boolean; applyNow: boolean }): Record<string, string> {
  if (update.reboot) return { [Step.reboot]: update.failover ? StepRequest.failover : StepRequest.reboot };
  if (!update.rdsChange) return {};
  return { [Step.updateSettings]: update.applyNow ? PENDING : StepRequest.maintenanceWindow };
}

/** RDS's refusals of a change become answers the platform can read; nothing was changed. */
async function refusedAsConflict<T>(deps: BrokerDeps, identifier: string, change: () => Promise<T>): Promise<T> {
  try {
    return await change();
  } catch (error) {
    if (isStorageIntervalRefusal(error)) throw await storageIntervalAnswer(deps, identifier);
    if (error instanceof RdsError && error.kind === 'invalid-state')
      throw concurrencyError(`RDS is busy with the instance and refused the change: ${error.code}`);
    if (error instanceof RdsError && error.kind === 'rejected') throw new BrokerError(422, `RDS refused the change: ${error.message}`);
    throw error;
  }
}
