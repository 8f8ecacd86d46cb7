/**
 * The soak scenario: the broker's memory while it works. 1,000 instances in flight (half creating,
 * half modifying), housekeeping on (resync and credential check every minute), 200 polls a second
 * for six minutes; the broker's resident memory is read every few seconds from /proc, its V8 heap
 * from its own /metrics, and printed as it goes, then the peak and the growth.
 */
import { housekeepingEvery } from './broker-config.js';
import { load1m, pollAnswers, prepareEmulator } from './budget-scenario.js';
import { BENCH_REGION, writeBrokerConfig, type BenchContext } from './context.js';
import { seedFleet } from './fleet.js';
import { createLoadClient, offerRate, pollEachOnce } from './load.js';
import { cpuMsOf, memoryOf } from './processes.js';
import { scrape, type Sample } from './prometheus.js';
import { pollPaths } from './seed.js';
import { median, round } from './stats.js';

const MAX_IN_FLIGHT = 2000;
const MIB = 2 ** 20;

function heapOf(samples: Sample[]) {
  const pick = (name: string) => samples.find((s) => s.name === name)?.value;
  const mb = (value: number | undefined) => (value === undefined ? null : round(value / MIB, 1));
  return {
    heap_used_mb: mb(pick('nodejs_heap_size_used_bytes')),
    heap_total_mb: mb(pick('nodejs_heap_size_total_bytes')),
    external_mb: mb(pick('nodejs_external_memory_bytes')),
  };
}

export async function soakScenario(ctx: BenchContext): Promise<void> {
  const { options } = ctx;
  const speed = Math.min(options.speed, 1000);
  const emulator = await ctx.emulator(
    ['--databases', 'none', '--port', '0', '--speed', String(speed), '--region', BENCH_REGION],
    'emulator-soak.log',
  );
  try {
    await prepareEmulator(emulator);
    const fleet = await seedFleet(ctx, emulator, options.soakInstances, true, 'soak');
    const { file } = writeBrokerConfig(ctx, emulator, 'broker-soak', { coalescing: true, housekeeping: housekeepingEvery(60) });
    const broker = await ctx.launch(file, 'broker-soak.log');
    const load = createLoadClient(broker.url, ctx.username, ctx.password, 256);
    try {
      const targets = pollPaths(fleet);
      const warm = await pollEachOnce(load, targets, 32);
      if (warm.ok !== targets.length) throw new Error(`soak warm-up: ${targets.length - warm.ok} of ${targets.length} polls failed`);
      ctx.progress(`soak: ${options.soakRate} polls/s for ${options.soakSeconds} s over ${targets.length} instances, housekeeping on`);
      const readings: Array<{ t: number; rss: number }> = [];
      const started = performance.now();
      const cpuAtStart = cpuMsOf(broker.pid);
      // RSS is read on the dot, from /proc; the heap figures come from the broker's /metrics, which
      // a busy broker may answer late: a reading never waits for the one before it.
      const read = async () => {
        const t = round((performance.now() - started) / 1000, 1);
        const memory = memoryOf(broker.pid);
        readings.push({ t, rss: memory.rssMb });
        const heap = await scrape(broker.url, AbortSignal.timeout(5000)).then(heapOf, () => ({ heap_used_mb: null }));
        ctx.print({
          metric: 'soak_rss_mb',
          value: round(memory.rssMb, 1),
          unit: 'MiB',
          coalescing: true,
          scenario: 'soak',
          t_s: t,
          ...heap,
          load_1m: load1m(),
        });
      };
      await read();
      const pending = new Set<Promise<void>>();
      const sampler = setInterval(() => {
        const reading: Promise<void> = read().finally(() => pending.delete(reading));
        pending.add(reading);
      }, options.rssEvery * 1000);
      let polled;
      try {
        polled = await offerRate(load, targets, options.soakRate, options.soakSeconds, MAX_IN_FLIGHT);
      } finally {
        clearInterval(sampler);
        await Promise.all(pending);
      }
      await read();
      const cpuMs = cpuMsOf(broker.pid) - cpuAtStart;
      const memory = memoryOf(broker.pid);
      const peak = Math.max(...readings.map((r) => r.rss));
      // Growth: the last third's median against the first third's (the first reading, before any load, left out).
      const settled = readings.slice(1);
      const third = Math.max(1, Math.floor(settled.length / 3));
      const first = median(settled.slice(0, third).map((r) => r.rss));
      const last = median(settled.slice(-third).map((r) => r.rss));
      const common = {
        scenario: 'soak',
        instances: targets.length,
        offered_per_s: options.soakRate,
        seconds: round(polled.elapsedSeconds, 1),
      };
      ctx.print({
        metric: 'soak_rss_peak_mb',
        value: round(peak, 1),
        unit: 'MiB',
        coalescing: true,
        ...common,
        vm_hwm_mb: round(memory.peakMb, 1),
        // What a memory setting costs in CPU (node flags: BENCH_BROKER_NODE_ARGS, NODE_OPTIONS).
        broker_cpu_ms_per_poll: polled.completed > 0 ? round(cpuMs / polled.completed, 3) : null,
        node_args: ctx.brokerNodeArgs.join(' '),
        samples: readings.length,
        load_1m: load1m(),
        ...pollAnswers(polled),
      });
      ctx.print({
        metric: 'soak_rss_growth_mb',
        value: first !== undefined && last !== undefined ? round(last - first, 1) : null,
        unit: 'MiB',
        coalescing: true,
        ...common,
        first_third_median_mb: first !== undefined ? round(first, 1) : null,
        last_third_median_mb: last !== undefined ? round(last, 1) : null,
      });
    } finally {
      load.agent.destroy();
      await ctx.stop(broker);
    }
  } finally {
    await ctx.stopEmulator(emulator);
  }
}
