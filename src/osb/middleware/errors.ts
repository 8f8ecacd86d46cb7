import type { Middleware } from 'koa';
import { BrokerError } from '../../broker/contract.js';
import { errorBody, OsbHttpError } from '../errors.js';
import type { OsbState } from '../state.js';

const bodilessDescriptions: Record<number, string> = {
  404: 'no such endpoint',
  405: 'this endpoint does not support that HTTP method (see the Allow header)',
};

/**
 * Turns every failure into an OSB error body. A BrokerError is the answer someone chose; anything
 * else is a bug, answered with a 500 that reveals nothing but the request ID, while the log gets
 * the detail. Unmatched routes become an OSB 404 here too.
 */
export function errors(): Middleware<OsbState> {
  return async (ctx, next) => {
    try {
      await next();
      // Koa leaves unmatched routes at 404, and the router's 405/501 carry no body: give them one.
      // The router's 501 (a method no route uses, such as TRACE) is the client's mistake like any
      // other wrong method: a 405, so that nobody can inflate the broker's 5xx rate from outside.
      if (ctx.status >= 400 && (ctx.body === undefined || ctx.body === null)) {
        const status = ctx.status === 501 ? 405 : ctx.status;
        throw new OsbHttpError(status, bodilessDescriptions[status] ?? `request failed with status ${status}`);
      }
    } catch (error) {
      if (error instanceof BrokerError) {
        ctx.status = error.status;
        ctx.body = errorBody(error);
        ctx.set(error.headers);
        if (error.status >= 500) ctx.state.log.error({ status: error.status, description: error.description }, 'request failed');
        return;
      }
      const status = (error as { status?: unknown; expose?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500 && (error as { expose?: unknown }).expose === true) {
        // A client error raised by Koa itself (an http-errors object): its message is meant for the client.
        ctx.status = status;
        ctx.body = { description: (error as Error).message || 'bad request' };
        return;
      }
      ctx.state.log.error({ err: error }, 'unexpected error while serving a request');
      ctx.status = 500;
      ctx.body = { description: `internal error; the broker log has the details under request ID ${ctx.state.requestId}` };
    }
  };
}
