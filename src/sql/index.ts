/**
 * sql/: the broker's hands inside a database. Binding users, their removal after a restore,
 * extensions and credential checks, over verified TLS, idempotently, one short connection per call.
 */
import { InvalidSqlInputError } from './errors.js';
import { createMysqlGateway } from './mysql/gateway.js';
import { createPostgresGateway } from './postgres/gateway.js';
import type { DatabaseTarget, SqlGateway } from './types.js';

export type { BindingUserInfo, BindingUserSpec, DatabaseTarget, DatabaseTls, EnsureOutcome, SqlEngine, SqlGateway } from './types.js';
export {
  DatabaseAuthError,
  DatabaseOperationError,
  DatabaseTlsError,
  DatabaseUnreachableError,
  InvalidSqlInputError,
  SqlError,
  type SqlErrorKind,
  type TlsFailureKind,
} from './errors.js';
export { BINDING_USER_PREFIX, MYSQL_MAX_USERNAME_CHARS, OWNER_ROLE, POSTGRES_MAX_NAME_BYTES, READONLY_ROLE } from './names.js';

/** One gateway for every engine: each call goes to the engine named by its target. */
export function createSqlGateway(): SqlGateway {
  const postgres = createPostgresGateway();
  const mysql = createMysqlGateway();
  const pick = (target: DatabaseTarget): SqlGateway => {
    switch (target?.engine) {
      case 'postgres':
        return postgres;
      case 'mysql':
      case 'mariadb':
        return mysql;
      default:
        throw new InvalidSqlInputError(`unsupported database engine ${JSON.stringify(target?.engine)}`);
    }
  };
  return {
    ensureBindingUser: async (target, spec) => pick(target).ensureBindingUser(target, spec),
    dropBindingUser: async (target, username) => pick(target).dropBindingUser(target, username),
    findBindingUser: async (target, username) => pick(target).findBindingUser(target, username),
    listBindingUsers: async (target) => pick(target).listBindingUsers(target),
    neutraliseBindingUsers: async (target, keep) => pick(target).neutraliseBindingUsers(target, keep),
    canLogin: async (target, username, password) => pick(target).canLogin(target, username, password),
    ensureExtensions: async (target, names) => pick(target).ensureExtensions(target, names),
    dropExtensions: async (target, names) => pick(target).dropExtensions(target, names),
  };
}
