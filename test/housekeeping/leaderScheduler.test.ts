import { expect } from 'chai';
import { HousekeepingScheduler, ScheduleError, nextRun, parseSchedule, type HousekeepingJob } from '../../src/housekeeping/scheduler.js';
import { startHousekeeping, type HousekeepingSettings, type RunningHousekeeping } from '../../src/housekeeping/leadership.js';
import { KubeApiDouble } from './kubeApiDouble.js';
import { sleep, storeFor, waitFor } from './leaderHarness.js';

const settings = (overrides: Partial<HousekeepingSettings> = {}): HousekeepingSettings => ({
  mode: 'auto',
  snapshotCleanup: '17 3 * * *',
  credentialCheck: '*/30 * * * *',
  resync: '* * * * *',
  jitterSeconds: 0,
  // The smallest whole-second timings the configuration allows.
  lease: { name: 'rds-broker-housekeeping', durationSeconds: 3, renewDeadlineSeconds: 2, retryPeriodSeconds: 1 },
  ...overrides,
});

interface Run {
  replica: string;
  job: string;
  start: number;
  end?: number;
  aborted?: boolean;
}

/** A job that records its runs and, when `holdMs` is set, works that long unless aborted first. */
function recordingJob(runs: Run[], replica: string, name: string, schedule: string, holdMs = 0): HousekeepingJob {
  return {
    name,
    schedule,
    async run(signal) {
      const run: Run = { replica, job: name, start: performance.now() };
      runs.push(run);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, holdMs);
        signal.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            run.aborted = true;
            resolve();
          },
          { once: true },
        );
      });
      run.end = performance.now();
    },
  };
}

describe('housekeeping scheduler', function () {
  this.timeout(30_000);

  describe('schedules (pure)', () => {
    const table: Array<[string, string, number, number, string]> = [
      ['17 3 * * *', '2026-01-01T03:17:00.000Z', 0, 0, '2026-01-02T03:17:00.000Z'],
      ['17 3 * * *', '2026-01-01T03:16:59.000Z', 0, 0, '2026-01-01T03:17:00.000Z'],
      ['*/30 * * * *', '2026-01-01T10:29:59.000Z', 0, 0, '2026-01-01T10:30:00.000Z'],
      ['* * * * *', '2026-01-01T10:29:59.000Z', 30_000, 0.5, '2026-01-01T10:30:00.000Z'],
      ['*/10 * * * * *', '2026-01-01T10:29:51.000Z', 0, 0, '2026-01-01T10:30:00.000Z'],
      ['@daily', '2026-01-01T10:00:00.000Z', 0, 0, '2026-01-02T00:00:00.000Z'],
    ];
    for (const [expression, after, jitterMs, random, scheduled] of table) {
      it(`${expression} after ${after} → ${scheduled} (jitter ${jitterMs} ms × ${random})`, () => {
        const run = nextRun(expression, new Date(after), jitterMs, random);
        expect(run.scheduledFor.toISOString()).to.equal(scheduled);
        expect(run.startAt.getTime() - run.scheduledFor.getTime()).to.equal(Math.floor(jitterMs * random));
      });
    }
    for (const bad of ['', '* * *', '61 * * * *', 'hello world every day', '* * * * * * *', '0 0 30 2 *']) {
      it(`refuses ${JSON.stringify(bad)} with a message naming it`, () => {
        expect(() => parseSchedule(bad)).to.throw(ScheduleError, JSON.stringify(bad));
      });
    }
    it('refuses a job with a bad schedule, naming the job', () => {
      expect(
        () => new HousekeepingScheduler([{ name: 'snapshot-cleanup', schedule: '* *', run: async () => {} }], { jitterMs: 0 }),
      ).to.throw(ScheduleError, /snapshot-cleanup/);
    });
    it('refuses two jobs of one name', () => {
      const job = { name: 'resync', schedule: '* * * * *', run: async () => {} };
      expect(() => new HousekeepingScheduler([job, job], { jitterMs: 0 })).to.throw(ScheduleError, /resync/);
    });
  });

  describe('running jobs', () => {
    it('runs a job on its schedule, never two runs at once, and stops it the moment the signal aborts', async () => {
      const runs: Run[] = [];
      // Every second, but each run takes 1.5 s: occurrences that pass meanwhile are skipped.
      const scheduler = new HousekeepingScheduler([recordingJob(runs, 'solo', 'slow', '* * * * * *', 1_500)], { jitterMs: 0 });
      const lead = new AbortController();
      const done = scheduler.lead(lead.signal);
      await waitFor(() => runs.length >= 2 && runs.at(-1)!.end === undefined, 'a second run under way');
      lead.abort();
      await done;

      const [first, second] = runs;
      expect(first!.end, 'the first run ended before the second began').to.be.at.most(second!.start);
      expect(second!.aborted, 'the running job saw the abort').to.equal(true);
      expect(second!.end, 'lead() waited for the aborted run to return').to.be.a('number');
      const stats = scheduler.jobStats().slow!;
      expect(stats.runs).to.equal(runs.length);
      expect(stats.running).to.equal(false);
      expect(stats.failures, 'an aborted run is not a failure').to.equal(0);
      const countAfter = runs.length;
      await sleep(1_200);
      expect(runs.length, 'no run after the signal aborted').to.equal(countAfter);
    });

    it('counts a failing run and goes on to the next occurrence', async () => {
      let calls = 0;
      const scheduler = new HousekeepingScheduler(
        [
          {
            name: 'flaky',
            schedule: '* * * * * *',
            run: async () => {
              calls++;
              if (calls === 1) throw new Error('RDS throttled the describe');
            },
          },
        ],
        { jitterMs: 0 },
      );
      const lead = new AbortController();
      const done = scheduler.lead(lead.signal);
      await waitFor(() => calls >= 2, 'a second run');
      lead.abort();
      await done;
      const stats = scheduler.jobStats().flaky!;
      expect(stats.failures).to.equal(1);
      expect(stats.lastError).to.equal('RDS throttled the describe');
      expect(stats.runs).to.equal(calls);
    });
  });

  describe('modes without Kubernetes', () => {
    const started: RunningHousekeeping[] = [];
    afterEach(async () => {
      await Promise.all(started.splice(0).map((h) => h.stop()));
    });

    const cases: Array<[HousekeepingSettings['mode'], NodeJS.ProcessEnv, boolean]> = [
      ['always', {}, true],
      ['never', {}, false],
      ['auto', {}, false],
    ];
    for (const [mode, env, runsJobs] of cases) {
      it(`mode ${mode} outside a cluster ${runsJobs ? 'runs' : 'does not run'} the jobs`, async () => {
        const runs: Run[] = [];
        const housekeeping = startHousekeeping(settings({ mode }), [recordingJob(runs, 'local', 'tick', '* * * * * *')], { env });
        started.push(housekeeping);
        expect(housekeeping.leadership.participation).to.equal(mode === 'always' ? 'always' : 'never');
        await sleep(1_300);
        expect(housekeeping.isLeader()).to.equal(runsJobs);
        expect(runs.length > 0).to.equal(runsJobs);
      });
    }
  });

  describe('with three replicas electing through the Lease API', () => {
    let api: KubeApiDouble;
    const replicas: Array<{ name: string; token: string; housekeeping: RunningHousekeeping }> = [];

    beforeEach(async () => {
      api = new KubeApiDouble();
      await api.start();
    });
    afterEach(async () => {
      await Promise.all(replicas.splice(0).map((r) => r.housekeeping.stop()));
      await api.close();
    });

    it('runs the jobs on the leader only, and moves them without overlap when the leader is cut off', async () => {
      const runs: Run[] = [];
      for (const name of ['broker-a', 'broker-b', 'broker-c']) {
        const token = `${name}-token`;
        const jobs = [
          recordingJob(runs, name, 'resync', '* * * * * *', 400),
          recordingJob(runs, name, 'long-cleanup', '* * * * * *', 60_000),
        ];
        const housekeeping = startHousekeeping(settings({ mode: 'leader' }), jobs, {
          env: { POD_NAME: name },
          store: storeFor(api, token),
        });
        replicas.push({ name, token, housekeeping });
      }
      await waitFor(() => runs.some((r) => r.job === 'resync'), 'a first resync run');
      const leader = replicas.find((r) => r.housekeeping.isLeader())!;
      await waitFor(() => runs.filter((r) => r.job === 'resync').length >= 3, 'three resync runs');
      expect(new Set(runs.map((r) => r.replica)), 'replicas that ran jobs while one led').to.deep.equal(new Set([leader.name]));

      // Cut the leader off from the API server: its long job must be stopped, then another takes over.
      api.setFault(leader.token, { kind: 'error', status: 503 });
      await waitFor(() => runs.some((r) => r.replica !== leader.name && r.job === 'resync'), 'a resync run on another replica');
      const oldRuns = runs.filter((r) => r.replica === leader.name);
      const newRuns = runs.filter((r) => r.replica !== leader.name);
      expect(oldRuns.find((r) => r.job === 'long-cleanup')?.aborted, 'the long job on the old leader was aborted').to.equal(true);
      expect(
        oldRuns.every((r) => r.end !== undefined),
        'every run on the old leader has ended',
      ).to.equal(true);
      const lastOldEnd = Math.max(...oldRuns.map((r) => r.end!));
      const firstNewStart = Math.min(...newRuns.map((r) => r.start));
      expect(lastOldEnd, 'the old leader stopped before the new one started').to.be.below(firstNewStart);
      expect(new Set(newRuns.map((r) => r.replica)).size, 'one new leader').to.equal(1);
      expect(leader.housekeeping.isLeader()).to.equal(false);
    });
  });
});
