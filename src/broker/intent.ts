import type { ObservedInstance } from '../reconcile/observed.js';
import type { Decision } from '../reconcile/reconcile.js';
import type { BrokerDeps } from './deps.js';
import { reconcileInstance } from './operate.js';

/**
 * How a request changes an instance: it records what it wants as tags (desired state and pending
 * steps), then runs the same reconcile pass a poll runs, at once. Reconcile alone decides what that
 * means for RDS and the database; the performer carries it out.
 *
 * When the pass's first action is refused there and then (RDS says no, the database says no), the
 * tags are put back as they were and the error goes to the caller, which answers with the reason:
 * a request that changed nothing leaves nothing behind.
 */
export async function recordAndReconcile(
  deps: BrokerDeps,
  observed: ObservedInstance,
  instanceId: string,
  wanted: Record<string, string>,
  /** Which errors of the first action mean "refused, undo the request" (default: any). */
  isRefusal: (error: unknown) => boolean = () => true,
): Promise<Decision> {
  await deps.rds.addTags(observed.arn, wanted);
  const recorded: ObservedInstance = { ...observed, tags: { ...observed.tags, ...wanted } };
  try {
    return await reconcileInstance(deps, recorded, instanceId, { throwFirstRefusal: isRefusal });
  } catch (error) {
    await putBack(deps, observed, Object.keys(wanted)).catch((rollbackError: unknown) => {
      // The original error is the answer; the tags left behind are finished or undone by the next pass.
      deps.log.warn({ instanceId, err: (rollbackError as Error).message }, 'could not put the tags back after a refused request');
    });
    throw error;
  }
}

/** Restores the given tag keys to what the observation showed before the request wrote them. */
async function putBack(deps: BrokerDeps, before: ObservedInstance, keys: readonly string[]): Promise<void> {
  const restore: Record<string, string> = {};
  const remove: string[] = [];
  for (const key of keys) {
    const old = before.tags[key];
    if (old === undefined) remove.push(key);
    else restore[key] = old;
  }
  await deps.rds.addTags(before.arn, restore);
  await deps.rds.removeTags(before.arn, remove);
}
