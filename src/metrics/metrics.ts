import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BudgetObserver, BudgetPriority, RequestBudget } from '../aws/budget.js';
import { OperationTracker, type OperationSighting } from './operations.js';

/**
 * The broker's Prometheus metrics. One registry of our own (never prom-client's global one), so
 * nothing a library registers globally can leak into /metrics or collide with our names.
 */
export const registry = new Registry();

// Process metrics keep their standard names (process_cpu_seconds_total, …) so stock dashboards work.
collectDefaultMetrics({ register: registry });
// Except three gauges prom-client names like counters (promtool check metrics: a gauge must not end
// in _total); each is the sum over `type` of the gauge without the suffix, which stays.
for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
  registry.removeSingleMetric(name);

export const httpRequestDuration = new Histogram({
  name: 'rds_broker_http_request_duration_seconds',
  help: 'HTTP requests served, by method, route template and status code.',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export type RdsCallOutcome = 'ok' | 'throttled' | 'error';

const rdsCalls = new Counter({
  name: 'rds_broker_rds_calls_total',
  help: 'Calls to the RDS API, by action and outcome (ok, throttled, error).',
  labelNames: ['action', 'outcome'] as const,
  registers: [registry],
});

const rdsCallDuration = new Histogram({
  name: 'rds_broker_rds_call_duration_seconds',
  help: 'Duration of calls to the RDS API, retries included, by action and outcome.',
  labelNames: ['action', 'outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

const rdsErrors = new Counter({
  name: 'rds_broker_rds_errors_total',
  help: 'RDS calls that failed, by action, outcome (throttled, error) and RDS error code.',
  labelNames: ['action', 'outcome', 'code'] as const,
  registers: [registry],
});

/**
 * An error code as a label value: RDS's codes are a bounded vocabulary of identifiers; anything else
 * (a message, a code the SDK made up from a stack) is folded into "other" so the series stay few.
 */
export function errorCodeLabel(code: string | undefined): string {
  return code && /^[A-Za-z][A-Za-z0-9_.]{0,63}$/.test(code) ? code : 'other';
}

/** Called by the AWS gateway once per HTTP call it makes to RDS (each retry is one), with RDS's error code when it failed. */
export function recordRdsCall(action: string, outcome: RdsCallOutcome, seconds: number, code?: string): void {
  rdsCalls.inc({ action, outcome });
  rdsCallDuration.observe({ action, outcome }, seconds);
  if (outcome !== 'ok') rdsErrors.inc({ action, outcome, code: errorCodeLabel(code) });
}

const budgetWait = new Histogram({
  name: 'rds_broker_rds_budget_wait_seconds',
  help: "Time an RDS call waited for a token of the broker's request budget, by priority (request, poll, background).",
  labelNames: ['priority'] as const,
  buckets: [0, 0.01, 0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 40, 60, 300],
  registers: [registry],
});

const budgetRefused = new Counter({
  name: 'rds_broker_rds_budget_refused_total',
  help: 'RDS calls refused by the request budget (no token within the wait bound), by priority.',
  labelNames: ['priority'] as const,
  registers: [registry],
});

let watchedBudget: RequestBudget | undefined;

new Gauge({
  name: 'rds_broker_rds_budget_available',
  help: "Tokens in the broker's RDS request budget now (calls that may go without waiting).",
  registers: [registry],
  collect() {
    if (watchedBudget) this.set(watchedBudget.tokens);
  },
});

new Gauge({
  name: 'rds_broker_rds_budget_rate_per_second',
  help: "The request budget's current refill rate (lowered after RDS throttles, raised back in calm).",
  registers: [registry],
  collect() {
    if (watchedBudget) this.set(watchedBudget.rate);
  },
});

/** Feeds the budget histograms; throttles RDS answered are rds_broker_rds_calls_total{outcome="throttled"}. */
export const budgetObserver: BudgetObserver = {
  granted: (priority: BudgetPriority, seconds: number) => budgetWait.observe({ priority }, seconds),
  refused: (priority: BudgetPriority) => budgetRefused.inc({ priority }),
};

/** The budget the gauges read (the broker has one per process). */
export function watchBudget(budget: RequestBudget | undefined): void {
  watchedBudget = budget;
}

// Operations: what this process's passes saw (src/metrics/operations.ts). Each replica sees the
// polls it serves and, while it leads, the resync's and requeue's passes over every instance with
// work pending; dashboards and alerts take the max over replicas.
const operations = new OperationTracker();

new Gauge({
  name: 'rds_broker_operations_in_progress',
  help: 'Operations this replica saw in progress within the last 10 minutes, by kind (provision, restore, update, ...) and step (a pending step tag, or the RDS status).',
  labelNames: ['kind', 'step'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { kind, step, count } of operations.view(Date.now()).inProgress) this.set({ kind, step }, count);
  },
});

new Gauge({
  name: 'rds_broker_operation_oldest_age_seconds',
  help: 'Age of the oldest operation in progress this replica saw, by kind: seconds since the platform asked for it.',
  labelNames: ['kind'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const { kind, seconds } of operations.view(Date.now()).oldestAgeSeconds) this.set({ kind }, seconds);
  },
});

const operationsFinished = new Counter({
  name: 'rds_broker_operations_finished_total',
  help: 'Operations this replica saw in progress and then saw end, by kind and state (succeeded, failed).',
  labelNames: ['kind', 'state'] as const,
  registers: [registry],
});

/** Called at the end of every reconcile pass that acts (BrokerDeps.onPassEnd). */
export function recordOperation(sighting: OperationSighting): void {
  const finished = operations.note(sighting, Date.now());
  if (finished) operationsFinished.inc(finished);
}

const databaseTlsFailures = new Counter({
  name: 'rds_broker_database_tls_failures_total',
  help: "Connections to instances' databases refused for TLS, by engine and failure (certificate: chain or host name did not verify; no-tls; handshake).",
  labelNames: ['engine', 'failure'] as const,
  registers: [registry],
});

// Every combination starts at 0, so the first failure is an increase a rate() or an alert can see
// (a series that appears at 1 has no earlier sample to rise from).
for (const engine of ['postgres', 'mysql', 'mariadb'])
  for (const failure of ['certificate', 'no-tls', 'handshake']) databaseTlsFailures.inc({ engine, failure }, 0);

export function recordDatabaseTlsFailure(engine: string, failure: string): void {
  databaseTlsFailures.inc({ engine, failure });
}

const housekeepingLeader = new Gauge({
  name: 'rds_broker_housekeeping_leader',
  help: 'Whether this replica runs housekeeping now: 1 while it leads (holds the Lease, or is the one configured to), else 0.',
  registers: [registry],
});
housekeepingLeader.set(0);

/** startHousekeeping's onLeadershipChange. */
export function recordLeadership(leading: boolean): void {
  housekeepingLeader.set(leading ? 1 : 0);
}

// `task`, not `job`: Prometheus gives every scraped series a `job` label of its own.
const housekeepingRuns = new Counter({
  name: 'rds_broker_housekeeping_runs_total',
  help: 'Housekeeping runs that ended, by task (snapshot-cleanup, credential-check, resync) and outcome (success, failure).',
  labelNames: ['task', 'outcome'] as const,
  registers: [registry],
});

const housekeepingLastSuccess = new Gauge({
  name: 'rds_broker_housekeeping_last_success_timestamp_seconds',
  help: 'When a run of each housekeeping task last succeeded on this replica (Unix time in seconds).',
  labelNames: ['task'] as const,
  registers: [registry],
});

/** Told when a housekeeping run ends; a run stopped because leadership was lost is neither. */
export function recordHousekeepingRun(task: string, succeeded: boolean, at: Date): void {
  housekeepingRuns.inc({ task, outcome: succeeded ? 'success' : 'failure' });
  if (succeeded) housekeepingLastSuccess.set({ task }, at.getTime() / 1000);
}

/** The text a Prometheus server scrapes, and its content type. */
export async function renderMetrics(): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}
