/**
 * `npm run bench`: the broker's performance figures, one JSON line each on standard output
 * (progress goes to standard error). See bench/README.md for what each figure means.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { benchConfigDocument, benchPlans, effectiveCoalescing } from './broker-config.js';
import { readCalls, settleAll } from './emulator-admin.js';
import { formatFigure, type Figure } from './figures.js';
import { closedLoop, createLoadClient, offerRate, pollEachOnce, type LoadResult, type PollTarget } from './load.js';
import { benchUsage, BenchUsageError, parseBenchOptions, type BenchOptions } from './options.js';
import { freePort, memoryOf, startBroker, startEmulatorProcess, type BrokerProcess, type EmulatorProcess } from './processes.js';
import { changePlan, inParallel, newInstanceIds, osbClient, pollPaths, provision, type Fleet } from './seed.js';
import { callDelta, median, round, summarise } from './stats.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const progress = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const print = (figure: Figure) => process.stdout.write(`${formatFigure(figure)}\n`);

/** Polls the open loop may keep waiting before it counts further due polls as skipped. */
const MAX_IN_FLIGHT = 2000;
const SEED_CONCURRENCY = 32;

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

function writeConfig(run: Run, coalescing: boolean): { file: string; coalesce: ReturnType<typeof effectiveCoalescing> } {
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
  return { file, coalesce: effectiveCoalescing(document) };
}

async function launch(run: Run, configFile: string, entry: string, logName: string): Promise<BrokerProcess> {
  const broker = await startBroker({ entry, configFile, port: await freePort(), logFile: join(run.outDir, logName) });
  run.children.add(broker);
  return broker;
}

async function stop(run: Run, broker: BrokerProcess): Promise<void> {
  await broker.stop();
  run.children.delete(broker);
}

/** Creates the fleet through a broker of its own, which is stopped before anything is measured. */
async function seed(run: Run): Promise<Fleet> {
  const { file } = writeConfig(run, true);
  const broker = await launch(run, file, run.builtEntry, 'broker-seed.log');
  try {
    const client = osbClient(broker.url, run.username, run.password);
    const updating = newInstanceIds(Math.floor(run.options.instances / 2));
    const creating = newInstanceIds(run.options.instances - updating.length);
    progress(`provisioning ${updating.length} instances, settling them to available, then changing their plan`);
    await inParallel(updating, SEED_CONCURRENCY, (id) => provision(client, benchPlans, id));
    await settleAll(run.emulator.url);
    await inParallel(updating, SEED_CONCURRENCY, (id) => changePlan(client, benchPlans, id));
    progress(`provisioning ${creating.length} more instances, left creating`);
    await inParallel(creating, SEED_CONCURRENCY, (id) => provision(client, benchPlans, id));
    return { creating, updating };
  } finally {
    await stop(run, broker);
  }
}

const counts = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).sort());

function answers(result: LoadResult) {
  return { polls: result.completed, ok: result.ok, skipped: result.skipped, statuses: counts(result.statuses), states: counts(result.states), ...(Object.keys(result.errors).length ? { errors: counts(result.errors) } : {}) };
}

async function measureStartup(run: Run, configFile: string, coalescing: boolean): Promise<BrokerProcess> {
  const built: number[] = [];
  const listening: number[] = [];
  const fromSource: number[] = [];
  for (let i = 0; i < run.options.startupRuns; i++) {
    const broker = await launch(run, configFile, join(root, 'bin', 'rds-broker.js'), `broker-coalescing-${coalescing ? 'on' : 'off'}.log`);
    fromSource.push(broker.readyMs);
    await stop(run, broker);
  }
  let broker: BrokerProcess | undefined;
  for (let i = 0; i < run.options.startupRuns; i++) {
    if (broker) await stop(run, broker);
    broker = await launch(run, configFile, run.builtEntry, `broker-coalescing-${coalescing ? 'on' : 'off'}.log`);
    built.push(broker.readyMs);
    listening.push(broker.listeningMs);
  }
  const shown = (values: number[]) => values.map((v) => round(v, 1));
  print({ metric: 'startup_ms', value: round(median(built)!, 1), unit: 'ms', coalescing, entry: 'compiled JavaScript (production)', until: '/readyz answers 200', samples: shown(built), listening_ms: round(median(listening)!, 1) });
  print({ metric: 'startup_from_source_ms', value: round(median(fromSource)!, 1), unit: 'ms', coalescing, entry: 'bin/rds-broker.js, TypeScript through tsx', until: '/readyz answers 200', samples: shown(fromSource) });
  return broker!;
}

async function measureMode(run: Run, targets: PollTarget[], coalescing: boolean): Promise<void> {
  const { options } = run;
  const { file, coalesce } = writeConfig(run, coalescing);
  const mode = { coalescing, ...(coalescing ? { window_ms: coalesce.windowMs, max_identifiers: coalesce.maxIdentifiers } : {}) };
  progress(`coalescing ${coalescing ? 'on' : 'off'}: timing ${options.startupRuns} start-ups from source and ${options.startupRuns} compiled`);
  const broker = await measureStartup(run, file, coalescing);
  const client = createLoadClient(broker.url, run.username, run.password, Math.max(options.concurrency, 256));
  try {
    const warm = await pollEachOnce(client, targets, 32);
    progress(`warm-up: ${JSON.stringify(answers(warm))}`);
    if (warm.ok !== targets.length) throw new Error(`warm-up: ${targets.length - warm.ok} of ${targets.length} polls failed: ${JSON.stringify(answers(warm))}`);

    const steadyRate = options.instances / options.pollIntervalSeconds;
    progress(`steady: ${steadyRate} polls/s for ${options.steadySeconds} s`);
    const before = await readCalls(run.emulator.url);
    const steady = await offerRate(client, targets, steadyRate, options.steadySeconds, MAX_IN_FLIGHT);
    const after = await readCalls(run.emulator.url);
    const calls = callDelta(before.calls, after.calls);
    const steadyDetails = { ...mode, instances: options.instances, poll_interval_s: options.pollIntervalSeconds, offered_per_s: steadyRate, seconds: round(steady.elapsedSeconds, 2), rds_calls: calls.total, by_action: counts(calls.byAction), ...answers(steady) };
    print({ metric: 'rds_calls_per_poll', value: steady.completed ? round(calls.total / steady.completed, 4) : null, unit: 'calls/poll', ...steadyDetails });
    print({ metric: 'rds_calls_per_second', value: round(calls.total / steady.elapsedSeconds, 2), unit: 'calls/s', ...steadyDetails });
    const memory = memoryOf(broker.pid);
    print({ metric: 'rss_mb', value: round(memory.rssMb, 1), unit: 'MiB', ...mode, instances: options.instances, when: 'after the steady phase', peak_mb: round(memory.peakMb, 1) });

    progress(`latency: ${options.latencyRate} polls/s for ${options.latencySeconds} s`);
    const latency = await offerRate(client, targets, options.latencyRate, options.latencySeconds, MAX_IN_FLIGHT, steady.completed);
    const summary = summarise(latency.latenciesMs);
    const latencyDetails = { ...mode, offered_per_s: options.latencyRate, achieved_per_s: round(latency.completed / latency.elapsedSeconds, 1), p90_ms: summary ? round(summary.p90, 2) : null, max_ms: summary ? round(summary.max, 2) : null, mean_ms: summary ? round(summary.mean, 2) : null, ...answers(latency) };
    print({ metric: 'latency_p50_ms', value: summary ? round(summary.p50, 2) : null, unit: 'ms', ...latencyDetails });
    print({ metric: 'latency_p99_ms', value: summary ? round(summary.p99, 2) : null, unit: 'ms', ...latencyDetails });

    progress(`throughput: ${options.concurrency} polls in flight for ${options.throughputSeconds} s`);
    const beforeMax = await readCalls(run.emulator.url);
    const max = await closedLoop(client, targets, options.concurrency, options.throughputSeconds);
    const afterMax = await readCalls(run.emulator.url);
    const maxCalls = callDelta(beforeMax.calls, afterMax.calls);
    const maxSummary = summarise(max.latenciesMs);
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
      ...answers(max),
    });
  } finally {
    client.agent.destroy();
    await stop(run, broker);
  }
}

function machine() {
  const cpu = cpus()[0];
  return { nproc: Number(execFileSync('nproc', { encoding: 'utf8' }).trim()), cpu: cpu?.model ?? 'unknown', memory_mb: Math.round(totalmem() / 2 ** 20), node: process.version, date: new Date().toISOString() };
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
  progress('compiling the broker (production start-up is timed on compiled JavaScript)');
  const buildDir = join(outDir, 'build');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', buildDir, '--noCheck'], { stdio: 'inherit' });

  const emulator = await startEmulatorProcess(join(root, 'bench', 'emulator-process.ts'), { speed: options.speed, databases: 'none' }, join(outDir, 'emulator.log'));
  const run: Run = {
    options,
    outDir,
    emulator,
    username: 'bench',
    password: randomBytes(18).toString('base64url'),
    derivationSecret: randomBytes(24).toString('base64url'),
    builtEntry: join(buildDir, 'cli', 'main.js'),
    children: new Set(),
  };
  const stopAll = async () => {
    for (const broker of run.children) await broker.stop();
    await emulator.stop();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    progress(`${signal}: stopping the processes started`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const fleet = await seed(run);
    const targets = pollPaths(fleet);
    progress(`fleet ready: ${fleet.creating.length} creating, ${fleet.updating.length} modifying (${round((performance.now() - started) / 1000, 1)} s)`);
    for (const mode of options.modes) await measureMode(run, targets, mode === 'on');
    progress(`done in ${round((performance.now() - started) / 1000, 1)} s; logs in ${outDir}`);
    return 0;
  } finally {
    await stopAll();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
