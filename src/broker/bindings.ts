import { bindingPassword, bindingUsername, secretById } from '../naming/derive.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { Tag } from '../reconcile/tags.js';
import type { BindingUserInfo, DatabaseTarget } from '../sql/types.js';
import {
  badRequest,
  BrokerError,
  concurrencyError,
  conflict,
  gone,
  notFound,
  type BindRequest,
  type BindingLastOperationRequest,
  type BrokerResponse,
  type FetchBindingRequest,
  type UnbindRequest,
} from './contract.js';
import { databaseTarget, newestSecret, type BrokerDeps } from './deps.js';
import { ownInstanceFor } from './presence.js';
import { bindingCredentials, bindingEndpoints } from './credentials.js';
import { planById } from './plans.js';
import { databaseNameOf, onDatabase } from './database-errors.js';
import { runningOperation } from './update.js';
import { reconcilePass } from './operate.js';
import { hasPendingWork, phase } from '../reconcile/phase.js';
import { servingReplicas } from './replicas.js';

interface Ready {
  observed: ObservedInstance;
  target: DatabaseTarget;
}

async function readyInstance(deps: BrokerDeps, instanceId: string): Promise<Ready> {
  let observed = await ownInstanceFor(deps, instanceId, 'bind');
  if (phase(observed) === 'busy' && hasPendingWork(observed)) {
    // Steps that only wait for the broker (a credential repair RDS has applied) finish now, as a
    // poll would; a bind never starts anything RDS carries out.
    const pass = await reconcilePass(deps, observed, instanceId, { synchronousOnly: true });
    if (pass.decision.state === 'succeeded' && pass.observed) observed = pass.observed;
  }
  const running = runningOperation(observed);
  if (running || !observed.endpoint)
    throw concurrencyError(`the instance is not ready for bindings: ${running ?? 'it has no endpoint yet'}`);
  return { observed, target: databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed)) };
}

function answer(
  deps: BrokerDeps,
  ready: Ready,
  instanceId: string,
  bindingId: string,
  user: BindingUserInfo,
  status: 200 | 201,
): BrokerResponse {
  const secret = secretById(deps.config.broker.derivationSecrets, user.secretId);
  if (!secret) throw new BrokerError(500, 'the secret this binding was created with is no longer configured');
  const { observed, target } = ready;
  const plan = planById(deps.config, observed.tags[Tag.planId]);
  if (!plan) throw new BrokerError(422, `the plan in tag "${Tag.planId}" is not in the catalog; ask an operator`);
  const credentials = bindingCredentials({
    engine: target.engine,
    host: target.host,
    port: target.port,
    database: target.database,
    username: user.username,
    password: bindingPassword(secret, instanceId, bindingId),
    plan: plan.plan,
    ...(deps.databaseCaPem ? { caPem: deps.databaseCaPem } : {}),
    replicas: servingReplicas(observed),
  });
  // endpoints only where the operator opted in: see bindingEndpoints in the configuration schema.
  const endpoints =
    (plan.plan.bindingEndpoints ?? plan.service.bindingEndpoints) ? { endpoints: bindingEndpoints(target.host, target.port) } : {};
  return { status, body: { credentials, ...endpoints, metadata: {} } };
}

export async function bind(deps: BrokerDeps, request: BindRequest): Promise<BrokerResponse> {
  const ready = await readyInstance(deps, request.instanceId);
  const username = bindingUsername(request.bindingId);
  let readOnly = request.parameters.read_only === true;
  return onDatabase(async () => {
    if (request.predecessorBindingId !== undefined) {
      const predecessor = await deps.sql.findBindingUser(ready.target, bindingUsername(request.predecessorBindingId));
      if (!predecessor || (predecessor.bindingId !== undefined && predecessor.bindingId !== request.predecessorBindingId)) {
        throw badRequest(`predecessor binding ${request.predecessorBindingId} does not exist on this service instance`);
      }
      // A successor has exactly its predecessor's access.
      if (request.parameters.read_only !== undefined && request.parameters.read_only !== predecessor.readOnly) {
        throw badRequest('read_only of a rotated binding is inherited from its predecessor and cannot differ');
      }
      readOnly = predecessor.readOnly;
    }
    const existing = await deps.sql.findBindingUser(ready.target, username);
    if (existing && existing.readOnly !== readOnly) throw conflict('the binding already exists with different parameters');
    const secret = existing
      ? (secretById(deps.config.broker.derivationSecrets, existing.secretId) ?? newestSecret(deps))
      : newestSecret(deps);
    const spec = {
      username,
      password: bindingPassword(secret, request.instanceId, request.bindingId),
      readOnly,
      secretId: secret.id,
      bindingId: request.bindingId,
    };
    // Also on a repeat: repairs a role a crash left half-made, and changes nothing otherwise.
    await deps.sql.ensureBindingUser(ready.target, spec);
    return answer(
      deps,
      ready,
      request.instanceId,
      request.bindingId,
      { username, readOnly, secretId: secret.id, bindingId: request.bindingId },
      existing ? 200 : 201,
    );
  });
}

export async function unbind(deps: BrokerDeps, request: UnbindRequest): Promise<BrokerResponse> {
  const observed = await ownInstanceFor(deps, request.instanceId, 'unbind');
  if (!observed.endpoint) throw gone('the binding does not exist');
  const target = databaseTarget(deps, observed, request.instanceId, databaseNameOf(deps, observed));
  return onDatabase(async () => {
    const outcome = await deps.sql.dropBindingUser(target, bindingUsername(request.bindingId));
    if (outcome === 'absent') throw gone('the binding does not exist');
    return { status: 200, body: {} };
  });
}

export async function fetchBinding(deps: BrokerDeps, request: FetchBindingRequest): Promise<BrokerResponse> {
  const missing = () => notFound('the binding does not exist');
  const observed = await ownInstanceFor(deps, request.instanceId, 'fetch-binding');
  if (!observed.endpoint) throw missing();
  const ready: Ready = { observed, target: databaseTarget(deps, observed, request.instanceId, databaseNameOf(deps, observed)) };
  return onDatabase(async () => {
    const user = await deps.sql.findBindingUser(ready.target, bindingUsername(request.bindingId));
    if (!user) throw missing();
    return answer(deps, ready, request.instanceId, request.bindingId, user, 200);
  });
}

/** Bindings are synchronous; this answers for platforms that poll anyway. */
export async function bindingLastOperation(deps: BrokerDeps, request: BindingLastOperationRequest): Promise<BrokerResponse> {
  await fetchBinding(deps, request);
  return { status: 200, body: { state: 'succeeded', description: 'the binding exists' } };
}
