import type { Logger } from 'pino';

/** Where signals come from: the process, or in tests an emitter of their own (emitting on `process` would reach every listener in it). */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Waits for SIGTERM or SIGINT, then stops in order: the HTTP server (in-flight requests finish within
 * its bound), then the broker (connections, timers). A second signal while stopping is logged and
 * changes nothing: the bound already guarantees the stop ends. Resolves once everything is closed.
 */
export function stopOnSignal(
  steps: { log: Logger; stopServer: () => Promise<void>; stopBroker: () => Promise<void> },
  source: SignalSource = process,
): Promise<NodeJS.Signals> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        steps.log.warn({ signal }, 'already shutting down');
        return;
      }
      stopping = true;
      steps.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
      steps
        .stopServer()
        .then(() => steps.stopBroker())
        .then(() => {
          source.off('SIGTERM', onSignal);
          source.off('SIGINT', onSignal);
          steps.log.info('stopped');
          resolve(signal);
        }, reject);
    };
    source.on('SIGTERM', onSignal);
    source.on('SIGINT', onSignal);
  });
}
