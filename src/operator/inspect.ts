import type { Config } from '../config/load.js';
import { planById } from '../broker/plans.js';
import { tenantFromTags, tenantKey } from '../broker/tenant.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { statusPhase } from '../reconcile/phase.js';
import { ASYNC_ACTIONS, type Action, type Decision } from '../reconcile/reconcile.js';
import { Step, Tag, type StepTag } from '../reconcile/tags.js';
import { humanDuration, renderFields, secondsBetween } from './format.js';
import { operationView, pendingStepViews, type OperationView, type PendingStepView } from './rows.js';
import { decodeSkipped } from './skipped.js';
import { aliasOf, allPendingSteps } from './steps.js';

/**
 * What `rds-broker inspect` shows: the observation, the tags, and the decision the next poll would
 * take, with what it would do and the facts it rests on. Pure: the caller observes and decides.
 */

export interface NextPoll {
  state: Decision['state'];
  description: string;
  retryAfterSeconds?: number;
  action: {
    kind: Action['kind'];
    step: StepTag;
    alias: string;
    /** Synchronous actions let the same poll decide again and take the next step at once. */
    synchronous: boolean;
    /** ModifyDBInstance fields, for a settings change. */
    change?: Record<string, unknown>;
  } | null;
  /** What the poll would do, in words; null when it would change nothing. */
  what: string | null;
  /** The observed facts the decision rests on. */
  why: string[];
}

export interface InspectReport {
  instanceId: string;
  identifier: string;
  arn: string;
  /** Whether this broker may act on the instance; the problem when it may not. */
  ownership: { ok: true } | { ok: false; problem: string };
  plan: { id: string; name: string; service: string } | { id: string | null; name: null; service: null };
  tenant: string | null;
  operation: OperationView | null;
  observed: {
    status: string;
    engine: string;
    engineVersion: string;
    instanceClass: string;
    allocatedStorage: number;
    storageType: string | null;
    multiAz: boolean;
    pendingModifications: string[];
    parameterGroups: Array<{ name: string; applyStatus: string }>;
    endpoint: { address: string; port: number } | null;
    backupRetentionPeriod: number;
    preferredBackupWindow: string | null;
    preferredMaintenanceWindow: string | null;
    createdAt: string | null;
  };
  tags: {
    /** Every tag that is not a step: identity, origin, settings. None holds a secret. */
    identity: Record<string, string>;
    pendingSteps: PendingStepView[];
    skippedSteps: Array<{ step: string; at: string; reason: string }>;
  };
  nextPoll: NextPoll;
  /** RDS's events of the instance (DescribeEvents), newest last; why they are missing when they are. */
  recentEvents: { hours: number; events: RecentEvent[] } | { hours: number; unavailable: string };
}

export interface RecentEvent {
  at: string;
  categories: string[];
  message: string;
}

/** How far back inspect reads an instance's events, and how many of the newest it shows. */
export const EVENT_HOURS = 24;
export const EVENTS_SHOWN = 20;

const STEP_TAGS = new Set<string>(Object.values(Step));

/** Field names that could carry a secret never leave this module, whatever a future action holds. */
function withoutSecrets(change: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(change).filter(([key]) => !/password|secret/i.test(key)));
}

export function describeAction(action: Action, observed: ObservedInstance): string {
  switch (action.kind) {
    case 'complete-step':
      return `remove the ${action.step} tag: what the step asked for is already visible in RDS`;
    case 'modify-settings': {
      const fields = Object.entries(withoutSecrets({ ...action.change })).map(
        ([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`,
      );
      return action.applyImmediately
        ? `ModifyDBInstance (apply immediately) with ${fields.join(' ')} to bring the instance to its plan, then mark ${action.step} as issued`
        : `ModifyDBInstance (at the next maintenance window) with ${fields.join(' ')}, then remove ${action.step}: RDS holds the change`;
    }
    case 'reboot':
      return action.requested
        ? `RebootDBInstance${action.forceFailover ? ' with failover' : ''}, as the update asked, then remove ${action.step}`
        : `RebootDBInstance, so the parameter group waiting for a reboot takes effect, then mark ${action.step} as issued`;
    case 'lift-deletion-protection':
      return `ModifyDBInstance DeletionProtection=false on ${action.resource}: RDS refuses to delete a protected instance`;
    case 'reset-master-password':
      return `ModifyDBInstance with the master password derived from the instance ID (not shown), then mark ${action.step} as issued`;
    case 'probe-master-login':
      return 'log in as the master user with the derived password: if RDS accepts it the step is complete; if not, the same poll issues the master password reset';
    case 'neutralise-users':
      return 'connect as the master user and remove the binding users that came with the restored data, then remove the tag';
    case 'ensure-extensions': {
      const names = (observed.tags[Tag.extensions] ?? '').split(':').filter(Boolean);
      return `create the extensions ${names.length ? names.join(', ') : '(none listed)'} if missing, then remove the tag`;
    }
    case 'delete':
      return `DeleteDBInstance ${observed.tags[Tag.skipFinalSnapshot] === 'true' ? 'without a final snapshot (SkipFinalSnapshot tag)' : 'with a final snapshot'}`;
    case 'create-replica':
      return `CreateDBInstanceReadReplica ${action.resource} (${action.instanceClass}) of ${observed.identifier}; the step is done when every replica is available and replicating`;
    case 'delete-replica':
      return `DeleteDBInstance ${action.resource} without a final snapshot (a read replica has none)`;
    case 'rollback-plan':
      return `put the Plan ID tag back to ${observed.tags[Tag.previousPlanId] ?? 'the previous plan'} and remove ${action.step}: RDS did not carry out the plan change`;
  }
}

/** The facts behind a decision, as an operator would check them in the console. */
export function decisionFacts(observed: ObservedInstance, now: Date, settleSeconds: number): string[] {
  const facts: string[] = [`RDS status: ${observed.status} (${statusPhase(observed.status)})`];
  facts.push(
    observed.pendingModifications.length > 0
      ? `RDS has yet to apply: ${observed.pendingModifications.join(', ')}`
      : 'no pending modified values',
  );
  const group = observed.parameterGroups[0];
  if (group) facts.push(`parameter group ${group.name}: ${group.applyStatus}`);
  for (const replica of observed.replicas ?? []) {
    const lag = replica.replication?.message ? ` (${replica.replication.message})` : '';
    facts.push(
      `read replica ${replica.identifier}: ${replica.status}, replication ${replica.replication?.status ?? 'not reported'}${lag}${replica.tags[Tag.replicaOf] ? '' : '; not made by the broker (no Replica Of tag)'}`,
    );
  }
  const steps = allPendingSteps(observed.tags);
  const first = steps[0];
  if (!first) {
    facts.push('no step tag is pending');
  } else if (first.startedAt) {
    const age = secondsBetween(first.startedAt, now);
    const settling = first.step !== Step.delete && age < settleSeconds;
    facts.push(
      `first pending step ${first.step} was issued ${humanDuration(age)} ago${settling ? `; RDS gets ${settleSeconds}s to show the change before the broker issues it again` : ''}`,
    );
  } else {
    facts.push(`first pending step ${first.step} has not been issued yet`);
  }
  return facts;
}

export function nextPoll(decision: Decision, observed: ObservedInstance, now: Date, settleSeconds: number): NextPoll {
  const action = decision.action;
  return {
    state: decision.state,
    description: decision.description,
    ...(decision.retryAfterSeconds !== undefined ? { retryAfterSeconds: decision.retryAfterSeconds } : {}),
    action: action
      ? {
          kind: action.kind,
          step: action.step,
          alias: aliasOf(action.step),
          synchronous: !ASYNC_ACTIONS.has(action.kind),
          ...(action.kind === 'modify-settings' ? { change: withoutSecrets({ ...action.change }) } : {}),
        }
      : null,
    what: action ? describeAction(action, observed) : null,
    why: decisionFacts(observed, now, settleSeconds),
  };
}

export interface InspectInput {
  config: Pick<Config, 'catalog'>;
  instanceId: string;
  observed: ObservedInstance;
  /** Why the broker will not act on this instance, if it will not (then decision is unused). */
  ownershipProblem?: string;
  decision: Decision;
  now: Date;
  settleSeconds: number;
  /** The instance's events as DescribeEvents gave them, or why they could not be read. */
  events?: Array<{ Date?: Date; EventCategories?: string[]; Message?: string }> | { unavailable: string };
}

function recentEvents(events: InspectInput['events']): InspectReport['recentEvents'] {
  if (events === undefined) return { hours: EVENT_HOURS, unavailable: 'not read' };
  if (!Array.isArray(events)) return { hours: EVENT_HOURS, unavailable: events.unavailable };
  return {
    hours: EVENT_HOURS,
    events: events.slice(-EVENTS_SHOWN).map((e) => ({
      at: e.Date?.toISOString() ?? '',
      categories: e.EventCategories ?? [],
      message: e.Message ?? '',
    })),
  };
}

export function inspectReport(input: InspectInput): InspectReport {
  const { observed, now } = input;
  const tags = observed.tags;
  const plan = planById(input.config, tags[Tag.planId]);
  const identity = Object.fromEntries(
    Object.entries(tags)
      .filter(([key]) => !STEP_TAGS.has(key) && key !== Tag.skippedSteps)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const decision: Decision = input.ownershipProblem ? { state: 'failed', description: input.ownershipProblem } : input.decision;
  return {
    instanceId: input.instanceId,
    identifier: observed.identifier,
    arn: observed.arn,
    ownership: input.ownershipProblem ? { ok: false, problem: input.ownershipProblem } : { ok: true },
    plan: plan
      ? { id: plan.plan.id, name: plan.plan.name, service: plan.service.name }
      : { id: tags[Tag.planId] ?? null, name: null, service: null },
    tenant: tenantKey(tenantFromTags(tags)) ?? null,
    operation: operationView(observed, now),
    observed: {
      status: observed.status,
      engine: observed.engine,
      engineVersion: observed.engineVersion,
      instanceClass: observed.instanceClass,
      allocatedStorage: observed.allocatedStorage,
      storageType: observed.storageType ?? null,
      multiAz: observed.multiAz,
      pendingModifications: observed.pendingModifications,
      parameterGroups: observed.parameterGroups,
      endpoint: observed.endpoint ?? null,
      backupRetentionPeriod: observed.backupRetentionPeriod,
      preferredBackupWindow: observed.preferredBackupWindow ?? null,
      preferredMaintenanceWindow: observed.preferredMaintenanceWindow ?? null,
      createdAt: observed.createdAt?.toISOString() ?? null,
    },
    tags: {
      identity,
      pendingSteps: pendingStepViews(tags),
      skippedSteps: decodeSkipped(tags[Tag.skippedSteps]).map((s) => ({ step: s.step, at: s.at.toISOString(), reason: s.reason })),
    },
    nextPoll: nextPoll(decision, observed, now, input.settleSeconds),
    recentEvents: recentEvents(input.events),
  };
}

export function renderInspect(report: InspectReport, now: Date): string {
  const o = report.observed;
  const operation = report.operation
    ? `${report.operation.kind}, started ${report.operation.startedAt}${report.operation.runningSeconds !== undefined ? `, running for ${humanDuration(report.operation.runningSeconds)}` : ', finished'}`
    : '(no Operation tag)';
  const sections: string[] = [];
  sections.push(
    `Instance ${report.instanceId}\n${renderFields([
      ['RDS identifier', report.identifier],
      [
        'Plan',
        report.plan.name
          ? `${report.plan.name} (service ${report.plan.service}, ${report.plan.id})`
          : report.plan.id
            ? `unknown plan ${report.plan.id}`
            : '(no Plan ID tag)',
      ],
      ['Tenant', report.tenant ?? '(unknown)'],
      ['Operation', operation],
      ...(report.ownership.ok ? [] : ([['NOT ACTED ON', report.ownership.problem]] as Array<[string, string]>)),
    ])}`,
  );
  sections.push(
    `Observed in RDS\n${renderFields([
      ['Status', o.status],
      [
        'Engine',
        `${o.engine} ${o.engineVersion}, ${o.instanceClass}, ${o.allocatedStorage} GB${o.storageType ? ` ${o.storageType}` : ''}${o.multiAz ? ', Multi-AZ' : ''}`,
      ],
      ['Pending modifications', o.pendingModifications.length ? o.pendingModifications.join(', ') : 'none'],
      ['Parameter group', o.parameterGroups.length ? o.parameterGroups.map((g) => `${g.name} (${g.applyStatus})`).join(', ') : 'none'],
      ['Endpoint', o.endpoint ? `${o.endpoint.address}:${o.endpoint.port}` : 'none yet'],
      ['Backups', `retained ${o.backupRetentionPeriod} days${o.preferredBackupWindow ? `, window ${o.preferredBackupWindow}` : ''}`],
    ])}`,
  );
  const identity = Object.entries(report.tags.identity);
  sections.push(`Tags\n${identity.length ? renderFields(identity) : '  (none)'}`);
  const steps = report.tags.pendingSteps;
  sections.push(
    `Pending steps, in the order the broker takes them\n${
      steps.length
        ? steps
            .map(
              (s, i) =>
                `  ${i + 1}. ${s.step} (${s.alias})${s.issuedAt ? `: issued ${humanDuration(secondsBetween(new Date(s.issuedAt), now))} ago` : ': not issued yet'}`,
            )
            .join('\n')
        : '  none'
    }`,
  );
  if (report.tags.skippedSteps.length) {
    sections.push(
      `Skipped by operators, newest first\n${report.tags.skippedSteps.map((s) => `  ${s.step} at ${s.at}: ${s.reason}`).join('\n')}`,
    );
  }
  const recent = report.recentEvents;
  sections.push(
    `RDS events, last ${recent.hours} hours${'events' in recent && recent.events.length === EVENTS_SHOWN ? ` (the newest ${EVENTS_SHOWN})` : ''}\n${
      'unavailable' in recent
        ? `  (not available: ${recent.unavailable})`
        : recent.events.length
          ? recent.events.map((e) => `  ${e.at}  [${e.categories.join(', ')}] ${e.message}`).join('\n')
          : '  none'
    }`,
  );
  const next = report.nextPoll;
  sections.push(
    `Next poll (decided now, not performed)\n${renderFields([
      ['State', next.state],
      ['Description', next.description],
      [
        'Action',
        next.action
          ? `${next.action.kind} (${next.action.step}, ${next.action.synchronous ? 'synchronous: the same poll may take further steps' : 'asynchronous: ends the poll'})`
          : 'none: the poll changes nothing',
      ],
      ...(next.what ? ([['Does', next.what]] as Array<[string, string]>) : []),
      ...(next.retryAfterSeconds !== undefined && next.state === 'in progress'
        ? ([['Retry after', `${next.retryAfterSeconds}s`]] as Array<[string, string]>)
        : []),
    ])}\n  Because:\n${next.why.map((fact) => `    - ${fact}`).join('\n')}`,
  );
  return sections.join('\n\n');
}
