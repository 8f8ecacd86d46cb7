import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import { OsbHttpError } from '../errors.js';
import type { FailedAuthLimiter } from '../rate-limit.js';
import type { OsbState } from '../state.js';

export interface CredentialPair {
  username: string;
  password: string;
}

export const AUTH_REALM = 'rds-broker';

/** Digests have one length whatever was sent, so comparing them leaks no length and no prefix. */
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/** The username and password of a Basic Authorization header, or undefined when it is not one. */
export function parseBasicAuth(header: string | undefined): CredentialPair | undefined {
  const match = header === undefined ? null : /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Whether the pair is one of the configured ones. Every configured pair is compared, in constant
 * time, whatever matched earlier: timing tells nothing about which part or which pair was right.
 */
export function credentialsMatch(sent: CredentialPair, configured: readonly CredentialPair[]): boolean {
  const user = digest(sent.username);
  const pass = digest(sent.password);
  let matched = false;
  for (const pair of configuredDigests(configured)) {
    const userOk = timingSafeEqual(user, pair.user);
    const passOk = timingSafeEqual(pass, pair.pass);
    matched = (userOk && passOk) || matched;
  }
  return matched;
}

/** The configured pairs' digests, computed once per configuration rather than on every request. */
const digestCache = new WeakMap<readonly CredentialPair[], Array<{ user: Buffer; pass: Buffer }>>();
function configuredDigests(configured: readonly CredentialPair[]): Array<{ user: Buffer; pass: Buffer }> {
  let digests = digestCache.get(configured);
  if (!digests) {
    digests = configured.map((pair) => ({ user: digest(pair.username), pass: digest(pair.password) }));
    digestCache.set(configured, digests);
  }
  return digests;
}

const unauthorized = () =>
  new OsbHttpError(401, 'authentication required: HTTP basic auth with the broker credentials', {
    'WWW-Authenticate': `Basic realm="${AUTH_REALM}"`,
  });

/** HTTP basic auth against the configured pairs, with failed attempts limited per client address. */
export function basicAuth(credentials: readonly CredentialPair[], limiter: FailedAuthLimiter): Middleware<OsbState> {
  return async (ctx, next) => {
    const address = ctx.request.ip || 'unknown';
    const wait = limiter.blockedFor(address);
    if (wait !== undefined) {
      ctx.state.log.warn({ address }, 'authentication refused: too many failed attempts');
      throw new OsbHttpError(429, 'too many failed authentication attempts from this address; try again later', {
        'Retry-After': String(wait),
      });
    }
    const sent = parseBasicAuth(ctx.get('Authorization') || undefined);
    if (!sent || !credentialsMatch(sent, credentials)) {
      limiter.recordFailure(address);
      ctx.state.log.warn({ address, reason: sent ? 'wrong credentials' : 'no basic credentials' }, 'authentication failed');
      throw unauthorized();
    }
    await next();
  };
}
