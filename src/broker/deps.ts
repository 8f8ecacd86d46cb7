import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import type { RdsGateway } from '../aws/gateway.js';
import type { SqlGateway, DatabaseTarget } from '../sql/types.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { Tag } from '../reconcile/tags.js';
import { masterPassword, rdsIdentifier, secretById, type DerivationSecret } from '../naming/derive.js';
import type { OperationSighting } from '../metrics/operations.js';
import { BrokerError } from './contract.js';
import type { DatabaseTlsWatch } from './database-tls.js';

/** Everything the use cases need from outside; built once in index.ts, replaced in tests. */
export interface BrokerDeps {
  config: Config;
  rds: RdsGateway;
  sql: SqlGateway;
  log: Logger;
  now: () => Date;
  /** PEM of the authorities that sign database certificates (undefined: Node's public roots). */
  databaseCaPem?: string;
  /** How long a just-issued asynchronous change may stay invisible in RDS before it is issued again. */
  settleSeconds: number;
  /**
   * Told whenever a pass on an instance ends in progress, with its Retry-After (nominal seconds):
   * the housekeeping leader's requeue listens here. Unset elsewhere.
   */
  onInProgress?: (instanceId: string, retryAfterSeconds: number) => void;
  /** The last database TLS refusal (for /readyz); set by createDeps. */
  databaseTls?: DatabaseTlsWatch;
  /** Told how every pass that acts (not a dry run) ended, and where its operation stands: for metrics. */
  onPassEnd?: (sighting: OperationSighting) => void;
}

export function identifierOf(deps: BrokerDeps, instanceId: string): string {
  return rdsIdentifier(deps.config.broker.identifierPrefix, instanceId);
}

/** Why the broker will not act on an instance that exists under its identifier, or undefined if it may. */
export function ownershipProblem(deps: BrokerDeps, observed: ObservedInstance, instanceId: string): string | undefined {
  const broker = observed.tags[Tag.brokerName];
  if (broker === undefined)
    return `RDS instance ${observed.identifier} has no "${Tag.brokerName}" tag; the broker does not act on instances it cannot prove it owns`;
  if (broker !== deps.config.broker.name) return `RDS instance ${observed.identifier} belongs to broker "${broker}", not this one`;
  const id = observed.tags[Tag.instanceId];
  if (id === undefined) return `RDS instance ${observed.identifier} has no "${Tag.instanceId}" tag; ask an operator to restore it`;
  if (id !== instanceId) return `RDS instance ${observed.identifier} belongs to service instance ${id}`;
  return undefined;
}

/** The secret the instance's master password was derived with (recorded in a tag), else the newest. */
export function masterSecretOf(deps: BrokerDeps, observed: ObservedInstance): DerivationSecret {
  return secretById(deps.config.broker.derivationSecrets, observed.tags[Tag.masterSecretId]) ?? deps.config.broker.derivationSecrets[0]!;
}

export function newestSecret(deps: BrokerDeps): DerivationSecret {
  return deps.config.broker.derivationSecrets[0]!;
}

/** How the broker reaches the instance's database as its master user. */
export function databaseTarget(
  deps: BrokerDeps,
  observed: ObservedInstance,
  instanceId: string,
  database: string,
  secret = masterSecretOf(deps, observed),
): DatabaseTarget {
  if (!observed.endpoint) throw new BrokerError(422, 'the instance has no endpoint yet', 'ConcurrencyError');
  return {
    engine: observed.engine === 'mariadb' ? 'mariadb' : observed.engine.startsWith('mysql') ? 'mysql' : 'postgres',
    host: observed.endpoint.address,
    port: observed.endpoint.port,
    database,
    masterUsername: observed.masterUsername ?? 'postgres',
    masterPassword: masterPassword(secret, instanceId),
    tls: { ...(deps.databaseCaPem ? { caPem: deps.databaseCaPem } : {}), allowPlaintext: deps.config.database.tls.allowPlaintext },
    connectTimeoutMs: deps.config.database.connectTimeoutMs,
  };
}
