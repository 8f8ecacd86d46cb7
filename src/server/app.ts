import Koa from 'koa';
import type { Logger } from 'pino';
import type { Broker } from '../broker/contract.js';
import type { Config } from '../config/load.js';
import { apiVersion } from '../osb/middleware/api-version.js';
import { basicAuth } from '../osb/middleware/auth.js';
import { errors } from '../osb/middleware/errors.js';
import { observe } from '../osb/middleware/observe.js';
import { originatingIdentity } from '../osb/middleware/originating-identity.js';
import { requestId } from '../osb/middleware/request-id.js';
import { FailedAuthLimiter } from '../osb/rate-limit.js';
import { osbRouter } from '../osb/routes.js';
import type { OsbState } from '../osb/state.js';
import { operationsPaths, operationsRouter } from './operations.js';

export interface AppOptions {
  config: Config;
  broker: Broker;
  log: Logger;
  /** Clock for the failed-authentication limiter; tests pass their own. */
  now?: () => number;
}

/**
 * The HTTP application: one small middleware per concern, in the order a request meets them.
 * Operations endpoints come before authentication; everything else needs it.
 */
export function createApp({ config, broker, log, now }: AppOptions): Koa<OsbState> {
  const app = new Koa<OsbState>();
  app.silent = true; // errors are logged by our own middleware, with the request ID
  const operations = operationsRouter(broker);
  const osb = osbRouter(config, broker, config.listen.bodyLimitBytes);
  const limiter = new FailedAuthLimiter(config.auth.failedAttemptsPerMinute, now);
  const authenticate = basicAuth(config.auth.credentials, limiter);

  app.use(requestId(log));
  app.use(observe());
  app.use(errors());
  app.use(operations.routes());
  app.use(async (ctx, next) => (operationsPaths.has(ctx.path) ? next() : authenticate(ctx, next)));
  app.use(apiVersion());
  app.use(originatingIdentity());
  app.use(osb.routes());
  app.use(osb.allowedMethods());
  app.on('error', (error: unknown) => log.error({ err: error }, 'HTTP server error'));
  return app;
}
