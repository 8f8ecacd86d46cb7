/**
 * The budget scenario: provisions arriving together, over OSB, against `rds-broker emulator
 * --throttle` (RDS's default budget: 300 requests of burst, 12 a second, `Throttling` past it), then
 * the accepted instances polled at a platform's pace with housekeeping running. What it shows: how
 * many the broker's request budget lets through within its wait bound, that the rest get a 503 with
 * Retry-After, and that throttled calls and repeated creates stay rare.
 */
import { loadavg } from 'node:os';
import { RdsGateway } from '../src/aws/gateway.js';
import { ensureLocalParameterGroups } from '../src/local/parameter-groups.js';
import { benchPlans, housekeepingEvery } from './broker-config.js';
import { BENCH_REGION, writeBrokerConfig, type BenchContext } from './context.js';
import { countInstances, readCalls, setThrottle, throttledOf, type CallCounts } from './emulator-admin.js';
import { createLoadClient, offerRate, type LoadResult } from './load.js';
import type { EmulatorProcess } from './processes.js';
import { budgetWaits, scrape, since, type Sample } from './prometheus.js';
import { newInstanceIds, osbClient, provisionAnswer, type ProvisionAnswer } from './seed.js';
import { callDelta, round, summarise } from './stats.js';

/** Polls the open loop may keep waiting before it counts further due polls as skipped. */
const MAX_IN_FLIGHT = 2000;

export const sorted = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).sort());
export const load1m = () => round(loadavg()[0]!, 2);

/** The throttled emulator, as a developer runs it: `rds-broker emulator --throttle --databases none`. */
export async function throttledEmulator(ctx: BenchContext, name: string): Promise<EmulatorProcess> {
  const speed = Math.min(ctx.options.speed, 1000);
  const args = ['--throttle', '--databases', 'none', '--port', '0', '--speed', String(speed), '--region', BENCH_REGION];
  ctx.progress(`${name}: rds-broker emulator ${args.join(' ')}`);
  return ctx.emulator(args, `emulator-${name}.log`);
}

/** The local plans' parameter groups, made while the throttle is off so they cost the scenario nothing. */
export async function prepareEmulator(emulator: EmulatorProcess): Promise<void> {
  await setThrottle(emulator.url, false);
  const rds = new RdsGateway({
    endpoint: emulator.url,
    region: BENCH_REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
    retry: { maxAttempts: 3, budgetMs: 10_000, baseDelayMs: 100, maxDelayMs: 2000 },
    coalesce: { enabled: false, windowMs: 0, maxIdentifiers: 100 },
  });
  try {
    await ensureLocalParameterGroups(rds);
  } finally {
    rds.close();
  }
}

/** RDS calls between two readings: by action, and how many of them the emulator throttled. */
export function callsBetween(before: CallCounts, after: CallCounts) {
  const calls = callDelta(before.calls, after.calls);
  const throttled = callDelta(throttledOf(before), throttledOf(after));
  return {
    total: calls.total,
    byAction: sorted(calls.byAction),
    throttled: throttled.total,
    throttledByAction: sorted(throttled.byAction),
  };
}

/** The budget's waits by priority over a phase, from the broker's /metrics. */
export function waitsOf(after: Sample[], before: Sample[]) {
  const phase = since(after, before);
  const out: Record<string, { granted: number; over_1s: number; max_within_s: number | null }> = {};
  for (const priority of ['request', 'poll', 'background']) {
    const w = budgetWaits(phase, priority, 1);
    out[priority] = { granted: w.count, over_1s: w.over, max_within_s: w.maxWithinSeconds };
  }
  return out;
}

export function pollAnswers(result: LoadResult) {
  return {
    polls: result.completed,
    ok: result.ok,
    skipped: result.skipped,
    statuses: sorted(result.statuses),
    states: sorted(result.states),
    ...(Object.keys(result.errors).length ? { errors: sorted(result.errors) } : {}),
  };
}

function burstAnswers(answers: ProvisionAnswer[]) {
  const statuses: Record<string, number> = {};
  for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const refused = answers.filter((a) => a.status === 503);
  const latency = summarise(answers.map((a) => a.ms));
  return {
    statuses: sorted(statuses),
    accepted: answers.filter((a) => a.status === 202).length,
    refused_503: refused.length,
    refused_with_retry_after: refused.filter((a) => a.retryAfter !== undefined && /^\d+$/.test(a.retryAfter)).length,
    retry_after_s: summarise(refused.filter((a) => a.retryAfter).map((a) => Number(a.retryAfter))) ?? null,
    answer_p50_s: latency ? round(latency.p50 / 1000, 2) : null,
    answer_max_s: latency ? round(latency.max / 1000, 2) : null,
  };
}

export async function budgetScenario(ctx: BenchContext): Promise<void> {
  const { options } = ctx;
  const emulator = await throttledEmulator(ctx, 'budget');
  try {
    await prepareEmulator(emulator);
    const { file } = writeBrokerConfig(ctx, emulator, 'broker-budget', {
      coalescing: true,
      housekeeping: housekeepingEvery(options.budgetPollInterval),
    });
    // A full bucket for the burst, as RDS's would be after a quiet spell.
    await setThrottle(emulator.url, true);
    const broker = await ctx.launch(file, 'broker-budget.log');
    try {
      const client = osbClient(broker.url, ctx.username, ctx.password);
      const ids = newInstanceIds(options.provisions);
      ctx.progress(`budget: ${ids.length} provisions at once over OSB`);
      const metricsBefore = await scrape(broker.url);
      const before = await readCalls(emulator.url);
      const started = performance.now();
      const answers = await Promise.all(ids.map((id) => provisionAnswer(client, benchPlans, id)));
      const burstSeconds = (performance.now() - started) / 1000;
      const afterBurst = await readCalls(emulator.url);
      const metricsAfterBurst = await scrape(broker.url);
      const burst = callsBetween(before, afterBurst);
      const created = await countInstances(emulator.url);
      const summary = burstAnswers(answers);
      const common = { scenario: 'budget', provisions: options.provisions, load_1m: load1m() };
      ctx.print({
        metric: 'budget_accepted',
        value: summary.accepted,
        unit: 'provisions',
        coalescing: true,
        ...common,
        seconds: round(burstSeconds, 1),
        ...summary,
        rds_calls: burst.total,
        by_action: burst.byAction,
        throttled: burst.throttled,
        budget_waits: waitsOf(metricsAfterBurst, metricsBefore),
      });
      const creates = burst.byAction.CreateDBInstance ?? 0;
      ctx.print({
        metric: 'budget_creates_per_instance',
        value: created > 0 ? round(creates / created, 3) : null,
        unit: 'calls/instance',
        coalescing: true,
        ...common,
        create_calls: creates,
        instances_created: created,
        create_throttled: burst.throttledByAction.CreateDBInstance ?? 0,
      });

      const accepted = ids.filter((_, i) => answers[i]!.status === 202);
      let polled: LoadResult | undefined;
      let pollCalls = callsBetween(afterBurst, afterBurst);
      let pollSeconds = 0;
      if (accepted.length > 0) {
        const rate = accepted.length / options.budgetPollInterval;
        ctx.progress(
          `budget: polling ${accepted.length} instances every ${options.budgetPollInterval} s (${round(rate, 2)}/s) for ${options.budgetPollSeconds} s, housekeeping on`,
        );
        const load = createLoadClient(broker.url, ctx.username, ctx.password, 256);
        try {
          const targets = accepted.map((id) => ({ path: `/v2/service_instances/${id}/last_operation?operation=provision` }));
          polled = await offerRate(load, targets, rate, options.budgetPollSeconds, MAX_IN_FLIGHT);
        } finally {
          load.agent.destroy();
        }
        pollSeconds = polled.elapsedSeconds;
        pollCalls = callsBetween(afterBurst, await readCalls(emulator.url));
      }
      const metricsAfterPolls = await scrape(broker.url);
      const phases = { ...common, load_1m: load1m() };
      ctx.print({
        metric: 'budget_poll_calls_per_second',
        value: pollSeconds > 0 ? round(pollCalls.total / pollSeconds, 2) : null,
        unit: 'calls/s',
        coalescing: true,
        ...phases,
        instances: accepted.length,
        poll_interval_s: options.budgetPollInterval,
        seconds: round(pollSeconds, 1),
        rds_calls: pollCalls.total,
        by_action: pollCalls.byAction,
        throttled: pollCalls.throttled,
        budget_waits: waitsOf(metricsAfterPolls, metricsAfterBurst),
        ...(polled ? pollAnswers(polled) : {}),
      });
      ctx.print({
        metric: 'budget_failed_polls',
        value: polled?.states.failed ?? 0,
        unit: 'polls',
        coalescing: true,
        ...phases,
        polls: polled?.completed ?? 0,
        not_200: polled ? polled.completed - polled.ok : 0,
      });
      const total = burst.total + pollCalls.total;
      const throttled = burst.throttled + pollCalls.throttled;
      ctx.print({
        metric: 'budget_throttled_share',
        value: total > 0 ? round(throttled / total, 4) : null,
        unit: 'share of RDS calls',
        coalescing: true,
        ...phases,
        rds_calls: total,
        throttled,
        throttled_by_action: sorted(callDelta(throttledOf(before), throttledOf(await readCalls(emulator.url))).byAction),
      });
    } finally {
      await ctx.stop(broker);
    }
  } finally {
    await ctx.stopEmulator(emulator);
  }
}
