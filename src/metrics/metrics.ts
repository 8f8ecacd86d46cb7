import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

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

/** The text a Prometheus server scrapes, and its content type. */
export async function renderMetrics(): Promise<{ contentType: string; text: string }> {
  return { contentType: registry.contentType, text: await registry.metrics() };
}
