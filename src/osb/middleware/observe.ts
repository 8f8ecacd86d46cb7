import type { Middleware } from 'koa';
import { httpRequestDuration } from '../../metrics/metrics.js';
import type { OsbState } from '../state.js';

/** Paths probed every few seconds: logged at debug so they do not drown the requests that matter. */
const quietPaths = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * Records each request once it has been answered: a latency histogram by route template (never the
 * raw path, whose IDs would make one series per instance) and one access log line. Request bodies
 * are never logged.
 */
export function observe(): Middleware<OsbState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = (ctx as unknown as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      httpRequestDuration.observe({ method: ctx.method, route: String(route), status: String(ctx.status) }, seconds);
      const entry = { method: ctx.method, path: ctx.path, route, status: ctx.status, durationMs: Math.round(seconds * 1000) };
      const log = ctx.state.log;
      if (quietPaths.has(ctx.path)) log.debug(entry, 'request');
      else if (ctx.status >= 500) log.error(entry, 'request');
      else log.info(entry, 'request');
    }
  };
}
