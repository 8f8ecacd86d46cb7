/**
 * RDS takes one storage change (size, type, IOPS, throughput) every six hours, and none while the
 * previous one's storage optimization runs. When it refuses an update's storage change for that,
 * the user is told when the last change was and when to try again, from RDS's own events.
 */
import type { Event } from '@aws-sdk/client-rds';
import { RdsError } from '../aws/errors.js';
import { BrokerError } from './contract.js';
import type { BrokerDeps } from './deps.js';

export const STORAGE_CHANGE_INTERVAL_MS = 6 * 3_600_000;

/** RDS's InvalidParameterCombination for a storage change too soon after the last one. */
export function isStorageIntervalRefusal(error: unknown): error is RdsError {
  return (
    error instanceof RdsError &&
    error.code === 'InvalidParameterCombination' &&
    /previous storage change is being optimized/i.test(error.message)
  );
}

/** RDS's events that finish a storage change ("Finished applying modification to allocated storage", autoscaling's too). */
const STORAGE_CHANGE_EVENT = /^Finished applying .*modification to .*(storage|IOPS|throughput)/i;

/** When the last storage change finished, from an instance's events; undefined when none is among them. */
export function lastStorageChange(events: readonly Event[]): Date | undefined {
  let last: Date | undefined;
  for (const event of events) {
    if (!event.Date || !STORAGE_CHANGE_EVENT.test(event.Message ?? '')) continue;
    if (!last || event.Date.getTime() > last.getTime()) last = event.Date;
  }
  return last;
}

const isoSeconds = (time: number): string => new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The answer in the user's words; without the last change's time when the events did not show it. */
export function storageIntervalMessage(last: Date | undefined): string {
  if (!last) {
    return 'RDS allows one storage change every six hours, and none while the previous one is being optimized; the last one was less than six hours ago; try again later';
  }
  const at = last.getTime();
  return `RDS allows one storage change every six hours; the last one was at ${isoSeconds(at)}; try again after ${isoSeconds(at + STORAGE_CHANGE_INTERVAL_MS)}`;
}

/** The 422 for the refusal. Events are a help, not a need: without them (no rds:DescribeEvents) the answer has no times. */
export async function storageIntervalAnswer(deps: BrokerDeps, identifier: string): Promise<BrokerError> {
  // A little more than the interval: the last change may have finished just before it began.
  const events = await deps.rds.describeEvents(identifier, STORAGE_CHANGE_INTERVAL_MS / 60_000 + 60).catch((error: unknown) => {
    deps.log.warn({ identifier, err: (error as Error).message }, 'could not read the events of the last storage change');
    return [];
  });
  return new BrokerError(422, storageIntervalMessage(lastStorageChange(events)));
}
