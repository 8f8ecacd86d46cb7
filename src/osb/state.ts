import type { ParameterizedContext } from 'koa';
import type { Logger } from 'pino';
import type { OriginatingIdentity } from '../broker/contract.js';

/** What the middleware learn about a request, for the ones after them and for the handlers. */
export interface OsbState {
  requestId: string;
  /** Carries the request ID, and the originating identity once parsed, on every line. */
  log: Logger;
  identity?: OriginatingIdentity;
  apiVersion?: string;
  /** The parsed JSON body of a PUT or PATCH: always a plain object. */
  body?: Record<string, unknown>;
}

export type OsbContext = ParameterizedContext<OsbState>;
