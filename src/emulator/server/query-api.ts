/**
 * One Query-protocol request, end to end: count it, throttle it, apply injected faults, run the
 * action, and wrap the result or the error in RDS's XML envelopes.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACTIONS } from '../api/dispatch.js';
import type { ActionContext } from '../api/context.js';
import { RdsError, internalFailure, throttling } from '../api/errors.js';
import { QueryParams } from '../api/query.js';
import { errorEnvelope, successEnvelope } from '../api/xml.js';
import type { Faults } from '../faults/faults.js';
import type { TokenBuckets } from '../faults/throttle.js';
import type { IamEnforcer } from '../iam/enforcer.js';
import type { Stats } from './stats.js';

export interface QueryApiDeps {
  context(): ActionContext;
  stats: Stats;
  throttle: TokenBuckets;
  faults: Faults;
  /** Evaluates every call against IAM policies when they are set. */
  iam?: IamEnforcer;
  accountId: string;
  region: string;
  log(line: string): void;
}

export interface QueryResponse {
  status: number;
  body: string;
  requestId: string;
}

const API_VERSION = '2014-10-31';

/** The region a SigV4 signature was made for (its credential scope); signatures are not verified. */
export function regionOfAuthorization(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/rds\/aws4_request/.exec(header);
  return match?.[1];
}

export class QueryApi {
  constructor(private readonly deps: QueryApiDeps) {}

  async handle(search: URLSearchParams, authorization: string | undefined): Promise<QueryResponse> {
    const requestId = randomUUID();
    const action = search.get('Action') ?? '';
    const { stats } = this.deps;
    stats.call(action || '(missing)');
    try {
      if (!action) throw new RdsError('MissingAction', 'The request must contain the parameter Action.');
      if (search.get('Version') !== API_VERSION) {
        throw new RdsError(
          'InvalidParameterValue',
          `Unsupported Version ${search.get('Version') ?? '(none)'}; this API is version ${API_VERSION}.`,
        );
      }
      const region = regionOfAuthorization(authorization) ?? this.deps.region;
      if (!this.deps.throttle.take(`${this.deps.accountId}/${region}`, Date.now())) throw throttling();
      const fault = this.deps.faults.match(action);
      if (fault && fault.latencyMs > 0) await sleep(fault.latencyMs);
      if (fault?.error) {
        const { code, status, message } = fault.error;
        throw new RdsError(code, message ?? `Injected fault: ${code}`, status);
      }
      const handler = ACTIONS.get(action);
      if (!handler) throw new RdsError('InvalidAction', `The action ${action} is not valid for this web service.`);
      const context = this.deps.context();
      const params = QueryParams.fromSearchParams(search);
      this.deps.iam?.authorize(action, params, authorization, context.store, context.now);
      const result = handler(context, params);
      return { status: 200, body: successEnvelope(action, result, requestId), requestId };
    } catch (err) {
      const error = err instanceof RdsError ? err : this.unexpected(action, err);
      stats.error(action || '(missing)', error.code);
      return { status: error.status, body: errorEnvelope(error.type, error.code, error.message, requestId), requestId };
    }
  }

  private unexpected(action: string, err: unknown): RdsError {
    // The parameters may hold passwords: log the action and the error only.
    this.deps.log(`${action} failed unexpectedly: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return internalFailure();
  }
}
