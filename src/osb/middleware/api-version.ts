import type { Middleware } from 'koa';
import { OsbHttpError } from '../errors.js';
import type { OsbState } from '../state.js';

export const API_VERSION_HEADER = 'X-Broker-API-Version';
/** Oldest version whose semantics the broker relies on (2.13: maintenance_info and context rules). */
export const MIN_API_VERSION = { major: 2, minor: 13 };
export const IMPLEMENTED_API_VERSION = '2.17';

/** Why the header value is not acceptable, or undefined when it is. Pure. */
export function apiVersionProblem(value: string | undefined): string | undefined {
  const expectation = `this broker implements OSB ${IMPLEMENTED_API_VERSION} and needs ${MIN_API_VERSION.major}.${MIN_API_VERSION.minor} or later`;
  if (value === undefined || value.trim() === '') return `the ${API_VERSION_HEADER} header is required; ${expectation}`;
  const match = /^(\d{1,4})\.(\d{1,4})$/.exec(value.trim());
  if (!match) return `${API_VERSION_HEADER} must be MAJOR.MINOR, e.g. ${IMPLEMENTED_API_VERSION}; ${expectation}`;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major !== MIN_API_VERSION.major || minor < MIN_API_VERSION.minor) {
    return `${API_VERSION_HEADER} ${major}.${minor} is not supported; ${expectation}`;
  }
  return undefined;
}

/** Every /v2 request must say which OSB version it speaks: missing, malformed or too old → 412. */
export function apiVersion(): Middleware<OsbState> {
  return async (ctx, next) => {
    // The router matches paths whatever their case (/V2/catalog reaches the catalog), so this check must too.
    const path = ctx.path.toLowerCase();
    if (path === '/v2' || path.startsWith('/v2/')) {
      const value = ctx.get(API_VERSION_HEADER) || undefined;
      const problem = apiVersionProblem(value);
      if (problem) throw new OsbHttpError(412, problem);
      ctx.state.apiVersion = value!.trim();
    }
    await next();
  };
}
