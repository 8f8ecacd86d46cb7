import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BudgetObserver, BudgetPriority, RequestBudget } from '../aws/budget.js';

/**
 * The broker's Prometheus metrics. One registry of our own (never prom-client's global one), so
 * nothing a library registers globally can leak into /metrics or collide with our names.
 */
export const registry = new Registry();

// Process metrics keep their standard names (process_cpu_seconds_total, …) so stock dashboards work.
collectDefaultMetrics({ register: registry });

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

/** Called by the AWS gateway once per RDS call it makes (after its retries settle). */
export function recordRdsCall(action: string, outcome: RdsCallOutcome, seconds: number): void {
  rdsCalls.inc({ action, outcome });
  rdsCallDuration.observe({ action, outcome }, seconds);
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

/** The text a Prometheus server scrapes, and its content type. */
export async function renderMetrics(): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}
