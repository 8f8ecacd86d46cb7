import { RdsError } from '../aws/errors.js';
import { SqlError } from '../sql/errors.js';
import { RetryAfter } from '../reconcile/retry-after.js';
import { masterPassword } from '../naming/derive.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { ASYNC_ACTIONS, reconcile, type Action, type Decision, type ReconcileInput } from '../reconcile/reconcile.js';
import { decodeOperation, startedValue, Step, Tag, type OperationKind } from '../reconcile/tags.js';
import { databaseTarget, newestSecret, type BrokerDeps } from './deps.js';
import { failpoint } from './failpoints.js';
import { deleteOptions } from './deletion.js';
import { decodeRequested, planById } from './plans.js';
import { databaseNameOf } from './database-errors.js';
import { transientDecision } from './transient.js';
import { decodeExtensions, desiredWithExtensions } from './extensions.js';

/** Builds reconcile's input from one observation: the plan's desired settings come from the tags. */
export function reconcileInput(
  deps: BrokerDeps,
  observed: ObservedInstance | undefined,
  operation: OperationKind | undefined,
  facts: ReconcileInput['facts'],
): ReconcileInput {
  const input: ReconcileInput = { observed, facts, settleSeconds: deps.settleSeconds, ...(operation ? { operation } : {}) };
  if (!observed) return input;
  const requested = decodeRequested(observed.tags[Tag.requestedSettings]);
  const extensions = decodeExtensions(observed.tags[Tag.extensions]);
  const plan = planById(deps.config, observed.tags[Tag.planId]);
  if (plan) input.desired = desiredWithExtensions(plan.plan, requested, extensions);
  const previous = planById(deps.config, observed.tags[Tag.previousPlanId]);
  if (previous) input.previousDesired = desiredWithExtensions(previous.plan, requested, extensions);
  return input;
}

function withoutTag(observed: ObservedInstance, ...keys: string[]): ObservedInstance {
  const tags = { ...observed.tags };
  for (const key of keys) delete tags[key];
  return { ...observed, tags };
}

/** Performs one action. Returns the observation updated with a synchronous action's known effect. */
async function perform(
  deps: BrokerDeps,
  observed: ObservedInstance,
  instanceId: string,
  action: Action,
  facts: ReconcileInput['facts'],
): Promise<ObservedInstance> {
  const { rds, sql } = deps;
  const started = { [action.step]: startedValue(deps.now()) };
  switch (action.kind) {
    case 'complete-step': {
      const keys = action.step === Step.updateSettings ? [action.step, Tag.previousPlanId] : [action.step];
      const present = keys.filter((k) => observed.tags[k] !== undefined);
      failpoint(`before:complete-step:${action.step}`);
      await rds.removeTags(observed.arn, present);
      return withoutTag(observed, ...present);
    }
    case 'modify-settings':
      await rds.modifyInstance({ DBInstanceIdentifier: observed.identifier, ApplyImmediately: true, ...action.change });
      failpoint(`after:${action.kind}`);
      await rds.addTags(observed.arn, started);
      return observed;
    case 'reboot':
      await rds.rebootInstance(observed.identifier);
      failpoint(`after:${action.kind}`);
      await rds.addTags(observed.arn, started);
      return observed;
    case 'reset-master-password': {
      const secret = newestSecret(deps);
      await rds.modifyInstance({
        DBInstanceIdentifier: observed.identifier,
        ApplyImmediately: true,
        MasterUserPassword: masterPassword(secret, instanceId),
      });
      failpoint(`after:${action.kind}`);
      await rds.addTags(observed.arn, { ...started, [Tag.masterSecretId]: secret.id });
      return observed;
    }
    case 'probe-master-login': {
      const target = databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed));
      const ok = await sql.canLogin(target, target.masterUsername, target.masterPassword).catch((error: unknown) => {
        if (error instanceof SqlError && error.kind === 'tls') throw error;
        return false;
      });
      facts.masterLogin = ok ? 'ok' : 'refused';
      return observed;
    }
    case 'neutralise-users': {
      const target = databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed));
      const dropped = await sql.neutraliseBindingUsers(target, []);
      deps.log.info({ instanceId, dropped: dropped.length }, 'removed the source database binding users');
      failpoint(`after:${action.kind}`);
      await rds.removeTags(observed.arn, [action.step]);
      return withoutTag(observed, action.step);
    }
    case 'ensure-extensions': {
      const target = databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed));
      const names = decodeExtensions(observed.tags[Tag.extensions]);
      await sql.ensureExtensions(target, names);
      failpoint(`after:${action.kind}`);
      await rds.removeTags(observed.arn, [action.step]);
      return withoutTag(observed, action.step);
    }
    case 'delete': {
      // Marked first: a crash after the delete must not lead a later poll to delete again at once.
      await rds.addTags(observed.arn, { ...started, [Tag.deletedAt]: deps.now().toISOString() });
      await rds.deleteInstance(observed.identifier, deleteOptions(observed, deps.now()));
      return observed;
    }
    case 'rollback-plan': {
      const previous = observed.tags[Tag.previousPlanId];
      if (previous) await rds.addTags(observed.arn, { [Tag.planId]: previous });
      await rds.removeTags(observed.arn, [Tag.previousPlanId, action.step]);
      return withoutTag(observed, Tag.previousPlanId, action.step);
    }
  }
}

export interface ReconcileOptions {
  operation?: OperationKind;
  /** Decide only: report the decision without performing it (operator tools). */
  dryRun?: boolean;
  maxActions?: number;
}

/**
 * One reconcile pass over an observed instance: decide, perform the action, and — after a
 * synchronous action — decide again on the updated observation, so quick steps run back to back
 * within one poll. An asynchronous action (anything RDS carries out) ends the pass.
 */
export async function reconcileInstance(
  deps: BrokerDeps,
  observed: ObservedInstance | undefined,
  instanceId: string,
  options: ReconcileOptions = {},
): Promise<Decision> {
  const operation = options.operation ?? decodeOperation(observed?.tags[Tag.operation])?.kind;
  const facts: ReconcileInput['facts'] = {};
  let current = observed;
  for (let i = 0; i < (options.maxActions ?? 12); i++) {
    const decision = reconcile(reconcileInput(deps, current, operation, facts), deps.now());
    if (!decision.action || options.dryRun || !current) return decision;
    try {
      current = await perform(deps, current, instanceId, decision.action, facts);
    } catch (error) {
      const transient = transientDecision(error);
      deps.log.warn(
        { instanceId, action: decision.action.kind, err: error instanceof Error ? error.message : String(error) },
        'reconcile action did not complete',
      );
      if (transient) return transient;
      if (error instanceof RdsError)
        return {
          state: 'in progress',
          description: `RDS refused ${decision.action.kind}: ${error.code}; the broker will retry`,
          retryAfterSeconds: RetryAfter.rdsRefused,
        };
      throw error;
    }
    deps.log.info({ instanceId, action: decision.action.kind, step: decision.action.step }, 'reconcile action performed');
    if (ASYNC_ACTIONS.has(decision.action.kind) || decision.state !== 'in progress') return decision;
  }
  return { state: 'in progress', description: 'working', retryAfterSeconds: RetryAfter.passLimit };
}
