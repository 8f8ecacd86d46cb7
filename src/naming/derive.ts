import { createHash, createHmac } from 'node:crypto';
// sql/ recognises the broker's database users by this prefix; names are derived here with it.
import { BINDING_USER_PREFIX } from '../sql/names.js';

/**
 * Deterministic names and secrets. Nothing the broker hands out is stored anywhere: every value is
 * derived again from the IDs the platform sends, so any replica, at any time, gets the same answer.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Base62 keeps derived passwords inside what RDS allows (printable ASCII except / " @ and space). */
function base62(bytes: Buffer, length: number): string {
  let out = '';
  let value = BigInt(`0x${bytes.toString('hex')}`);
  while (out.length < length) {
    out += BASE62[Number(value % 62n)];
    value /= 62n;
  }
  return out;
}

export const PASSWORD_LENGTH = 32;

export interface DerivationSecret {
  id: string;
  value: string;
}

function hmac(secret: string, purpose: string): Buffer {
  return createHmac('sha256', secret).update(purpose).digest();
}

/** RDS master password of one instance: HMAC-SHA256(secret, "master:" + instance ID) in base62. */
export function masterPassword(secret: DerivationSecret, instanceId: string): string {
  return base62(hmac(secret.value, `master:${instanceId}`), PASSWORD_LENGTH);
}

/** Binding password: HMAC-SHA256(secret, "binding:" + instance ID + ":" + binding ID) in base62. */
export function bindingPassword(secret: DerivationSecret, instanceId: string, bindingId: string): string {
  return base62(hmac(secret.value, `binding:${instanceId}:${bindingId}`), PASSWORD_LENGTH);
}

/**
 * Database username of a binding: the prefix and 24 hex characters of SHA-256(binding ID).
 * 29 characters fit MySQL's 32-character limit; binding IDs may hold characters no database accepts
 * in an unquoted name, and a hash keeps them out of SQL entirely.
 */
export function bindingUsername(bindingId: string): string {
  return BINDING_USER_PREFIX + createHash('sha256').update(bindingId).digest('hex').slice(0, 24);
}

const RDS_IDENTIFIER_MAX = 63;

/**
 * RDS identifier `<prefix>-<instance ID>`. RDS identifiers are lowercase letters, digits and single
 * hyphens, at most 63 characters, ending in a letter or digit. Instance IDs that fit (GUIDs do) are
 * used as they are, lowercased; any other ID maps to `<prefix>-x<hash>`, so that IDs differing only
 * in case or in characters RDS refuses never share an identifier. The instance-ID tag keeps the
 * platform's exact ID either way.
 */
export function rdsIdentifier(prefix: string, instanceId: string): string {
  const plain = `${prefix}-${instanceId}`;
  const fits = /^[a-z0-9]+(-[a-z0-9]+)*$/.test(instanceId) && plain.length <= RDS_IDENTIFIER_MAX;
  if (fits) return plain;
  const hash = createHash('sha256').update(instanceId).digest('hex');
  return `${prefix}-x${hash}`.slice(0, RDS_IDENTIFIER_MAX);
}

/**
 * RDS identifier of a primary's n-th read replica: `<primary>-r<n>`. A primary identifier too long
 * for the suffix is shortened and given 8 hex characters of its hash, so two primaries that share
 * a long beginning never share replica identifiers.
 */
export function replicaIdentifier(primary: string, n: number): string {
  const suffix = `-r${n}`;
  const plain = `${primary}${suffix}`;
  if (plain.length <= RDS_IDENTIFIER_MAX) return plain;
  const hash = createHash('sha256').update(primary).digest('hex').slice(0, 8);
  const room = RDS_IDENTIFIER_MAX - suffix.length - hash.length - 1;
  return `${primary.slice(0, room).replace(/-+$/, '')}-${hash}${suffix}`;
}

/** Snapshot identifiers follow the same character rules; `kind` is e.g. "final" or a timestamp. */
export function snapshotIdentifier(rdsId: string, kind: string): string {
  const suffix = `-${kind}`;
  return rdsId.slice(0, RDS_IDENTIFIER_MAX - suffix.length).replace(/-+$/, '') + suffix;
}

/** Picks the secret a value was derived with, by the id recorded beside it; the newest when unrecorded. */
export function secretById(secrets: readonly DerivationSecret[], id: string | undefined): DerivationSecret | undefined {
  if (id === undefined) return secrets[0];
  return secrets.find((s) => s.id === id);
}
