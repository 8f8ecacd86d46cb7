import type { Config } from '../config/load.js';
import { planById } from '../broker/plans.js';
import { tenantFromTags, tenantKey } from '../broker/tenant.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { phase } from '../reconcile/phase.js';
import { decodeOperation, Tag, type OperationKind, type StepTag, type Tags } from '../reconcile/tags.js';
import { humanDuration, renderTable, secondsBetween } from './format.js';
import { aliasOf, allPendingSteps } from './steps.js';

/** One instance as `rds-broker instances` shows it: everything from the list call, nothing more. Pure. */

export interface PendingStepView {
  step: StepTag;
  alias: string;
  /** When the step's asynchronous action was issued; absent while it has not been. */
  issuedAt?: string;
}

export interface OperationView {
  kind: OperationKind;
  startedAt: string;
  /** True while the instance still has work: pending steps, pending modifications or a busy status. */
  inProgress: boolean;
  /** How long the operation has run, while it is in progress. */
  runningSeconds?: number;
}

export type Activity = 'in progress' | 'idle' | 'failed';

export interface InstanceRow {
  /** The service instance ID (Instance ID tag); null when the tag is missing. */
  instanceId: string | null;
  identifier: string;
  serviceName: string | null;
  planId: string | null;
  /** The plan's name in this configuration's catalog; null when the plan is not in it. */
  planName: string | null;
  /** tenantKey of the identity tags: cloudfoundry/ORG/SPACE or kubernetes/CLUSTER/NAMESPACE. */
  tenant: string | null;
  status: string;
  activity: Activity;
  pendingSteps: PendingStepView[];
  pendingModifications: string[];
  operation: OperationView | null;
  /** The broker's read replicas of this instance (Replica Of tag), from the same listing. */
  replicas: ReplicaView[];
}

export interface ReplicaView {
  identifier: string;
  status: string;
  /** Replication as RDS reports it (StatusInfos), e.g. replicating; null when RDS reports none. */
  replication: string | null;
}

export function ownedBy(config: Pick<Config, 'broker'>, tags: Tags): boolean {
  return tags[Tag.brokerName] === config.broker.name;
}

export function pendingStepViews(tags: Tags): PendingStepView[] {
  return allPendingSteps(tags).map((s) => ({
    step: s.step,
    alias: aliasOf(s.step),
    ...(s.startedAt ? { issuedAt: s.startedAt.toISOString() } : {}),
  }));
}

export function activityOf(observed: ObservedInstance): Activity {
  switch (phase(observed)) {
    case 'failed':
      return 'failed';
    case 'idle':
      return 'idle';
    default:
      return 'in progress';
  }
}

export function operationView(observed: ObservedInstance, now: Date): OperationView | null {
  const operation = decodeOperation(observed.tags[Tag.operation]);
  if (!operation) return null;
  const inProgress = activityOf(observed) === 'in progress';
  return {
    kind: operation.kind,
    startedAt: operation.at.toISOString(),
    inProgress,
    ...(inProgress ? { runningSeconds: secondsBetween(operation.at, now) } : {}),
  };
}

export function instanceRow(config: Pick<Config, 'catalog'>, observed: ObservedInstance, now: Date): InstanceRow {
  const tags = observed.tags;
  const plan = planById(config, tags[Tag.planId]);
  return {
    instanceId: tags[Tag.instanceId] ?? null,
    identifier: observed.identifier,
    serviceName: plan?.service.name ?? null,
    planId: tags[Tag.planId] ?? null,
    planName: plan?.plan.name ?? null,
    tenant: tenantKey(tenantFromTags(tags)) ?? null,
    status: observed.status,
    activity: activityOf(observed),
    pendingSteps: pendingStepViews(tags),
    pendingModifications: observed.pendingModifications,
    operation: operationView(observed, now),
    replicas: [],
  };
}

export interface RowFilter {
  /** Only instances with at least one pending step. */
  pending?: boolean;
  /** A tenant key, or a prefix of one ending at a `/` boundary (cloudfoundry/ORG matches every space of ORG). */
  tenant?: string;
}

export function matchesTenant(tenant: string | null, wanted: string): boolean {
  if (tenant === null) return false;
  const prefix = wanted.endsWith('/') ? wanted : `${wanted}/`;
  return tenant === wanted || tenant.startsWith(prefix);
}

/** The broker's own instances, filtered, sorted by RDS identifier. */
export function instanceRows(
  config: Pick<Config, 'broker' | 'catalog'>,
  observed: readonly ObservedInstance[],
  filter: RowFilter,
  now: Date,
): InstanceRow[] {
  const owned = observed.filter((o) => ownedBy(config, o.tags));
  // A replica is a member of its primary's row, not a service instance of its own.
  const replicasOf = (identifier: string): ReplicaView[] =>
    owned
      .filter((o) => o.tags[Tag.replicaOf]?.toLowerCase() === identifier.toLowerCase())
      .map((o) => ({ identifier: o.identifier, status: o.status, replication: o.replication?.status ?? null }))
      .sort((a, b) => a.identifier.localeCompare(b.identifier, 'en', { numeric: true }));
  return owned
    .filter((o) => o.tags[Tag.replicaOf] === undefined)
    .map((o) => ({ ...instanceRow(config, o, now), replicas: replicasOf(o.identifier) }))
    .filter((row) => !filter.pending || row.pendingSteps.length > 0)
    .filter((row) => filter.tenant === undefined || matchesTenant(row.tenant, filter.tenant))
    .sort((a, b) => a.identifier.localeCompare(b.identifier));
}

function stepsCell(row: InstanceRow, now: Date): string {
  if (row.pendingSteps.length === 0) return '-';
  return row.pendingSteps
    .map((s) => (s.issuedAt ? `${s.alias} (issued ${humanDuration(secondsBetween(new Date(s.issuedAt), now))} ago)` : s.alias))
    .join(', ');
}

function replicasCell(row: InstanceRow): string {
  if (row.replicas.length === 0) return '-';
  return row.replicas.map((r) => `${r.identifier} ${r.status}${r.replication ? `/${r.replication}` : ''}`).join(', ');
}

function runningCell(row: InstanceRow): string {
  if (!row.operation) return '-';
  return row.operation.runningSeconds === undefined ? 'done' : humanDuration(row.operation.runningSeconds);
}

/** What the operator asked to narrow the list to, and how many instances there are without it. */
export interface ListingFilter {
  tenant?: string;
  pending?: boolean;
  unfilteredCount: number;
}

/** An empty listing says whether the filter matched nothing or the broker has no instances at all. */
export function noInstancesMessage(filter?: ListingFilter): string {
  const asked = [filter?.tenant !== undefined ? `--tenant ${filter.tenant}` : '', filter?.pending ? '--pending' : ''].filter(Boolean);
  if (!filter || asked.length === 0) return 'No instances.';
  const total = filter.unfilteredCount;
  return `No instances match ${asked.join(' ')}: the filter matched nothing (${total === 0 ? 'this broker has no instances at all' : `${total} instance${total === 1 ? '' : 's'} without it`}).`;
}

export function renderInstanceTable(rows: readonly InstanceRow[], now: Date, filter?: ListingFilter): string {
  if (rows.length === 0) return noInstancesMessage(filter);
  const headers = [
    'INSTANCE ID',
    'RDS IDENTIFIER',
    'PLAN',
    'TENANT',
    'STATUS',
    'OPERATION',
    'RUNNING FOR',
    'PENDING STEPS',
    'READ REPLICAS',
  ];
  const body = rows.map((row) => [
    row.instanceId ?? '(no Instance ID tag)',
    row.identifier,
    row.planName ?? (row.planId ? `unknown plan ${row.planId}` : '-'),
    row.tenant ?? '-',
    row.pendingModifications.length > 0 ? `${row.status} (applying ${row.pendingModifications.join(', ')})` : row.status,
    row.operation?.kind ?? '-',
    runningCell(row),
    stepsCell(row, now),
    replicasCell(row),
  ]);
  return renderTable(headers, body);
}
