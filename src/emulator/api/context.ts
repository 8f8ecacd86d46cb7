/** What every action handler works with. */
import type { Timing } from '../model/lifecycle.js';
import type { Arns } from '../model/ids.js';
import type { Store } from '../model/store.js';
import type { Clock } from '../runtime/clock.js';
import type { Fleet } from '../runtime/fleet.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { QueryParams } from './query.js';

export interface ActionContext {
  store: Store;
  fleet: Fleet;
  scheduler: Scheduler;
  clock: Clock;
  arns: Arns;
  region: string;
  timing: Timing;
  /** The request's time, in emulator time. */
  now: number;
  /** Records changed: persist soon. */
  changed(): void;
}

/** Returns the inner XML of `<ActionResult>`, or undefined for actions whose result is empty. */
export type ActionHandler = (ctx: ActionContext, params: QueryParams) => string | undefined;
