import { EventEmitter } from 'node:events';
import type { SignalSource } from '../server/shutdown.js';

/**
 * Local mode must stop with whatever started it. `npm start` and `npx` run the broker below a
 * shell; a SIGTERM to npm (as a process manager or an IDE sends) ends npm and its shell but not the
 * broker, which is re-parented and would keep its emulator, its databases and its temporary
 * directory. So the broker watches its parent: once `process.ppid` is no longer the process that
 * started it, the parent is gone and local mode stops as on SIGTERM.
 */

/** Whether the process that started us has gone (we were re-parented). Pure, for the decision. */
export function parentGone(startedBy: number, currentParent: number): boolean {
  return currentParent !== startedBy;
}

/**
 * A signal source for stopOnSignal: SIGTERM, SIGINT and SIGHUP of this process (a closed terminal
 * sends SIGHUP), and a SIGTERM of its own when the parent goes. `stop()` ends the watching.
 */
export function signalsOrParentExit(intervalMs = 500): SignalSource & { stop(): void } {
  const events = new EventEmitter();
  const relay = (signal: NodeJS.Signals) => events.emit(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM', signal);
  const startedBy = process.ppid;
  const timer = setInterval(() => {
    if (parentGone(startedBy, process.ppid)) {
      clearInterval(timer);
      events.emit('SIGTERM', 'SIGTERM');
    }
  }, intervalMs);
  timer.unref();
  process.on('SIGTERM', relay);
  process.on('SIGINT', relay);
  process.on('SIGHUP', relay);
  return {
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    stop() {
      clearInterval(timer);
      process.off('SIGTERM', relay);
      process.off('SIGINT', relay);
      process.off('SIGHUP', relay);
    },
  };
}
