/**
 * `npm run bench`: the broker's performance figures, one JSON line each on standard output
 * (progress goes to standard error). See bench/README.md for what each figure means.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { benchConfigDocument, effectiveCoalescing } from './broker-config.js';
import { budgetScenario } from './budget-scenario.js';
import { BENCH_REGION, type BenchContext } from './context.js';
import { readCalls } from './emulator-admin.js';
import { fleetScenario } from './fleet-scenario.js';
import { seedFleet } from './fleet.js';
import { soakScenario } from './soak.js';
import { formatFigure, type Figure } from './figures.js';
import { closedLoop, createLoadClient, offerRate, openConnections, pollEachOnce, type LoadResult, type PollTarget } from './load.js';
import { benchUsage, BenchUsageError, parseBenchOptions, type BenchOptions } from './options.js';
import {
  cpuMsOf,
  freePort,
  memoryOf,
  startBroker,
  startEmulatorCommand,
  startEmulatorProcess,
  type BrokerProcess,
  type EmulatorProcess,
} from './processes.js';
import { productionNodeFlags } from './node-flags.js';
import { pollPaths } from './seed.js';
import { callDelta, median, round, summarise } from './stats.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const progress = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const print = (figure: Figure) => process.stdout.write(`${formatFigure(figure)}\n`);

/** Polls the open loop may keep waiting before it counts further due polls as skipped. */
const MAX_IN_FLIGHT = 2000;

interface Run {
  options: BenchOptions;
  outDir: string;
  emulator: EmulatorProcess;
  username: string;
  password: string;
  derivationSecret: string;
  builtEntry: string;
  children: Set<BrokerProcess>;
}

function writeConfig(
  run: Run,
  coalescing: boolean,
): { file: string; document: Record<string, any>; coalesce: ReturnType<typeof effectiveCoalescing> } {
  const document = benchConfigDocument({
    emulatorUrl: run.emulator.url,
    ...(run.emulator.caFile ? { caFile: run.emulator.caFile } : {}),
    username: run.username,
    password: run.password,
    derivationSecret: run.derivationSecret,
    coalescing,
    ...(run.options.windowMs !== undefined ? { windowMs: run.options.windowMs } : {}),
  });
  const file = join(run.outDir, `broker-coalescing-${coalescing ? 'on' : 'off'}.json`);
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`, { mode: 0o600 });
  return { file, document, coalesce: effectiveCoalescing(document) };
}

/**
 * Node arguments for the brokers: production's (the image's ENTRYPOINT), unless BENCH_BROKER_NODE_ARGS
 * names others (e.g. `--cpu-prof --cpu-prof-dir=bench/out/profiles` to profile them; empty: none).
 */
const brokerNodeArgs =
  process.env.BENCH_BROKER_NODE_ARGS !== undefined
    ? process.env.BENCH_BROKER_NODE_ARGS.split(' ').filter(Boolean)
    : productionNodeFlags(join(root, 'Dockerfile'));

async function launch(run: Run, configFile: string, entry: string, logName: string): Promise<BrokerProcess> {
  const broker = await startBroker({
    entry,
    configFile,
    port: await freePort(),
    logFile: join(run.outDir, logName),
    nodeArgs: brokerNodeArgs,
  });
  run.children.add(broker);
  return broker;
}

async function stop(run: Run, broker: BrokerProcess): Promise<void> {
  await broker.stop();
  run.children.delete(broker);
}

const counts = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).sort());

function answers(result: LoadResult) {
  return {
    polls: result.completed,
    ok: result.ok,
    skipped: result.skipped,
    statuses: counts(result.statuses),
    states: counts(result.states),
    ...(Object.keys(result.errors).length ? { errors: counts(result.errors) } : {}),
  };
}

async function measureStartup(run: Run, configFile: string, coalescing: boolean, mode: Record<string, unknown>): Promise<BrokerProcess> {
  const logName = `broker-coalescing-${coalescing ? 'on' : 'off'}.log`;
  const fromSource: BrokerProcess[] = [];
  for (let i = 0; i < run.options.startupRuns; i++) {
    const broker = await launch(run, configFile, join(root, 'bin', 'rds-broker.js'), logName);
    fromSource.push(broker);
    await stop(run, broker);
  }
  // The compiled starts come last: the last one stays up to be measured.
  const built: BrokerProcess[] = [];
  for (let i = 0; i < run.options.startupRuns; i++) {
    if (built.length > 0) await stop(run, built[built.length - 1]!);
    built.push(await launch(run, configFile, run.builtEntry, logName));
  }
  const medianOf = (starts: BrokerProcess[], pick: (b: BrokerProcess) => number) => round(median(starts.map(pick))!, 1);
  const samples = (starts: BrokerProcess[]) => starts.map((b) => round(b.readyMs, 1));
  const until = '/readyz answers 200';
  print({
    metric: 'startup_ms',
    value: medianOf(built, (b) => b.readyMs),
    unit: 'ms',
    ...mode,
    coalescing,
    entry: 'compiled JavaScript (production)',
    until,
    samples: samples(built),
    listening_ms: medianOf(built, (b) => b.listeningMs),
    cpu_ms: medianOf(built, (b) => b.readyCpuMs),
    load_1m: round(loadavg()[0]!, 2),
  });
  print({
    metric: 'startup_from_source_ms',
    value: medianOf(fromSource, (b) => b.readyMs),
    unit: 'ms',
    ...mode,
    coalescing,
    entry: 'bin/rds-broker.js, TypeScript through tsx',
    until,
    samples: samples(fromSource),
    cpu_ms: medianOf(fromSource, (b) => b.readyCpuMs),
  });
  return built[built.length - 1]!;
}

async function measureMode(run: Run, targets: PollTarget[], coalescing: boolean): Promise<void> {
  const { options } = run;
  const { file, coalesce } = writeConfig(run, coalescing);
  const mode = { coalescing, ...(coalescing ? { window_ms: coalesce.windowMs, max_identifiers: coalesce.maxIdentifiers } : {}) };
  progress(
    `coalescing ${coalescing ? 'on' : 'off'}: timing ${options.startupRuns} start-ups from source and ${options.startupRuns} compiled`,
  );
  const broker = await measureStartup(run, file, coalescing, mode);
  const client = createLoadClient(broker.url, run.username, run.password, Math.max(options.concurrency, 256));
  try {
    const warm = await pollEachOnce(client, targets, 32);
    progress(`warm-up: ${JSON.stringify(answers(warm))}`);
    if (warm.ok !== targets.length)
      throw new Error(`warm-up: ${targets.length - warm.ok} of ${targets.length} polls failed: ${JSON.stringify(answers(warm))}`);

    const steadyRate = options.instances / options.pollIntervalSeconds;
    progress(`steady: ${steadyRate} polls/s for ${options.steadySeconds} s`);
    const before = await readCalls(run.emulator.url);
    const steadyCpu = cpuReading(run, broker);
    const steady = await offerRate(client, targets, steadyRate, options.steadySeconds, MAX_IN_FLIGHT);
    const after = await readCalls(run.emulator.url);
    const calls = callDelta(before.calls, after.calls);
    const steadyDetails = {
      ...mode,
      instances: options.instances,
      poll_interval_s: options.pollIntervalSeconds,
      offered_per_s: steadyRate,
      seconds: round(steady.elapsedSeconds, 2),
      rds_calls: calls.total,
      by_action: counts(calls.byAction),
      ...steadyCpu.perPoll(steady.completed),
      ...answers(steady),
    };
    print({
      metric: 'rds_calls_per_poll',
      value: steady.completed ? round(calls.total / steady.completed, 4) : null,
      unit: 'calls/poll',
      ...steadyDetails,
    });
    print({ metric: 'rds_calls_per_second', value: round(calls.total / steady.elapsedSeconds, 2), unit: 'calls/s', ...steadyDetails });
    const memory = memoryOf(broker.pid);
    print({
      metric: 'rss_mb',
      value: round(memory.rssMb, 1),
      unit: 'MiB',
      ...mode,
      instances: options.instances,
      when: 'after the steady phase',
      peak_mb: round(memory.peakMb, 1),
    });

    progress(`latency: ${options.latencyRate} polls/s for ${options.latencySeconds} s`);
    const latencyCpu = cpuReading(run, broker);
    const latency = await offerRate(client, targets, options.latencyRate, options.latencySeconds, MAX_IN_FLIGHT, steady.completed);
    const summary = summarise(latency.latenciesMs);
    const latencyDetails = {
      ...mode,
      offered_per_s: options.latencyRate,
      achieved_per_s: round(latency.completed / latency.elapsedSeconds, 1),
      p90_ms: summary ? round(summary.p90, 2) : null,
      max_ms: summary ? round(summary.max, 2) : null,
      mean_ms: summary ? round(summary.mean, 2) : null,
      ...latencyCpu.perPoll(latency.completed),
      ...answers(latency),
    };
    print({ metric: 'latency_p50_ms', value: summary ? round(summary.p50, 2) : null, unit: 'ms', ...latencyDetails });
    print({ metric: 'latency_p99_ms', value: summary ? round(summary.p99, 2) : null, unit: 'ms', ...latencyDetails });

    const opened = await openConnections(client, options.concurrency);
    progress(`throughput: ${options.concurrency} polls in flight for ${options.throughputSeconds} s (${opened} connections opened first)`);
    const beforeMax = await readCalls(run.emulator.url);
    const maxCpu = cpuReading(run, broker);
    const max = await closedLoop(client, targets, options.concurrency, options.throughputSeconds);
    const afterMax = await readCalls(run.emulator.url);
    const maxCalls = callDelta(beforeMax.calls, afterMax.calls);
    const maxSummary = summarise(max.latenciesMs);
    const maxCpuPerPoll = maxCpu.perPoll(max.completed);
    print({
      metric: 'polls_per_second',
      value: round(max.ok / max.elapsedSeconds, 1),
      unit: 'polls/s',
      ...mode,
      concurrency: options.concurrency,
      seconds: round(max.elapsedSeconds, 2),
      rds_calls: maxCalls.total,
      rds_calls_per_poll: max.completed ? round(maxCalls.total / max.completed, 4) : null,
      p50_ms: maxSummary ? round(maxSummary.p50, 2) : null,
      p99_ms: maxSummary ? round(maxSummary.p99, 2) : null,
      peak_rss_mb: round(memoryOf(broker.pid).peakMb, 1),
      ...maxCpuPerPoll,
      ...answers(max),
    });
    const { broker_cpu_ms_per_poll: brokerCpu, ...otherCpu } = maxCpuPerPoll;
    print({
      metric: 'broker_cpu_ms_per_poll',
      value: brokerCpu,
      unit: 'ms',
      ...mode,
      phase: 'throughput',
      ...otherCpu,
      polls: max.completed,
    });
  } finally {
    client.agent.destroy();
    await stop(run, broker);
  }
}

/**
 * CPU used by the broker and the emulator from now on, per poll; and the machine's load, since on a
 * shared host the wall-clock figures depend on it.
 */
function cpuReading(run: Run, broker: BrokerProcess) {
  const brokerStart = cpuMsOf(broker.pid);
  const emulatorStart = cpuMsOf(run.emulator.child.pid!);
  const ownStart = process.cpuUsage();
  return {
    perPoll(polls: number) {
      const per = (used: number) => (polls > 0 ? round(used / polls, 3) : null);
      const own = process.cpuUsage(ownStart);
      return {
        broker_cpu_ms_per_poll: per(cpuMsOf(broker.pid) - brokerStart),
        emulator_cpu_ms_per_poll: per(cpuMsOf(run.emulator.child.pid!) - emulatorStart),
        load_generator_cpu_ms_per_poll: per((own.user + own.system) / 1000),
        load_1m: round(loadavg()[0]!, 2),
      };
    },
  };
}

function machine() {
  const cpu = cpus()[0];
  return {
    nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()),
    cpu: cpu?.model ?? 'unknown',
    memory_mb: Math.round(totalmem() / 2 ** 20),
    node: process.version,
    date: new Date().toISOString(),
    load_avg: loadavg().map((l) => round(l, 2)),
  };
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof BenchUsageError)) throw error;
    process.stderr.write(`bench: ${error.message}\n\n${benchUsage}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${benchUsage}\n`);
    return 0;
  }
  const outDir = resolve(root, options.outDir);
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();
  progress(`machine: ${JSON.stringify(machine())}`);
  progress(`broker node flags: ${brokerNodeArgs.join(' ') || '(none)'}`);
  // The compiled broker stays inside the repository, whatever --out says: it resolves its packages from the
  // repository's node_modules and takes its module type from package.json, neither of which exists elsewhere.
  const buildDir = join(root, 'bench', 'out', 'build');
  if (process.env.BENCH_REUSE_BUILD === '1' && existsSync(join(buildDir, 'cli', 'main.js'))) {
    progress(`reusing the compiled broker in ${buildDir} (BENCH_REUSE_BUILD=1)`);
  } else {
    progress('compiling the broker (production start-up is timed on compiled JavaScript)');
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', buildDir, '--noCheck'],
      { stdio: 'inherit' },
    );
  }

  const builtEntry = join(buildDir, 'cli', 'main.js');
  const children = new Set<BrokerProcess>();
  const emulators = new Set<EmulatorProcess>();
  const ctx: BenchContext = {
    options,
    outDir,
    username: 'bench',
    password: randomBytes(18).toString('base64url'),
    derivationSecret: randomBytes(24).toString('base64url'),
    builtEntry,
    brokerNodeArgs,
    async launch(configFile, logName) {
      const broker = await startBroker({
        entry: builtEntry,
        configFile,
        port: await freePort(),
        logFile: join(outDir, logName),
        nodeArgs: brokerNodeArgs,
      });
      children.add(broker);
      return broker;
    },
    async stop(broker) {
      await broker.stop();
      children.delete(broker);
    },
    async emulator(args, logName) {
      const emulator = await startEmulatorCommand(builtEntry, args, join(outDir, logName));
      emulators.add(emulator);
      return emulator;
    },
    async stopEmulator(emulator) {
      await emulator.stop();
      emulators.delete(emulator);
    },
    progress,
    print,
  };
  const stopAll = async () => {
    for (const broker of children) await broker.stop();
    for (const emulator of emulators) await emulator.stop();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping the processes started`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const scenario of options.scenarios) {
      progress(
        `scenario ${scenario} (${round((performance.now() - started) / 1000, 1)} s in; load average ${loadavg()
          .map((l) => round(l, 2))
          .join(' ')})`,
      );
      if (scenario === 'polls') await pollsScenario(ctx, children, emulators);
      else if (scenario === 'budget') await budgetScenario(ctx);
      else if (scenario === 'fleet') await fleetScenario(ctx);
      else await soakScenario(ctx);
    }
    progress(
      `done in ${round((performance.now() - started) / 1000, 1)} s; load average ${loadavg()
        .map((l) => round(l, 2))
        .join(' ')}; logs in ${outDir}`,
    );
    return 0;
  } finally {
    await stopAll();
  }
}

/** The polls scenario: what a poll costs, coalescing on and off (the figures of the first table in bench/README.md). */
async function pollsScenario(ctx: BenchContext, children: Set<BrokerProcess>, emulators: Set<EmulatorProcess>): Promise<void> {
  const { options, outDir } = ctx;
  const emulator = await startEmulatorProcess(
    join(root, 'bench', 'emulator-process.ts'),
    { speed: options.speed, databases: 'none', region: BENCH_REGION },
    join(outDir, 'emulator.log'),
  );
  emulators.add(emulator);
  try {
    const run: Run = { ...ctx, emulator, children };
    const fleet = await seedFleet(ctx, emulator, options.instances, true, 'polls');
    progress(`fleet ready: ${fleet.creating.length} creating, ${fleet.updating.length} modifying`);
    const targets = pollPaths(fleet);
    for (const mode of options.modes) await measureMode(run, targets, mode === 'on');
  } finally {
    await emulator.stop();
    emulators.delete(emulator);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
