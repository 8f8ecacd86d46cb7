import { CronExpressionParser, type CronExpression } from 'cron-parser';
import type { ElectionLog } from './leader.js';
import { asJobRun } from '../log/context.js';

/** A housekeeping job, run on its schedule by whichever replica leads. */
export interface HousekeepingJob {
  /** Names the job in logs and stats. */
  name: string;
  /** Cron: five fields (minute first) or six (second first), or an @alias; evaluated in UTC. */
  schedule: string;
  /**
   * One run. `signal` aborts when leadership is lost or the broker stops: stop at the next safe
   * point and return (throwing is fine too). A run never overlaps another run of the same job.
   */
  run(signal: AbortSignal): Promise<void>;
}

export interface JobStats {
  runs: number;
  failures: number;
  /** Occurrences not run because the previous run of the job was still going. */
  skipped: number;
  running: boolean;
  lastStartedAt?: Date;
  lastFinishedAt?: Date;
  /** The message of the last failure (job errors must not carry secrets). */
  lastError?: string;
}

export interface SchedulerOptions {
  /** Each run starts at a random moment up to this long after its scheduled time. */
  jitterMs: number;
  log?: ElectionLog & { error(object: object, message: string): void };
  random?: () => number;
  /** Told when a run ends, succeeded or failed (for metrics); not for a run leadership's loss stopped. */
  onRunEnded?: (job: string, succeeded: boolean, at: Date) => void;
}

export class ScheduleError extends Error {}

const aliases = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@hourly',
  '@minutely',
  '@secondly',
  '@weekdays',
  '@weekends',
]);

/**
 * Parses a cron expression, more strictly than cron-parser alone (which accepts three fields or an
 * empty string): exactly five or six fields, or a known alias.
 */
export function parseSchedule(expression: string, after: Date = new Date()): CronExpression {
  const trimmed = expression.trim();
  const fields = trimmed.split(/\s+/).filter(Boolean).length;
  if (!aliases.has(trimmed) && fields !== 5 && fields !== 6) {
    throw new ScheduleError(
      `${JSON.stringify(expression)} is not a cron expression: expected 5 fields (minute hour day month weekday) or 6 (with seconds first)`,
    );
  }
  try {
    return CronExpressionParser.parse(trimmed, { currentDate: after, tz: 'UTC' });
  } catch (error) {
    throw new ScheduleError(`${JSON.stringify(expression)} is not a valid cron expression: ${(error as Error).message}`);
  }
}

/** The next occurrence strictly after `after`, and when to start it with jitter applied. Pure. */
export function nextRun(expression: string, after: Date, jitterMs: number, random: number): { scheduledFor: Date; startAt: Date } {
  const scheduledFor = parseSchedule(expression, after).next().toDate();
  return { scheduledFor, startAt: new Date(scheduledFor.getTime() + Math.floor(jitterMs * random)) };
}

/**
 * Runs housekeeping jobs on their cron schedules, only inside `lead(signal)` — that is, only while
 * this replica leads — and stops them the moment the signal aborts.
 */
export class HousekeepingScheduler {
  private readonly jobs: HousekeepingJob[];
  private readonly stats = new Map<string, JobStats>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly random: () => number;

  constructor(
    jobs: HousekeepingJob[],
    private readonly options: SchedulerOptions,
  ) {
    const names = new Set<string>();
    for (const job of jobs) {
      if (names.has(job.name)) throw new ScheduleError(`two housekeeping jobs are named ${job.name}`);
      names.add(job.name);
      try {
        parseSchedule(job.schedule);
      } catch (error) {
        throw new ScheduleError(`housekeeping job ${job.name}: ${(error as Error).message}`);
      }
      this.stats.set(job.name, { runs: 0, failures: 0, skipped: 0, running: false });
    }
    this.jobs = [...jobs];
    this.random = options.random ?? Math.random;
  }

  jobStats(): Record<string, JobStats> {
    return Object.fromEntries([...this.stats].map(([name, s]) => [name, { ...s }]));
  }

  /** Runs every job on its schedule until `signal` aborts; resolves once every run it started has ended. */
  async lead(signal: AbortSignal): Promise<void> {
    await Promise.all(this.jobs.map((job) => this.follow(job, signal)));
  }

  private async follow(job: HousekeepingJob, signal: AbortSignal): Promise<void> {
    let after = new Date();
    while (!signal.aborted) {
      const { scheduledFor, startAt } = nextRun(job.schedule, after, this.options.jitterMs, this.random());
      await sleepUntil(startAt, signal);
      if (signal.aborted) break;
      after = scheduledFor;
      const previous = this.running.get(job.name);
      if (previous) {
        // Still running from an earlier leadership round: never two runs of one job at once.
        this.stat(job).skipped++;
        this.options.log?.warn(
          { job: job.name, scheduledFor: scheduledFor.toISOString() },
          'housekeeping run skipped: previous run still going',
        );
        continue;
      }
      const run = this.runOnce(job, signal);
      this.running.set(job.name, run);
      await run;
      this.running.delete(job.name);
      // Occurrences that passed while the job ran are skipped, not run back to back.
      if (Date.now() > after.getTime()) after = new Date();
    }
    const stillRunning = this.running.get(job.name);
    if (stillRunning) await stillRunning;
  }

  private async runOnce(job: HousekeepingJob, signal: AbortSignal): Promise<void> {
    const stats = this.stat(job);
    stats.runs++;
    stats.running = true;
    stats.lastStartedAt = new Date();
    const log = this.options.log;
    log?.debug({ job: job.name }, 'housekeeping run started');
    try {
      await asJobRun(job.name, () => job.run(signal));
      log?.info({ job: job.name, aborted: signal.aborted }, 'housekeeping run finished');
      // A run cut short by the loss of leadership did not do its work: not a success.
      if (!signal.aborted) this.options.onRunEnded?.(job.name, true, new Date());
    } catch (error) {
      if (signal.aborted) {
        // Stopped because leadership ended: an interruption, not a failure.
        log?.info({ job: job.name }, 'housekeeping run stopped: leadership lost');
      } else {
        stats.failures++;
        stats.lastError = (error as Error)?.message ?? String(error);
        log?.error({ job: job.name, error: stats.lastError }, 'housekeeping run failed');
        this.options.onRunEnded?.(job.name, false, new Date());
      }
    } finally {
      stats.running = false;
      stats.lastFinishedAt = new Date();
    }
  }

  private stat(job: HousekeepingJob): JobStats {
    return this.stats.get(job.name)!;
  }
}

/** setTimeout holds at most about 24.8 days; a yearly job sleeps in steps. */
const maxTimerMs = 2 ** 31 - 1;

function sleepUntil(at: Date, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const arm = () => {
      const remaining = at.getTime() - Date.now();
      if (remaining <= 0) return finish();
      timer = setTimeout(remaining > maxTimerMs ? arm : finish, Math.min(remaining, maxTimerMs));
    };
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', finish, { once: true });
    arm();
  });
}
