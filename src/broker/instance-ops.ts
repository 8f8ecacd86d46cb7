import { RdsError } from '../aws/errors.js';
import { phase, statusPhase } from '../reconcile/phase.js';
import { effectiveRetryAfter, RetryAfter } from '../reconcile/retry-after.js';
import { decodeOperation, encodeOperation, parseStep, PENDING, pendingSteps, Step, Tag, type OperationKind } from '../reconcile/tags.js';
import { recordAndReconcile } from './intent.js';
import {
  gone,
  notFound,
  type BrokerResponse,
  type DeprovisionRequest,
  type FetchInstanceRequest,
  type LastOperationRequest,
  concurrencyError,
  BrokerError,
} from './contract.js';
import type { BrokerDeps } from './deps.js';
import { absentAnswer, observeInstance, ownInstanceFor, presenceOf } from './presence.js';
import { instanceMetadata } from './metadata.js';
import { failedOperationFields } from './failed-operation.js';
import { featureParameters, storageParameters } from './feature-parameters.js';
import { reconcileInstance, reportPass } from './operate.js';
import { transientDecision } from './transient.js';
import { decodeRequested, planById } from './plans.js';
import { deriveMaintenanceInfo, planMaintenanceInfo } from '../catalog/catalog.js';

const OPERATIONS: readonly OperationKind[] = ['provision', 'restore', 'update', 'upgrade', 'deprovision', 'context'];

export function parseOperation(value: string | undefined): OperationKind | undefined {
  return OPERATIONS.find((kind) => kind === value);
}

/** The Retry-After a poll answers: the decision's nominal seconds, scaled as configured. */
function retryAfter(deps: BrokerDeps, nominalSeconds: number): number {
  return effectiveRetryAfter(nominalSeconds, deps.config.broker.retryAfterScale);
}

export async function lastOperation(deps: BrokerDeps, request: LastOperationRequest): Promise<BrokerResponse> {
  const operation = parseOperation(request.operation);
  let observed;
  try {
    observed = await observeInstance(deps, request.instanceId, operation === 'deprovision' ? 'poll-deprovision' : 'poll');
  } catch (error) {
    const transient = transientDecision(error);
    if (!transient) throw error;
    return {
      status: 200,
      body: { state: transient.state, description: transient.description },
      retryAfterSeconds: retryAfter(deps, transient.retryAfterSeconds ?? RetryAfter.rdsBusy),
    };
  }
  const presence = presenceOf(deps, observed, request.instanceId);
  // An instance RDS no longer has ends whatever operation this process saw on it (a deprovision's last poll).
  if (presence.kind === 'missing') reportPass(deps, request.instanceId, undefined, operation, 'gone');
  if (presence.kind !== 'own') throw absentAnswer(operation === 'deprovision' ? 'poll-deprovision' : 'poll', presence);
  const decision = await reconcileInstance(deps, observed, request.instanceId, operation ? { operation } : {});
  if (decision.state === 'gone') throw gone(decision.description);
  // The operation polled: as the platform names it, else as the instance's tag records it.
  const polled = operation ?? decodeOperation(observed?.tags[Tag.operation])?.kind;
  return {
    status: 200,
    body: {
      state: decision.state,
      description: decision.description,
      ...(decision.state === 'failed' ? failedOperationFields(polled, observed) : {}),
    },
    ...(decision.state === 'in progress' ? { retryAfterSeconds: retryAfter(deps, decision.retryAfterSeconds ?? RetryAfter.fallback) } : {}),
  };
}

export async function deprovision(deps: BrokerDeps, request: DeprovisionRequest): Promise<BrokerResponse> {
  const observed = await ownInstanceFor(deps, request.instanceId, 'deprovision');
  const accepted: BrokerResponse = { status: 202, body: { operation: 'deprovision' } };
  if (statusPhase(observed.status) === 'deleting') return accepted;
  // Recorded, then the same pass a poll runs: it deletes now when RDS allows (lifting deletion
  // protection first), and otherwise a later poll or the background requeue does as soon as RDS
  // allows. Every other pending step is abandoned. Only a refusal RDS means (not "busy") undoes it.
  const wanted: Record<string, string> = parseStep(Step.delete, observed.tags[Step.delete])
    ? {}
    : { [Step.delete]: PENDING, [Tag.operation]: encodeOperation('deprovision', deps.now()) };
  try {
    await recordAndReconcile(
      deps,
      observed,
      request.instanceId,
      wanted,
      (error) => error instanceof RdsError && !error.retryable && error.kind !== 'invalid-state',
    );
  } catch (error) {
    if (error instanceof RdsError && error.kind === 'not-found') throw gone('the service instance does not exist');
    if (error instanceof RdsError) throw new BrokerError(422, `RDS refused to delete the instance: ${error.message}`);
    throw error;
  }
  return accepted;
}

/** GET instance: everything reconstructed from the instance and its tags. */
export async function fetchInstance(deps: BrokerDeps, request: FetchInstanceRequest): Promise<BrokerResponse> {
  const observed = await ownInstanceFor(deps, request.instanceId, 'fetch-instance');
  const tags = observed.tags;
  const operation = decodeOperation(tags[Tag.operation])?.kind;
  const now = phase(observed);
  if (now === 'deleting') throw notFound('the service instance is being deleted');
  const busy = now !== 'idle';
  if (busy && (operation === 'provision' || operation === 'restore' || operation === undefined) && observed.status === 'creating') {
    throw notFound('the service instance is still being provisioned');
  }
  if (busy && (operation === 'provision' || operation === 'restore') && pendingSteps(tags).length > 0)
    throw notFound('the service instance is still being provisioned');
  if (busy && (operation === 'update' || operation === 'upgrade')) throw concurrencyError('the service instance is being updated');
  const requested = decodeRequested(tags[Tag.requestedSettings]);
  const plan = planById(deps.config, tags[Tag.planId]);
  const parameters: Record<string, unknown> = {
    db_name: observed.dbName ?? requested.dbName ?? plan?.plan.rds.databaseName,
    backup_retention_period: observed.backupRetentionPeriod,
    ...(observed.preferredBackupWindow ? { preferred_backup_window: observed.preferredBackupWindow } : {}),
    ...(observed.preferredMaintenanceWindow ? { preferred_maintenance_window: observed.preferredMaintenanceWindow } : {}),
    skip_final_snapshot: tags[Tag.skipFinalSnapshot] === 'true',
    delete_automated_backups: tags[Tag.deleteAutomatedBackups] === 'true',
    ...storageParameters(observed),
    ...featureParameters(observed.features),
  };
  if (tags[Tag.extensions]) parameters.enable_extensions = tags[Tag.extensions]!.split(':').filter(Boolean);
  if (tags[Tag.restoredFromSnapshot]) {
    parameters.restored_from_snapshot_of = tags[Tag.restoredFromDatabase];
    parameters.restored_from_snapshot = tags[Tag.restoredFromSnapshot];
  }
  if (tags[Tag.restoredFromPointInTime]) {
    parameters.restored_from_point_in_time_of = tags[Tag.restoredFromDatabase];
    parameters.restored_from_point_in_time = tags[Tag.restoredFromPointInTime];
  }
  return {
    status: 200,
    body: {
      service_id: tags[Tag.serviceId],
      plan_id: tags[Tag.planId],
      parameters,
      maintenance_info:
        plan && plan.plan.rds.engineVersion === observed.engineVersion
          ? planMaintenanceInfo(plan.plan)
          : deriveMaintenanceInfo(observed.engine, observed.engineVersion),
      metadata: instanceMetadata(observed),
    },
  };
}
