import { Router } from '@koa/router';
import type { DatabaseTlsReport } from '../broker/contract.js';
import { renderMetrics } from '../metrics/metrics.js';
import type { OsbState } from '../osb/state.js';

export interface Readiness {
  /** Whether the broker can serve: for the RDS broker, whether AWS answered recently. */
  ready(): boolean;
  /** The last database TLS refusal, when recent: shown in the detail, without changing readiness. */
  databaseTls?(): DatabaseTlsReport | undefined;
}

/** /readyz's body. Pure. */
export function readinessBody(ready: boolean, tls: DatabaseTlsReport | undefined): Record<string, unknown> {
  const body: Record<string, unknown> = ready
    ? { status: 'ready' }
    : { status: 'not ready', description: 'the broker has not reached AWS recently' };
  if (tls) {
    body.database_tls = {
      status: 'failing',
      description:
        tls.failure === 'certificate'
          ? `the certificate of a database did not verify (last at ${tls.at.toISOString()}): database.tls.caBundleFile must hold the authority that signed it`
          : `a TLS connection to a database failed (${tls.failure}, last at ${tls.at.toISOString()})`,
      host: tls.host,
      port: tls.port,
      engine: tls.engine,
      failure: tls.failure,
      reason: tls.reason,
      last_failure_at: tls.at.toISOString(),
    };
  }
  return body;
}

/**
 * Endpoints for the platform that runs the broker, not for the OSB platform: no authentication, and
 * nothing in them that an anonymous caller should not see.
 *  - /healthz: the process is up and serving HTTP (liveness).
 *  - /readyz: the configuration is loaded (it is, or the app would not exist) and the broker is ready.
 *  - /metrics: Prometheus text format.
 */
export function operationsRouter(broker: Readiness): Router<OsbState> {
  const router = new Router<OsbState>();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    const ready = broker.ready();
    // Readiness follows RDS alone; why a database TLS failure does not change it: src/broker/index.ts.
    ctx.status = ready ? 200 : 503;
    ctx.body = readinessBody(ready, broker.databaseTls?.());
  });
  router.get('/metrics', async (ctx) => {
    const { contentType, text } = await renderMetrics();
    ctx.type = contentType;
    ctx.body = text;
  });
  return router;
}

export const operationsPaths = new Set(['/healthz', '/readyz', '/metrics']);
