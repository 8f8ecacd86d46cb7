import type { PlanConfig, ServiceConfig } from '../config/schema.js';
import { findPlan, planMaintenanceInfo } from '../catalog/catalog.js';
import { RdsError } from '../aws/errors.js';
import { masterPassword } from '../naming/derive.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { phase } from '../reconcile/phase.js';
import { RetryAfter } from '../reconcile/retry-after.js';
import { encodeOperation, OWNER_VALUE, PENDING, Step, Tag, tagValue, type OperationKind } from '../reconcile/tags.js';
import {
  badRequest,
  conflict,
  maintenanceInfoConflict,
  type BrokerResponse,
  type MaintenanceInfo,
  type ProvisionRequest,
} from './contract.js';
import { identifierOf, newestSecret, ownershipProblem, type BrokerDeps } from './deps.js';
import { instanceMetadata } from './metadata.js';
import { reportPass } from './operate.js';
import { encodeExtensions, ensureManagedParameterGroup } from './extensions.js';
import { createSettings, desiredSettings, encodeRequested, requestedFromParameters, type RequestedSettings } from './plans.js';
import { storageRequestProblem } from './storage-request.js';
import { checkReplicaPrecondition, replicaSlots, requestedReplicaCount } from './replicas.js';
import { wantedReplicas } from '../reconcile/replicas.js';
import { parseRestoreRequest, resolveRestoreSource, type ResolvedSource } from './restore-source.js';
import { tenantFromRequest, tenantFromTags, tenantKey, tenantTags, type Tenant } from './tenant.js';

export function checkMaintenanceInfo(plan: PlanConfig, requested: MaintenanceInfo | undefined): void {
  if (requested?.version === undefined) return;
  const current = planMaintenanceInfo(plan).version;
  if (requested.version !== current) {
    throw maintenanceInfoConflict(
      `maintenance_info.version ${requested.version} does not match the plan's ${current}: the plan's maintenance information has changed; fetch the catalog again`,
    );
  }
}

function requestedExtensions(plan: PlanConfig, parameters: Record<string, unknown>): string[] {
  const asked = Array.isArray(parameters.enable_extensions)
    ? parameters.enable_extensions.filter((e): e is string => typeof e === 'string')
    : [];
  return [...new Set([...plan.extensions.default, ...asked])].sort();
}

interface ProvisionIntent {
  service: ServiceConfig;
  plan: PlanConfig;
  tenant: Tenant;
  requested: RequestedSettings;
  skipFinalSnapshot: boolean;
  deleteAutomatedBackups: boolean;
  extensions: string[];
  /** Read replicas to make once the primary is ready (the PendingReadReplicas step). */
  replicas: number;
  restore?: ResolvedSource;
}

/** Tags a new (or restored) instance carries from birth. */
function identityTags(
  deps: BrokerDeps,
  request: ProvisionRequest,
  intent: ProvisionIntent,
  operation: OperationKind,
): Record<string, string> {
  const now = deps.now();
  const tags: Record<string, string> = {
    [Tag.owner]: OWNER_VALUE,
    [Tag.brokerName]: deps.config.broker.name,
    [Tag.createdBy]: OWNER_VALUE,
    [Tag.createdAt]: now.toISOString(),
    [Tag.instanceId]: tagValue(request.instanceId),
    [Tag.serviceId]: tagValue(request.serviceId),
    [Tag.planId]: tagValue(request.planId),
    ...tenantTags(intent.tenant, tagValue),
    [Tag.skipFinalSnapshot]: String(intent.skipFinalSnapshot),
    [Tag.deleteAutomatedBackups]: String(intent.deleteAutomatedBackups),
    [Tag.masterSecretId]: newestSecret(deps).id,
    [Tag.operation]: encodeOperation(operation, now),
  };
  const requested = encodeRequested(intent.requested);
  if (requested) tags[Tag.requestedSettings] = requested;
  if (intent.extensions.length > 0) {
    tags[Tag.extensions] = encodeExtensions(intent.extensions);
    tags[Step.extensions] = PENDING;
  }
  if (intent.replicas > 0) {
    tags[Tag.readReplicas] = String(intent.replicas);
    tags[Step.readReplicas] = PENDING;
  }
  return tags;
}

function restoreTags(now: Date, source: ResolvedSource): Record<string, string> {
  const tags: Record<string, string> = {
    [Tag.restoredFromDatabase]: tagValue(source.sourceInstanceId),
    [Tag.restoredAt]: now.toISOString(),
    [Step.updateSettings]: PENDING,
    [Step.reboot]: PENDING,
    [Step.resetMasterPassword]: PENDING,
    [Step.neutraliseUsers]: PENDING,
  };
  if (source.kind === 'snapshot') tags[Tag.restoredFromSnapshot] = source.snapshot.identifier;
  else tags[Tag.restoredFromPointInTime] = source.restoreTime ? source.restoreTime.toISOString() : 'latest';
  return tags;
}

/** Whether an existing instance was asked for with exactly the same attributes. */
function sameAttributes(observed: ObservedInstance, request: ProvisionRequest, intent: ProvisionIntent): boolean {
  const tags = observed.tags;
  const restoredFrom = tags[Tag.restoredFromDatabase];
  const origin = intent.restore ? tagValue(intent.restore.sourceInstanceId) : undefined;
  return (
    tags[Tag.serviceId] === tagValue(request.serviceId) &&
    (tags[Tag.planId] === tagValue(request.planId) || tags[Tag.previousPlanId] === tagValue(request.planId)) &&
    tenantKey(tenantFromTags(tags)) === tenantKey(tenantFromTags(tenantTags(intent.tenant, tagValue))) &&
    (tags[Tag.requestedSettings] ?? '') === encodeRequested(intent.requested) &&
    wantedReplicas(tags) === intent.replicas &&
    restoredFrom === origin
  );
}

function operationOf(observed: ObservedInstance): OperationKind {
  return observed.tags[Tag.restoredFromDatabase] ? 'restore' : 'provision';
}

/** A repeated provision: 200 when done and identical, 202 while under way, 409 when different. */
function answerExisting(deps: BrokerDeps, observed: ObservedInstance, request: ProvisionRequest, intent: ProvisionIntent): BrokerResponse {
  const problem = ownershipProblem(deps, observed, request.instanceId);
  if (problem)
    throw conflict(`an RDS instance with this instance's identifier already exists and is not this service instance: ${problem}`);
  if (!sameAttributes(observed, request, intent)) throw conflict('the service instance already exists with different attributes');
  const done = phase(observed) === 'idle';
  const metadata = instanceMetadata(observed);
  return done ? { status: 200, body: { metadata } } : { status: 202, body: { operation: operationOf(observed), metadata } };
}

export async function provision(deps: BrokerDeps, request: ProvisionRequest): Promise<BrokerResponse> {
  const match = findPlan(deps.config, request.serviceId, request.planId);
  if (!match) throw badRequest('unknown service_id or plan_id');
  const { service, plan } = match;
  checkMaintenanceInfo(plan, request.maintenanceInfo);
  const tenant = tenantFromRequest(request.context, request.organizationGuid, request.spaceGuid);
  const parameters = request.parameters;
  const restoreRequest = parseRestoreRequest(parameters);
  const intent: ProvisionIntent = {
    service,
    plan,
    tenant,
    requested: requestedFromParameters(parameters),
    skipFinalSnapshot: typeof parameters.skip_final_snapshot === 'boolean' ? parameters.skip_final_snapshot : plan.rds.skipFinalSnapshot,
    deleteAutomatedBackups:
      typeof parameters.delete_automated_backups === 'boolean' ? parameters.delete_automated_backups : plan.rds.deleteAutomatedBackups,
    extensions: requestedExtensions(plan, parameters),
    replicas: requestedReplicaCount(plan, parameters),
  };
  const storageProblem = storageRequestProblem(parameters, desiredSettings(plan, intent.requested));
  if (storageProblem) throw badRequest(storageProblem);
  checkReplicaPrecondition(intent.replicas, intent.requested.backupRetentionPeriod ?? plan.rds.backupRetentionPeriod);
  const identifier = identifierOf(deps, request.instanceId);
  const existing = await deps.rds.describeInstance(identifier);
  if (existing) {
    // The restore source of a repeat is compared by its instance ID only: no second lookup.
    if (restoreRequest) intent.restore = { kind: 'point-in-time', sourceInstanceId: restoreRequest.sourceInstanceId };
    return answerExisting(deps, existing, request, intent);
  }
  if (restoreRequest) intent.restore = await resolveRestoreSource(deps, restoreRequest, plan, tenant);
  const operation: OperationKind = intent.restore ? 'restore' : 'provision';
  const tags = identityTags(deps, request, intent, operation);
  // Extensions that need preloading run on a parameter group the broker manages; it must exist first.
  const managedGroup = await ensureManagedParameterGroup(deps, plan, intent.extensions);
  try {
    const created = intent.restore
      ? await startRestore(deps, identifier, intent, { ...tags, ...restoreTags(deps.now(), intent.restore) })
      : await deps.rds.createInstance({
          DBInstanceIdentifier: identifier,
          ...createSettings(plan, intent.requested),
          ...(managedGroup ? { DBParameterGroupName: managedGroup } : {}),
          MasterUserPassword: masterPassword(newestSecret(deps), request.instanceId),
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        });
    // The polls that follow read the replicas with the primary, in the same describe.
    if (intent.replicas > 0) deps.rds.expectMembers(identifier, replicaSlots(identifier, intent.replicas));
    deps.onInProgress?.(request.instanceId, RetryAfter.forStatus('creating'));
    reportPass(deps, request.instanceId, created, operation, 'in progress');
    return { status: 202, body: { operation, metadata: instanceMetadata(created) } };
  } catch (error) {
    if (error instanceof RdsError && error.kind === 'already-exists') {
      // Another replica created it a moment ago: answer as a repeat of that request.
      const raced = await deps.rds.describeInstance(identifier);
      if (raced) return answerExisting(deps, raced, request, intent);
    }
    if (error instanceof RdsError && error.kind === 'rejected') throw badRequest(`RDS refused the instance: ${error.message}`);
    throw error;
  }
}

async function startRestore(
  deps: BrokerDeps,
  identifier: string,
  intent: ProvisionIntent,
  tags: Record<string, string>,
): Promise<ObservedInstance> {
  const source = intent.restore!;
  const settings = createSettings(intent.plan, intent.requested);
  // Only what shapes the new instance itself; the rest of the plan (security groups, parameter
  // group, backup retention, windows) is the first pending step, as RDS applies it to a running instance.
  const common = {
    DBInstanceClass: settings.DBInstanceClass,
    MultiAZ: settings.MultiAZ,
    StorageType: settings.StorageType,
    // io1/io2 cannot exist without their IOPS; gp3's provisioned values and a larger size come with the settings step.
    ...(settings.Iops !== undefined && (settings.StorageType === 'io1' || settings.StorageType === 'io2') ? { Iops: settings.Iops } : {}),
    PubliclyAccessible: settings.PubliclyAccessible,
    AutoMinorVersionUpgrade: settings.AutoMinorVersionUpgrade,
    CopyTagsToSnapshot: settings.CopyTagsToSnapshot,
    DeletionProtection: settings.DeletionProtection,
    ...(settings.DBSubnetGroupName ? { DBSubnetGroupName: settings.DBSubnetGroupName } : {}),
    Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
  };
  if (source.kind === 'snapshot') {
    return deps.rds.restoreFromSnapshot({ DBInstanceIdentifier: identifier, DBSnapshotIdentifier: source.snapshot.identifier, ...common });
  }
  return deps.rds.restoreToPointInTime({
    TargetDBInstanceIdentifier: identifier,
    ...(source.sourceDbiResourceId
      ? { SourceDbiResourceId: source.sourceDbiResourceId }
      : { SourceDBInstanceIdentifier: source.sourceIdentifier }),
    ...(source.restoreTime ? { RestoreTime: source.restoreTime } : { UseLatestRestorableTime: true }),
    ...common,
  });
}
