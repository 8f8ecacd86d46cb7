import type { ObservedInstance } from '../reconcile/observed.js';
import { Tag } from '../reconcile/tags.js';
import { BrokerError } from './contract.js';
import type { BrokerDeps } from './deps.js';
import { SqlError } from '../sql/errors.js';
import { transientDecision } from './transient.js';
import { decodeRequested, planById } from './plans.js';

/** The database the broker's users live in: what RDS reports, else what was asked for, else the plan's. */
export function databaseNameOf(deps: BrokerDeps, observed: ObservedInstance): string {
  const requested = decodeRequested(observed.tags[Tag.requestedSettings]);
  return observed.dbName ?? requested.dbName ?? planById(deps.config, observed.tags[Tag.planId])?.plan.rds.databaseName ?? 'postgres';
}

/** Database errors during a synchronous request become answers the platform can act on. */
export async function onDatabase<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof SqlError && error.kind === 'tls')
      throw new BrokerError(502, `cannot connect securely to the database: ${error.message}`);
    if (error instanceof SqlError && error.kind === 'auth') {
      throw new BrokerError(
        502,
        "the database refused the broker's master credentials; the master password was changed outside the broker and housekeeping will repair it",
      );
    }
    if (error instanceof SqlError && error.kind === 'refused') throw new BrokerError(422, `the database refused: ${error.message}`);
    const transient = transientDecision(error);
    if (transient) throw new BrokerError(503, transient.description);
    throw error;
  }
}
