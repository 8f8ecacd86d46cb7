import { userInfo } from 'node:os';
import type { BrokerDeps } from '../broker/deps.js';
import { reconcileInstance } from '../broker/operate.js';
import type { Decision } from '../reconcile/reconcile.js';
import { parseStep, Tag, type StepTag } from '../reconcile/tags.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { renderFields } from './format.js';
import { nextPoll, type NextPoll } from './inspect.js';
import { pendingStepViews, type PendingStepView } from './rows.js';
import { recordSkip } from './skipped.js';
import { aliasOf, skipConsequence, tagsRemovedBySkip } from './steps.js';
import { Refusal, type FoundInstance } from './session.js';

/**
 * The escape hatch: run an instance's next step now, or skip a step an operator has dealt with by
 * hand. Both refuse instances this broker does not own, exactly as a poll would.
 */

function requireOwned(found: FoundInstance): void {
  if (found.problem) throw new Refusal(`refusing to act: ${found.problem}`);
}

/** Who ran the tool, for the log; absent where the system cannot say. */
function operatorName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

export interface SkipResult {
  instanceId: string;
  identifier: string;
  step: StepTag;
  alias: string;
  skippedAt: string;
  /** The reason as recorded in the Skipped Steps tag (cleaned to what tags allow, maybe shortened). */
  recordedReason: string;
  reasonShortened: boolean;
  /** Tags removed: the step's own, and Previous Plan ID with the settings step. */
  removedTags: string[];
  consequence: string;
  pendingSteps: PendingStepView[];
  /** What the next poll would do now, decided on the instance without the skipped step. */
  nextPoll: NextPoll;
}

function withTags(observed: ObservedInstance, add: Record<string, string>, remove: string[]): ObservedInstance {
  const tags: Record<string, string> = { ...observed.tags, ...add };
  for (const key of remove) delete tags[key];
  return { ...observed, tags };
}

export async function skipStep(deps: BrokerDeps, found: FoundInstance, step: StepTag, reason: string): Promise<SkipResult> {
  requireOwned(found);
  const { observed, instanceId } = found;
  if (!parseStep(step, observed.tags[step])) {
    const pending = pendingStepViews(observed.tags);
    throw new Refusal(
      `${step} (${aliasOf(step)}) is not pending on ${instanceId}; ${pending.length ? `pending: ${pending.map((s) => `${s.step} (${s.alias})`).join(', ')}` : 'no step is pending'}`,
    );
  }
  const now = deps.now();
  const record = recordSkip(observed.tags[Tag.skippedSteps], step, now, reason);
  const removed = tagsRemovedBySkip(step, observed.tags);
  // The record first: a failure between the two calls leaves the step pending and the reason
  // written, and running the same skip again completes it.
  await deps.rds.addTags(observed.arn, { [Tag.skippedSteps]: record.value });
  await deps.rds.removeTags(observed.arn, removed);
  const user = operatorName();
  deps.log.warn(
    { instanceId, identifier: observed.identifier, step, reason, removedTags: removed, ...(user ? { operator: user } : {}) },
    `operator skipped pending step ${step}`,
  );
  const after = withTags(observed, { [Tag.skippedSteps]: record.value }, removed);
  const decision = await reconcileInstance(deps, after, instanceId, { dryRun: true });
  return {
    instanceId,
    identifier: observed.identifier,
    step,
    alias: aliasOf(step),
    skippedAt: now.toISOString(),
    recordedReason: record.recordedReason,
    reasonShortened: record.shortened,
    removedTags: removed,
    consequence: skipConsequence(step),
    pendingSteps: pendingStepViews(after.tags),
    nextPoll: nextPoll(decision, after, now, deps.settleSeconds),
  };
}

export interface RetryResult {
  instanceId: string;
  identifier: string;
  /** What the poll was expected to do, decided just before it ran. */
  planned: NextPoll;
  /** What the poll answered, as last_operation would have. */
  result: { state: Decision['state']; description: string; retryAfterSeconds?: number };
  /** The pending steps RDS shows after the poll. */
  pendingSteps: PendingStepView[];
  statusAfter: string | null;
}

export async function retryStep(deps: BrokerDeps, found: FoundInstance): Promise<RetryResult> {
  requireOwned(found);
  const { observed, instanceId } = found;
  const planned = nextPoll(await reconcileInstance(deps, observed, instanceId, { dryRun: true }), observed, deps.now(), deps.settleSeconds);
  const decision = await reconcileInstance(deps, observed, instanceId);
  deps.log.info(
    { instanceId, state: decision.state, description: decision.description, ...(operatorName() ? { operator: operatorName() } : {}) },
    'operator ran a reconcile pass',
  );
  const after = await deps.rds.describeInstance(observed.identifier);
  return {
    instanceId,
    identifier: observed.identifier,
    planned,
    result: {
      state: decision.state,
      description: decision.description,
      ...(decision.retryAfterSeconds !== undefined ? { retryAfterSeconds: decision.retryAfterSeconds } : {}),
    },
    pendingSteps: after ? pendingStepViews(after.tags) : [],
    statusAfter: after?.status ?? null,
  };
}

const stepList = (steps: readonly PendingStepView[]) => (steps.length ? steps.map((s) => `${s.step} (${s.alias})`).join(', ') : 'none');

export function renderSkip(result: SkipResult): string {
  return [
    `Skipped ${result.step} (${result.alias}) on ${result.instanceId} (${result.identifier}).`,
    renderFields([
      [
        'Recorded',
        `tag "${Tag.skippedSteps}": ${result.recordedReason}${result.reasonShortened ? ' (shortened to fit the tag; the log has it whole)' : ''}`,
      ],
      ['Removed tags', result.removedTags.join(', ')],
      ['Consequence', result.consequence],
      ['Still pending', stepList(result.pendingSteps)],
      [
        'Next poll',
        `${result.nextPoll.state}: ${result.nextPoll.description}${result.nextPoll.action ? ` (action ${result.nextPoll.action.kind})` : ''}`,
      ],
    ]),
  ].join('\n');
}

export function renderRetry(result: RetryResult): string {
  const planned = result.planned;
  return [
    `Ran a reconcile pass on ${result.instanceId} (${result.identifier}).`,
    renderFields([
      [
        'Planned',
        planned.action ? `${planned.action.kind} (${planned.action.step}): ${planned.what ?? ''}` : `no action: ${planned.description}`,
      ],
      ['Answer', `${result.result.state}: ${result.result.description}`],
      ['RDS status', result.statusAfter ?? 'the instance is gone'],
      ['Still pending', stepList(result.pendingSteps)],
    ]),
  ].join('\n');
}
