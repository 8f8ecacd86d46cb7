/**
 * The fleet scenario: many instances in flight (10,000 by default) polled at a platform's pace
 * (each every 60 s) against the throttled emulator, with housekeeping's resync and credential check
 * running, and a platform's synchronous request (a provision) every few seconds meanwhile. What it
 * shows: the RDS calls a second the whole broker spends, and whether a synchronous request ever
 * waits more than a second for the request budget (from the broker's own wait histogram).
 */
import { benchPlans, housekeepingEvery } from './broker-config.js';
import { callsBetween, load1m, pollAnswers, prepareEmulator, sorted, throttledEmulator, waitsOf } from './budget-scenario.js';
import { writeBrokerConfig, type BenchContext } from './context.js';
import { readCalls, setThrottle } from './emulator-admin.js';
import { seedFleet } from './fleet.js';
import { createLoadClient, offerRate } from './load.js';
import { scrape } from './prometheus.js';
import { newInstanceIds, osbClient, provisionAnswer, type ProvisionAnswer } from './seed.js';
import { round, summarise } from './stats.js';

const MAX_IN_FLIGHT = 2000;

export async function fleetScenario(ctx: BenchContext): Promise<void> {
  const { options } = ctx;
  const emulator = await throttledEmulator(ctx, 'fleet');
  try {
    await prepareEmulator(emulator);
    const seedStarted = performance.now();
    const fleet = await seedFleet(ctx, emulator, options.fleetInstances, false, 'fleet');
    ctx.progress(`fleet: ${fleet.creating.length} instances creating (${round((performance.now() - seedStarted) / 1000, 1)} s)`);
    const { file } = writeBrokerConfig(ctx, emulator, 'broker-fleet', {
      coalescing: true,
      housekeeping: housekeepingEvery(options.fleetPollInterval),
    });
    await setThrottle(emulator.url, true);
    const broker = await ctx.launch(file, 'broker-fleet.log');
    const load = createLoadClient(broker.url, ctx.username, ctx.password, 256);
    try {
      const targets = fleet.creating.map((id) => ({ path: `/v2/service_instances/${id}/last_operation?operation=provision` }));
      const rate = targets.length / options.fleetPollInterval;
      ctx.progress(
        `fleet: polling ${targets.length} every ${options.fleetPollInterval} s (${round(rate, 1)}/s) for ${options.fleetSeconds} s, housekeeping on, a provision every ${options.fleetRequestEvery} s`,
      );
      const metricsBefore = await scrape(broker.url);
      const before = await readCalls(emulator.url);
      const client = osbClient(broker.url, ctx.username, ctx.password);
      const requests: Array<Promise<ProvisionAnswer>> = [];
      let polling = true;
      const requester = (async () => {
        while (polling) {
          await new Promise((resolve) => setTimeout(resolve, options.fleetRequestEvery * 1000));
          if (polling) requests.push(provisionAnswer(client, benchPlans, newInstanceIds(1)[0]!));
        }
      })();
      const polled = await offerRate(load, targets, rate, options.fleetSeconds, MAX_IN_FLIGHT);
      polling = false;
      await requester;
      const answers = await Promise.all(requests);
      const after = await readCalls(emulator.url);
      const metricsAfter = await scrape(broker.url);
      const calls = callsBetween(before, after);
      const waits = waitsOf(metricsAfter, metricsBefore);
      const statuses: Record<string, number> = {};
      for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
      const latency = summarise(answers.map((a) => a.ms));
      const common = {
        scenario: 'fleet',
        instances: targets.length,
        poll_interval_s: options.fleetPollInterval,
        seconds: round(polled.elapsedSeconds, 1),
        load_1m: load1m(),
      };
      ctx.print({
        metric: 'fleet_rds_calls_per_second',
        value: round(calls.total / polled.elapsedSeconds, 2),
        unit: 'calls/s',
        coalescing: true,
        ...common,
        rds_calls: calls.total,
        by_action: calls.byAction,
        throttled: calls.throttled,
        budget_waits: waits,
        ...pollAnswers(polled),
      });
      ctx.print({
        metric: 'fleet_request_waits_over_1s',
        value: waits.request!.over_1s,
        unit: 'RDS calls',
        coalescing: true,
        ...common,
        request_calls: waits.request!.granted,
        request_max_wait_within_s: waits.request!.max_within_s,
        provisions: answers.length,
        provision_statuses: sorted(statuses),
        provision_p50_ms: latency ? round(latency.p50, 1) : null,
        provision_max_ms: latency ? round(latency.max, 1) : null,
      });
      ctx.print({ metric: 'fleet_failed_polls', value: polled.states.failed ?? 0, unit: 'polls', coalescing: true, ...common });
    } finally {
      load.agent.destroy();
      await ctx.stop(broker);
    }
  } finally {
    await ctx.stopEmulator(emulator);
  }
}
