import { InvalidSqlInputError } from './errors.js';
import type { SqlEngine } from './types.js';

/** Every role or user this broker creates starts with this; the broker derives binding usernames with it. */
export const BINDING_USER_PREFIX = 'rdsb_';

/** PostgreSQL: NOLOGIN role owning every object created through any binding. */
export const OWNER_ROLE = 'rdsb_owner';
/** PostgreSQL: NOLOGIN group role holding SELECT on the owner's tables; read-only bindings are its members. */
export const READONLY_ROLE = 'rdsb_readonly';

/** PostgreSQL truncates longer identifiers (NAMEDATALEN - 1 bytes) silently; we refuse instead. */
export const POSTGRES_MAX_NAME_BYTES = 63;
/**
 * MySQL 5.7.8+ stores user names in CHAR(32); MariaDB allows 80 characters, but a name that must
 * work on both engines keeps to 32. Characters, not bytes, and only the Basic Multilingual Plane
 * (the column is utf8mb3).
 */
export const MYSQL_MAX_USERNAME_CHARS = 32;

const reserved = new Set([OWNER_ROLE, READONLY_ROLE]);
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** Throws InvalidSqlInputError unless `username` is a binding username this module may create or drop. */
export function validateBindingUsername(engine: SqlEngine, username: string): void {
  if (typeof username !== 'string' || !username.startsWith(BINDING_USER_PREFIX) || username.length === BINDING_USER_PREFIX.length) {
    throw new InvalidSqlInputError(`binding username must start with ${JSON.stringify(BINDING_USER_PREFIX)} and have more after it`);
  }
  if (reserved.has(username)) {
    throw new InvalidSqlInputError(`binding username ${JSON.stringify(username)} is reserved for the broker's own roles`);
  }
  if (controlCharacters.test(username)) {
    throw new InvalidSqlInputError('binding username must not contain control characters');
  }
  if (engine === 'postgres') {
    const bytes = Buffer.byteLength(username, 'utf8');
    if (bytes > POSTGRES_MAX_NAME_BYTES) {
      throw new InvalidSqlInputError(`binding username is ${bytes} bytes long; PostgreSQL allows ${POSTGRES_MAX_NAME_BYTES}`);
    }
  } else {
    const characters = [...username];
    if (characters.length > MYSQL_MAX_USERNAME_CHARS) {
      throw new InvalidSqlInputError(`binding username is ${characters.length} characters long; MySQL allows ${MYSQL_MAX_USERNAME_CHARS}`);
    }
    if (characters.some((c) => c.codePointAt(0)! > 0xffff)) {
      throw new InvalidSqlInputError(
        'binding username must not contain characters outside the Basic Multilingual Plane (MySQL stores user names as utf8mb3)',
      );
    }
    // CHAR columns compare without trailing spaces: "a " and "a" would be one MySQL account.
    if (username !== username.trimEnd()) {
      throw new InvalidSqlInputError('binding username must not end with white space (MySQL ignores it)');
    }
  }
}

/**
 * Binding passwords are printable ASCII. Why: PostgreSQL stores a SCRAM verifier computed here
 * (so the password itself never reaches the server's statement log), and SCRAM normalises non-ASCII
 * passwords (SASLprep) in ways clients do not all agree on. The broker's derived passwords use a
 * smaller alphabet still.
 */
export function validateBindingPassword(password: string): void {
  if (typeof password !== 'string' || password.length < 1 || password.length > 256) {
    throw new InvalidSqlInputError('binding password must be 1 to 256 characters long');
  }
  if (!/^[\x20-\x7e]+$/.test(password)) {
    throw new InvalidSqlInputError('binding password must be printable ASCII');
  }
}

/** Extension names are quoted identifiers; refuse what no server would accept rather than let it fail half-way. */
export function validateExtensionName(name: string): void {
  if (
    typeof name !== 'string' ||
    name.length === 0 ||
    controlCharacters.test(name) ||
    Buffer.byteLength(name, 'utf8') > POSTGRES_MAX_NAME_BYTES
  ) {
    throw new InvalidSqlInputError(`invalid extension name ${JSON.stringify(name)}`);
  }
}

/** A database name goes into quoted identifiers and connection parameters: anything but NUL is fine. */
export function validateDatabaseName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\u0000')) {
    throw new InvalidSqlInputError('database name must be a non-empty string without NUL characters');
  }
}
