import { recordDatabaseTlsFailure } from '../metrics/metrics.js';
import { DatabaseTlsError } from '../sql/errors.js';
import type { DatabaseTarget, SqlGateway } from '../sql/types.js';
import type { DatabaseTlsReport } from './contract.js';

/** The reason is an error message (redacted of passwords by sql/); a bound keeps /readyz small. */
const REASON_MAX_CHARS = 300;

/**
 * The last time a database refused the broker for TLS, for /readyz and a counter. Poll descriptions
 * already say it per instance; this says it to whoever runs the broker, who is the one who can fix
 * the CA bundle.
 */
export class DatabaseTlsWatch {
  private last: DatabaseTlsReport | undefined;

  record(error: DatabaseTlsError, engine: string, at: Date): void {
    recordDatabaseTlsFailure(engine, error.tlsFailure);
    this.last = {
      host: error.host,
      port: error.port,
      engine,
      failure: error.tlsFailure,
      reason: error.reason.slice(0, REASON_MAX_CHARS),
      at,
    };
  }

  /** The last failure, if it happened within `windowMs` before `now`. */
  recent(now: Date, windowMs: number): DatabaseTlsReport | undefined {
    return this.last && now.getTime() - this.last.at.getTime() <= windowMs ? this.last : undefined;
  }
}

/**
 * The SQL gateway, with every DatabaseTlsError it raises recorded first. Every database call of the
 * broker goes through its one gateway, so every TLS refusal is seen here, whichever path met it
 * (bind, a restore's steps, extensions, housekeeping's credential check).
 */
export function watchDatabaseTls(gateway: SqlGateway, watch: DatabaseTlsWatch, now: () => Date): SqlGateway {
  const guard = async <T>(target: DatabaseTarget, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof DatabaseTlsError) watch.record(error, target.engine, now());
      throw error;
    }
  };
  return {
    ensureBindingUser: (target, spec) => guard(target, () => gateway.ensureBindingUser(target, spec)),
    dropBindingUser: (target, username) => guard(target, () => gateway.dropBindingUser(target, username)),
    findBindingUser: (target, username) => guard(target, () => gateway.findBindingUser(target, username)),
    listBindingUsers: (target) => guard(target, () => gateway.listBindingUsers(target)),
    neutraliseBindingUsers: (target, keep) => guard(target, () => gateway.neutraliseBindingUsers(target, keep)),
    canLogin: (target, username, password) => guard(target, () => gateway.canLogin(target, username, password)),
    ensureExtensions: (target, names) => guard(target, () => gateway.ensureExtensions(target, names)),
    dropExtensions: (target, names) => guard(target, () => gateway.dropExtensions(target, names)),
  };
}
