import { Router } from '@koa/router';
import { renderMetrics } from '../metrics/metrics.js';
import type { OsbState } from '../osb/state.js';

export interface Readiness {
  /** Whether the broker can serve: for the RDS broker, whether AWS answered recently. */
  ready(): boolean;
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
    ctx.status = ready ? 200 : 503;
    ctx.body = ready ? { status: 'ready' } : { status: 'not ready', description: 'the broker has not reached AWS recently' };
  });
  router.get('/metrics', async (ctx) => {
    const { contentType, text } = await renderMetrics();
    ctx.type = contentType;
    ctx.body = text;
  });
  return router;
}

export const operationsPaths = new Set(['/healthz', '/readyz', '/metrics']);
