import type { ObservedInstance } from '../reconcile/observed.js';
import { BrokerError, gone, notFound } from './contract.js';
import { identifierOf, ownershipProblem, type BrokerDeps } from './deps.js';
import { replicaIdentifiersToObserve } from './replicas.js';

/**
 * Whether the broker has a service instance to act on, decided once for every endpoint: RDS has
 * none under its identifier (never created, deleted, deleted out of band), or has one this broker
 * cannot prove it owns (another broker's, tags removed), or has this broker's own.
 */
export type Presence =
  | { kind: 'own'; observed: ObservedInstance }
  | { kind: 'missing' }
  | { kind: 'foreign'; observed: ObservedInstance; problem: string };

export function presenceOf(deps: BrokerDeps, observed: ObservedInstance | undefined, instanceId: string): Presence {
  if (!observed) return { kind: 'missing' };
  const problem = ownershipProblem(deps, observed, instanceId);
  return problem ? { kind: 'foreign', observed, problem } : { kind: 'own', observed };
}

/** The endpoints, as the OSB spec tables them. `poll-deprovision`: last_operation with operation=deprovision. */
export type Endpoint = 'poll' | 'poll-deprovision' | 'fetch-instance' | 'update' | 'deprovision' | 'bind' | 'fetch-binding' | 'unbind';

/**
 * What each endpoint answers when there is no instance of this broker's to act on. From the spec:
 * last_operation 404 for an instance that does not exist, 410 only for an accepted deprovision
 * (the platform sends operation=deprovision, as the broker's 202 told it); GET instance and GET
 * binding 404; unbind and deprovision 410 for what does not exist. An instance that exists but is
 * not provably this broker's is refused with 422 where the request would change it (the platform
 * must not forget it as deleted), and does not exist for reads.
 */
const ANSWERS: Readonly<Record<Endpoint, { missing: number; foreign: number }>> = {
  poll: { missing: 404, foreign: 404 },
  'poll-deprovision': { missing: 410, foreign: 404 },
  'fetch-instance': { missing: 404, foreign: 404 },
  update: { missing: 404, foreign: 422 },
  deprovision: { missing: 410, foreign: 422 },
  bind: { missing: 404, foreign: 422 },
  'fetch-binding': { missing: 404, foreign: 404 },
  unbind: { missing: 410, foreign: 422 },
};

const MISSING_WORDS: Readonly<Record<Endpoint, string>> = {
  poll: 'the service instance does not exist',
  'poll-deprovision': 'the service instance has been deleted',
  'fetch-instance': 'the service instance does not exist',
  update: 'the service instance does not exist',
  deprovision: 'the service instance does not exist',
  bind: 'the service instance does not exist',
  'fetch-binding': 'the binding does not exist',
  unbind: 'the service instance does not exist, nor its bindings',
};

/** The one mapping from a presence that is not this broker's own instance to an OSB answer. Pure. */
export function absentAnswer(endpoint: Endpoint, presence: Exclude<Presence, { kind: 'own' }>): BrokerError {
  const status = ANSWERS[endpoint][presence.kind];
  const description = presence.kind === 'missing' ? MISSING_WORDS[endpoint] : presence.problem;
  if (status === 410) return gone(description);
  if (status === 404)
    return notFound(presence.kind === 'missing' ? description : `the service instance does not exist here: ${description}`);
  return new BrokerError(status, description);
}

/** Endpoints that act on the instance's read replicas whatever is pending: they are read with it. */
const NEEDS_REPLICAS: ReadonlySet<Endpoint> = new Set(['bind', 'fetch-binding', 'update', 'deprovision']);

/** The instance with the read replicas the endpoint needs, in one read (src/aws/group-read.ts). */
export function observeInstance(deps: BrokerDeps, instanceId: string, endpoint: Endpoint): Promise<ObservedInstance | undefined> {
  const always = NEEDS_REPLICAS.has(endpoint);
  return deps.rds.describeGroup(identifierOf(deps, instanceId), (primary) => replicaIdentifiersToObserve(primary, always));
}

/** This broker's instance for `instanceId`, or the endpoint's answer for its absence (thrown). */
export async function ownInstanceFor(deps: BrokerDeps, instanceId: string, endpoint: Endpoint): Promise<ObservedInstance> {
  const presence = presenceOf(deps, await observeInstance(deps, instanceId, endpoint), instanceId);
  if (presence.kind !== 'own') throw absentAnswer(endpoint, presence);
  return presence.observed;
}
