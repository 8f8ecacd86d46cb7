import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * What every log line of a unit of work carries: a request's ID and originating identity, or a
 * background run's job name and run ID. Kept in AsyncLocalStorage, so whatever the work calls —
 * reconcile decisions, RDS and SQL actions, warnings — logs with it, through any logger the product
 * made (createLogger adds it to each line), without passing a logger down every call.
 */
const storage = new AsyncLocalStorage<Record<string, unknown>>();

/** Runs `work` with `fields` added to the current log context. */
export function withLogContext<T>(fields: Record<string, unknown>, work: () => T): T {
  return storage.run({ ...(storage.getStore() ?? {}), ...fields }, work);
}

/**
 * Adds fields to the current unit of work, for the rest of it — lines written after the caller
 * returns included (a request's access line learns the identity parsed deeper down).
 */
export function addToLogContext(fields: Record<string, unknown>): void {
  const store = storage.getStore();
  if (store) Object.assign(store, fields);
}

/** Runs background work as one run of `job`, with a fresh run ID on its lines. */
export function asJobRun<T>(job: string, work: () => T): T {
  return withLogContext({ job, runId: randomUUID() }, work);
}

/** The fields of the current unit of work (empty outside any). */
export function currentLogContext(): Readonly<Record<string, unknown>> {
  return storage.getStore() ?? {};
}
