import type { Logger } from 'pino';
import type { Config } from '../config/load.js';
import { BrokerError, type Broker } from './contract.js';

export interface RunningBroker extends Broker {
  /** Releases connections and timers; called on shutdown. */
  close(): Promise<void>;
}

/** Placeholder until the RDS use cases land: every use case answers a clear OSB error. */
export async function createBroker(_config: Config, _log: Logger): Promise<RunningBroker> {
  const unavailable = async (): Promise<never> => {
    throw new BrokerError(501, 'this operation is not available in this version of rds-broker');
  };
  return {
    provision: unavailable,
    update: unavailable,
    deprovision: unavailable,
    fetchInstance: unavailable,
    lastOperation: unavailable,
    bind: unavailable,
    unbind: unavailable,
    fetchBinding: unavailable,
    bindingLastOperation: unavailable,
    ready: () => true,
    close: async () => {},
  };
}
