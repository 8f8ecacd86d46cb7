import type { Middleware } from 'koa';
import type { OriginatingIdentity } from '../../broker/contract.js';
import { badRequest } from '../errors.js';
import type { OsbState } from '../state.js';
import { addToLogContext } from '../../log/context.js';

export const ORIGINATING_IDENTITY_HEADER = 'X-Broker-API-Originating-Identity';

const shape = `${ORIGINATING_IDENTITY_HEADER} must be "<platform> <base64 of a JSON object>"`;

/**
 * Parses `<platform> <base64 JSON object>`. Returns the identity, or a problem description. Pure.
 * The identity is for audit logs only: it is never trusted to grant anything.
 */
export function parseOriginatingIdentity(header: string): OriginatingIdentity | { problem: string } {
  const match = /^([\x21-\x7e]{1,64}) +([A-Za-z0-9+/_-]+={0,2})$/.exec(header.trim());
  if (!match) return { problem: shape };
  let value: unknown;
  try {
    const json = Buffer.from(match[2]!, 'base64').toString('utf8');
    value = JSON.parse(json);
  } catch {
    return { problem: `${shape}: the value is not base64-encoded JSON` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: `${shape}: the value must decode to a JSON object` };
  }
  return { platform: match[1]!, value: value as Record<string, unknown> };
}

/** Puts the originating identity into the request state and onto every later log line of the request. */
export function originatingIdentity(): Middleware<OsbState> {
  return async (ctx, next) => {
    const header = ctx.get(ORIGINATING_IDENTITY_HEADER);
    if (header) {
      const parsed = parseOriginatingIdentity(header);
      if ('problem' in parsed) throw badRequest(parsed.problem);
      ctx.state.identity = parsed;
      addToLogContext({ identity: parsed });
    }
    await next();
  };
}
