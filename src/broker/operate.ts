import { RdsError } from '../aws/errors.js';
import { RetryAfter } from '../reconcile/retry-after.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { ASYNC_ACTIONS, reconcile, type Decision, type ReconcileInput } from '../reconcile/reconcile.js';
import { currentStep } from '../reconcile/phase.js';
import { decodeOperation, Tag, type OperationKind } from '../reconcile/tags.js';
import type { BrokerDeps } from './deps.js';
import { decodeRequested, planById } from './plans.js';
import { transientDecision } from './transient.js';
import { decodeExtensions, desiredWithExtensions } from './extensions.js';
import { perform } from './perform.js';
import { replicaInstanceClass, replicaSlots } from './replicas.js';
import { wantedReplicas } from '../reconcile/replicas.js';

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
  if (plan) {
    input.desired = desiredWithExtensions(plan.plan, requested, extensions);
    input.replicaInstanceClass = replicaInstanceClass(plan.plan);
  }
  input.replicaSlots = replicaSlots(observed.identifier, wantedReplicas(observed.tags));
  const previous = planById(deps.config, observed.tags[Tag.previousPlanId]);
  if (previous) input.previousDesired = desiredWithExtensions(previous.plan, requested, extensions);
  return input;
}

export interface ReconcileOptions {
  operation?: OperationKind;
  /** Decide only: report the decision without performing it (operator tools). */
  dryRun?: boolean;
  maxActions?: number;
  /**
   * The pass a request runs on the tags it has just written: an action refused before any action of
   * the pass took effect is thrown to the caller, which removes those tags and answers with RDS's
   * (or the database's) reason — a request RDS refuses at once leaves nothing behind. The predicate
   * says which errors count as such a refusal; the others are answered as a poll answers them.
   */
  throwFirstRefusal?: (error: unknown) => boolean;
  /** Perform only synchronous actions (SQL, tags, probes): stop before anything RDS would carry out. */
  synchronousOnly?: boolean;
}

/** What a pass ended with: the decision to answer, and the observation updated with the known effects of its actions. */
export interface PassResult {
  decision: Decision;
  observed: ObservedInstance | undefined;
}

/** Tells the metrics where an instance's operation stands after a pass (or a poll that found it gone). */
export function reportPass(
  deps: BrokerDeps,
  instanceId: string,
  observed: ObservedInstance | undefined,
  operation: OperationKind | undefined,
  state: Decision['state'],
): void {
  const recorded = decodeOperation(observed?.tags[Tag.operation]);
  deps.onPassEnd?.({
    instanceId,
    kind: operation ?? recorded?.kind ?? 'other',
    step: currentStep(observed),
    ...(recorded ? { startedAt: recorded.at } : {}),
    state,
  });
}

/** One reconcile pass (see reconcilePass), answering its decision. */
export async function reconcileInstance(
  deps: BrokerDeps,
  observed: ObservedInstance | undefined,
  instanceId: string,
  options: ReconcileOptions = {},
): Promise<Decision> {
  return (await reconcilePass(deps, observed, instanceId, options)).decision;
}

/**
 * One reconcile pass over an observed instance: decide, perform the action, and — after a
 * synchronous action — decide again on the updated observation, so quick steps run back to back
 * within one poll. An asynchronous action (anything RDS carries out) ends the pass.
 */
export async function reconcilePass(
  deps: BrokerDeps,
  observed: ObservedInstance | undefined,
  instanceId: string,
  options: ReconcileOptions = {},
): Promise<PassResult> {
  const operation = options.operation ?? decodeOperation(observed?.tags[Tag.operation])?.kind;
  const facts: ReconcileInput['facts'] = {};
  let current = observed;
  let performed = 0;
  const end = (decision: Decision): PassResult => {
    if (!options.dryRun) {
      if (decision.state === 'in progress') deps.onInProgress?.(instanceId, decision.retryAfterSeconds ?? RetryAfter.fallback);
      reportPass(deps, instanceId, current, operation, decision.state);
    }
    return { decision, observed: current };
  };
  for (let i = 0; i < (options.maxActions ?? 12); i++) {
    const decision = reconcile(reconcileInput(deps, current, operation, facts), deps.now());
    if (!decision.action || options.dryRun || !current) return end(decision);
    if (options.synchronousOnly && ASYNC_ACTIONS.has(decision.action.kind)) return end(decision);
    try {
      current = await perform(deps, current, instanceId, decision.action, facts);
    } catch (error) {
      if (performed === 0 && options.throwFirstRefusal?.(error)) throw error;
      const transient = transientDecision(error);
      deps.log.warn(
        { instanceId, action: decision.action.kind, err: error instanceof Error ? error.message : String(error) },
        'reconcile action did not complete',
      );
      if (transient) return end(transient);
      if (error instanceof RdsError)
        return end({
          state: 'in progress',
          description: `RDS refused ${decision.action.kind}: ${error.code}; the broker will retry`,
          retryAfterSeconds: RetryAfter.rdsRefused,
        });
      throw error;
    }
    performed++;
    deps.log.info({ instanceId, action: decision.action.kind, step: decision.action.step }, 'reconcile action performed');
    if (ASYNC_ACTIONS.has(decision.action.kind) || decision.state !== 'in progress') return end(decision);
  }
  return end({ state: 'in progress', description: 'working', retryAfterSeconds: RetryAfter.passLimit });
}
