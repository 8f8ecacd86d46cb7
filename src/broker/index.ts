import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { RdsGateway } from '../aws/gateway.js';
import { budgetObserver, recordOperation, recordRdsCall, watchBudget } from '../metrics/metrics.js';
import { createSqlGateway } from '../sql/index.js';
import type { SqlGateway } from '../sql/types.js';
import { BudgetExhaustedError, withBudgetPriority, type BudgetPriority } from '../aws/budget.js';
import { RdsError } from '../aws/errors.js';
import { BrokerError, type Broker, type BrokerResponse } from './contract.js';
import type { BrokerDeps } from './deps.js';
import { bind, bindingLastOperation, fetchBinding, unbind } from './bindings.js';
import { DatabaseTlsWatch, watchDatabaseTls } from './database-tls.js';
import { deprovision, fetchInstance, lastOperation } from './instance-ops.js';
import { provision } from './provision.js';
import { update } from './update.js';

export interface RunningBroker extends Broker {
  /** Releases connections and timers; called on shutdown. */
  close(): Promise<void>;
  /** The wiring, for housekeeping and operator tools that run the same reconcile. */
  readonly deps: BrokerDeps;
}

export interface BrokerOptions {
  /** Seconds a just-issued asynchronous change may stay invisible before it is issued again (default 60). */
  settleSeconds?: number;
  sql?: SqlGateway;
  now?: () => Date;
}

/** AWS counts as reachable while it answered within this window (for /readyz); a database TLS failure is reported as long. */
const READY_WINDOW_MS = 5 * 60 * 1000;

export function readDatabaseCa(config: Config, log: Logger): string | undefined {
  const file = config.database.tls.caBundleFile;
  if (config.database.tls.allowPlaintext) {
    log.warn(
      'database.tls.allowPlaintext is set: the broker connects to databases WITHOUT TLS. Use it only where the network itself is trusted.',
    );
  }
  if (!file) return undefined;
  return readFileSync(file, 'utf8');
}

export function createDeps(config: Config, log: Logger, options: BrokerOptions = {}): BrokerDeps {
  const rds = new RdsGateway({
    region: config.aws.region,
    ...(config.aws.endpoint ? { endpoint: config.aws.endpoint } : {}),
    ...(config.aws.credentials ? { credentials: config.aws.credentials } : {}),
    retry: { maxAttempts: config.aws.maxAttempts, budgetMs: config.aws.retryBudgetMs, baseDelayMs: 100, maxDelayMs: 2000 },
    coalesce: config.aws.coalesce,
    budget: config.aws.budget,
    budgetObserver,
    onCall: recordRdsCall,
  });
  watchBudget(rds.budget);
  const caPem = readDatabaseCa(config, log);
  const now = options.now ?? (() => new Date());
  const databaseTls = new DatabaseTlsWatch();
  return {
    config,
    rds,
    sql: watchDatabaseTls(options.sql ?? createSqlGateway(), databaseTls, now),
    databaseTls,
    log,
    now,
    onPassEnd: recordOperation,
    ...(caPem ? { databaseCaPem: caPem } : {}),
    settleSeconds: options.settleSeconds ?? 60,
  };
}

/**
 * RDS still throttling or failing after the gateway's retries is a passing condition: the platform
 * may try again, so it gets a 503 that says so, never a 500 "internal error" (polls already answer
 * "in progress" for it). A call our own budget refused names the budget and when to come back.
 * `priority` is what the request's RDS calls draw on the budget as (src/aws/budget.ts).
 */
async function transientAs503(priority: BudgetPriority, work: () => Promise<BrokerResponse>): Promise<BrokerResponse> {
  try {
    return await withBudgetPriority(priority, work);
  } catch (error) {
    if (error instanceof BudgetExhaustedError)
      throw new BrokerError(503, error.message, undefined, {}, { 'Retry-After': String(error.retryAfterSeconds) });
    if (error instanceof RdsError && error.retryable) throw new BrokerError(503, `RDS is busy (${error.code}); try again shortly`);
    // The platform's user cannot fix this and should not see the broker's role ARN (it is in the log);
    // the answer names the permission so whoever operates the broker can.
    if (error instanceof RdsError && error.kind === 'denied') {
      throw new BrokerError(
        500,
        `RDS refused the broker's AWS identity (${error.code}) for rds:${error.action}; the broker's IAM policy or credentials must allow it (its operator can run rds-broker check)`,
      );
    }
    throw error;
  }
}

export async function createBroker(config: Config, log: Logger, options: BrokerOptions = {}): Promise<RunningBroker> {
  const deps = createDeps(config, log, options);
  let lastProbe = 0;
  return {
    deps,
    provision: (request) => transientAs503('request', () => provision(deps, request)),
    update: (request) => transientAs503('request', () => update(deps, request)),
    deprovision: (request) => transientAs503('request', () => deprovision(deps, request)),
    fetchInstance: (request) => transientAs503('poll', () => fetchInstance(deps, request)),
    lastOperation: (request) => transientAs503('poll', () => lastOperation(deps, request)),
    bind: (request) => transientAs503('request', () => bind(deps, request)),
    unbind: (request) => transientAs503('request', () => unbind(deps, request)),
    fetchBinding: (request) => transientAs503('poll', () => fetchBinding(deps, request)),
    bindingLastOperation: (request) => transientAs503('poll', () => bindingLastOperation(deps, request)),
    ready: () => {
      const fresh = deps.rds.sinceLastSuccess() < READY_WINDOW_MS;
      // Without recent traffic, readiness asks RDS itself, in the background, at most every 10 s.
      if (!fresh && Date.now() - lastProbe > 10_000) {
        lastProbe = Date.now();
        deps.rds.describeInstance('rds-broker-readiness-probe').catch(() => undefined);
      }
      return fresh;
    },
    // A TLS failure does not make the broker unready: readiness decides whether this replica gets
    // traffic, and every replica has the same CA bundle, so failing it would take them all out of
    // service and refuse the catalog, polls and deprovisions of every instance — those TLS never
    // touches included — while a restart fixes nothing. It is reported in the detail and a metric.
    databaseTls: () => deps.databaseTls?.recent(deps.now(), READY_WINDOW_MS),
    close: async () => {
      deps.rds.close();
    },
  };
}
