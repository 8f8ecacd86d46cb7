import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { OsbState } from '../state.js';
import { withLogContext } from '../../log/context.js';

export const REQUEST_ID_HEADER = 'X-Broker-API-Request-Identity';

/** Printable ASCII without spaces, bounded: the value is echoed in a header and written to logs. */
const acceptable = /^[\x21-\x7e]{1,128}$/;

/** The platform's request ID when it sent a usable one, otherwise a fresh UUID. Pure but for the UUID. */
export function chooseRequestId(sent: string | undefined): string {
  return sent !== undefined && acceptable.test(sent) ? sent : randomUUID();
}

/**
 * Gives every request an ID (the platform's X-Broker-API-Request-Identity, or a generated one),
 * echoes it in the response and puts it on every log line of the request through a child logger.
 */
export function requestId(log: Logger): Middleware<OsbState> {
  return async (ctx, next) => {
    const id = chooseRequestId(ctx.get(REQUEST_ID_HEADER) || undefined);
    ctx.state.requestId = id;
    // On every line the request causes, whichever logger writes it (log/context.ts).
    ctx.state.log = log;
    ctx.set(REQUEST_ID_HEADER, id);
    await withLogContext({ requestId: id }, next);
  };
}
