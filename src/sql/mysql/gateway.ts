import { InvalidSqlInputError } from '../errors.js';
import type { SqlGateway } from '../types.js';

/** Placeholder until the MySQL/MariaDB engine lands: every call says so clearly. */
export function createMysqlGateway(): SqlGateway {
  const unsupported = async (): Promise<never> => {
    throw new InvalidSqlInputError('MySQL and MariaDB binding users are not available in this version');
  };
  return {
    ensureBindingUser: unsupported,
    dropBindingUser: unsupported,
    findBindingUser: unsupported,
    listBindingUsers: unsupported,
    neutraliseBindingUsers: unsupported,
    canLogin: unsupported,
    ensureExtensions: unsupported,
    dropExtensions: unsupported,
  };
}
