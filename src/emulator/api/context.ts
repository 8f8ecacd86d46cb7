/** What every action handler works with. */
import type { Timing } from '../model/lifecycle.js';
import type { Arns } from '../model/ids.js';
import type { Store } from '../model/store.js';
import type { Clock } from '../runtime/clock.js';
import type { Fleet } from '../runtime/fleet.js';
import type { Scheduler } from '../runtime/scheduler.js';
import type { ClusterScheduler } from '../runtime/cluster-scheduler.js';
import type { QueryParams } from './query.js';

export interface AuthorityFacts {
  /** SHA-1 of the certificate's DER, lower-case hex, as RDS's Thumbprint. */
  thumbprint: string;
  validFrom: Date;
  validTill: Date;
}

export interface ActionContext {
  store: Store;
  fleet: Fleet;
  scheduler: Scheduler;
  clusters: ClusterScheduler;
  clock: Clock;
  arns: Arns;
  region: string;
  timing: Timing;
  /** The authority that signs every database's certificate, as DescribeCertificates reports it. */
  authority: AuthorityFacts;
  /** The request's time, in emulator time. */
  now: number;
  /** Records changed: persist soon. */
  changed(): void;
}

/** Returns the inner XML of `<ActionResult>`, or undefined for actions whose result is empty. */
export type ActionHandler = (ctx: ActionContext, params: QueryParams) => string | undefined;
