/**
 * The tag vocabulary: every tag the broker reads or writes on RDS instances and snapshots. Tags are
 * the broker's only state. Where an established RDS broker already named a tag (Cloud Foundry's
 * RDS broker: "Broker Name", "Service ID", "PendingUpdateSettings", …) the same name is used, so
 * instances it created or restored can be adopted; docs/tags.md explains each one.
 */

export const Tag = {
  // identity
  owner: 'Owner',
  brokerName: 'Broker Name',
  createdBy: 'Created by',
  createdAt: 'Created at',
  instanceId: 'Instance ID',
  serviceId: 'Service ID',
  planId: 'Plan ID',
  /** Set during a plan change: the plan to roll back to when RDS refuses the new one. */
  previousPlanId: 'Previous Plan ID',
  platform: 'Platform',
  organizationId: 'Organization ID',
  spaceId: 'Space ID',
  clusterId: 'Cluster ID',
  namespace: 'Namespace',
  organizationName: 'Organization Name',
  spaceName: 'Space Name',
  instanceName: 'Instance Name',
  skipFinalSnapshot: 'SkipFinalSnapshot',
  deleteAutomatedBackups: 'DeleteAutomatedBackups',
  /** User parameters that outlive the request, as `key=value` pairs (tag values allow no JSON). */
  requestedSettings: 'Requested Settings',
  masterSecretId: 'Master Secret ID',
  extensions: 'Extensions',
  /** Extensions an update took away, dropped by the PendingExtensions step (same encoding as Extensions). */
  extensionsToDrop: 'Extensions To Drop',
  /** On a primary: how many read replicas it should have (the PendingReadReplicas step makes it so). */
  readReplicas: 'Read Replicas',
  /** On a read replica: the RDS identifier of the primary whose replica it is. */
  replicaOf: 'Replica Of',
  /** The operation the platform asked for and when: `<kind>@<ISO time>`. */
  operation: 'Operation',
  // origin of a restore
  restoredFromSnapshot: 'Restored From Snapshot',
  restoredFromDatabase: 'Restored From Database',
  restoredFromPointInTime: 'Restored From Point In Time',
  restoredAt: 'Restored at',
  // final snapshots
  deletedAt: 'Deleted at',
  snapshotKind: 'Snapshot Kind',
  // operator tools
  skippedSteps: 'Skipped Steps',
} as const;

/**
 * Pending steps, in the order they run. A step's tag value is `true` until its action is issued, then
 * `started:<ISO time>` so a poll can tell "not begun" from "begun, not yet visible in RDS".
 */
export const Step = {
  /** Deprovision requested while RDS could not delete yet; overrides every other step. */
  delete: 'PendingDelete',
  updateSettings: 'PendingUpdateSettings',
  reboot: 'PendingReboot',
  resetMasterPassword: 'PendingResetMasterPassword',
  /** Named as the established broker names its last restore step: the source's users lose access. */
  neutraliseUsers: 'PendingResetUserPassword',
  extensions: 'PendingExtensions',
  /** Read replicas to create or delete until the primary has as many as its Read Replicas tag says. */
  readReplicas: 'PendingReadReplicas',
} as const;
export type StepTag = (typeof Step)[keyof typeof Step];

/** Order in which the steps of one operation run (delete is handled apart: it preempts all). */
export const STEP_ORDER: readonly StepTag[] = [
  Step.updateSettings,
  Step.reboot,
  Step.resetMasterPassword,
  Step.neutraliseUsers,
  Step.extensions,
  // Last: replicas copy the primary as the earlier steps leave it (a restore's settings, passwords, users).
  Step.readReplicas,
];

export const OWNER_VALUE = 'rds-broker';
export const PENDING = 'true';

export type Tags = Readonly<Record<string, string>>;

/**
 * What a step's tag value may ask beyond "pending": the settings step scheduled for RDS's
 * maintenance window; the reboot step asked for by an update (with a failover, on Multi-AZ).
 */
export const StepRequest = { maintenanceWindow: 'maintenance-window', reboot: 'reboot', failover: 'failover' } as const;
export type StepRequestKind = (typeof StepRequest)[keyof typeof StepRequest];
const REQUESTS: readonly string[] = Object.values(StepRequest);

export interface StepState {
  step: StepTag;
  /** When the step's action was issued, if it was. */
  startedAt?: Date;
  request?: StepRequestKind;
}

export function startedValue(at: Date): string {
  return `started:${at.toISOString()}`;
}

export function parseStep(step: StepTag, value: string | undefined): StepState | undefined {
  if (value === undefined || value === '' || value === 'false') return undefined;
  if (REQUESTS.includes(value)) return { step, request: value as StepRequestKind };
  const match = /^started:(.+)$/.exec(value);
  if (!match) return { step };
  const at = new Date(match[1]!);
  return Number.isNaN(at.getTime()) ? { step } : { step, startedAt: at };
}

export function pendingSteps(tags: Tags): StepState[] {
  return STEP_ORDER.map((step) => parseStep(step, tags[step])).filter((s): s is StepState => s !== undefined);
}

/** RDS tag values allow letters, digits, spaces and `_ . : / = + - @`; anything else is replaced. */
export function tagValue(text: string): string {
  return text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
}

/** `key=value` pairs separated by spaces; values may not contain spaces. */
export function encodePairs(pairs: Record<string, string | number | boolean | undefined>): string {
  return Object.entries(pairs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v).replace(/\s/g, '_')}`)
    .join(' ');
}

export function decodePairs(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (value ?? '').split(' ')) {
    const at = part.indexOf('=');
    if (at > 0) out[part.slice(0, at)] = part.slice(at + 1);
  }
  return out;
}

export type OperationKind = 'provision' | 'restore' | 'update' | 'upgrade' | 'deprovision' | 'context';

export function encodeOperation(kind: OperationKind, at: Date): string {
  return `${kind}@${at.toISOString()}`;
}

export function decodeOperation(value: string | undefined): { kind: OperationKind; at: Date } | undefined {
  const match = /^(provision|restore|update|upgrade|deprovision|context)@(.+)$/.exec(value ?? '');
  if (!match) return undefined;
  const at = new Date(match[2]!);
  return Number.isNaN(at.getTime()) ? undefined : { kind: match[1] as OperationKind, at };
}
