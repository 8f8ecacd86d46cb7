import { parseArgs } from 'node:util';

/**
 * What one benchmark run does. Every setting has a command-line option and a BENCH_* environment
 * variable (the option wins); the defaults are the figures the performance targets are stated for.
 */
export interface BenchOptions {
  /** Instances in flight (created before measuring). */
  instances: number;
  /** Each instance is polled once per this many seconds in the steady phase: the offered rate is instances / interval. */
  pollIntervalSeconds: number;
  steadySeconds: number;
  /** Offered rate of the latency phase. */
  latencyRate: number;
  latencySeconds: number;
  /** Closed-loop phase: this many polls kept in flight for this long. */
  throughputSeconds: number;
  concurrency: number;
  /** Broker starts measured per coalescing mode (the median is reported). */
  startupRuns: number;
  /** Coalescing window for the broker; undefined: the configuration's default. */
  windowMs?: number;
  modes: Array<'on' | 'off'>;
  /** Which scenarios run, in this order: polls (the figures above), budget, fleet, soak. */
  scenarios: Scenario[];
  /** Budget scenario: provisions sent at once against the throttled emulator. */
  provisions: number;
  /** Budget scenario: each accepted instance is then polled once per this many seconds, for this long. */
  budgetPollInterval: number;
  budgetPollSeconds: number;
  /** Fleet scenario: instances in flight, each polled once per interval, for this long, with housekeeping. */
  fleetInstances: number;
  fleetPollInterval: number;
  fleetSeconds: number;
  /** Fleet scenario: one synchronous request (a provision) every this many seconds. */
  fleetRequestEvery: number;
  /** Soak scenario: instances in flight, polls per second, length, and how often RSS is read. */
  soakInstances: number;
  soakRate: number;
  soakSeconds: number;
  rssEvery: number;
  /** Emulator duration factor: large, so created and modified instances stay in flight for the whole run. */
  speed: number;
  /** Where the processes' logs go. */
  outDir: string;
}

export type Scenario = 'polls' | 'budget' | 'fleet' | 'soak';
export const SCENARIOS: readonly Scenario[] = ['polls', 'budget', 'fleet', 'soak'];

export const benchUsage = `Usage: npm run bench -- [options]

Starts the RDS emulator (no databases) and the broker in processes of their own, creates
instances in flight, polls last_operation and prints one JSON line per figure.

Options (environment variable in brackets):
  --scenarios LIST         which to run, of polls,budget,fleet,soak (BENCH_SCENARIOS, all four)
 polls:
  --instances N            instances in flight (BENCH_INSTANCES, default 1000)
  --poll-interval S        each instance polled every S seconds in the steady phase (BENCH_POLL_INTERVAL, 10)
  --steady-seconds S       length of the steady phase (BENCH_STEADY_SECONDS, 20)
  --latency-rate R         polls per second offered in the latency phase (BENCH_LATENCY_RATE, 500)
  --latency-seconds S      length of the latency phase (BENCH_LATENCY_SECONDS, 15)
  --throughput-seconds S   length of the maximum-throughput phase (BENCH_THROUGHPUT_SECONDS, 10)
  --concurrency C          polls in flight in the throughput phase (BENCH_CONCURRENCY, 256)
  --startup-runs K         broker starts timed per mode (BENCH_STARTUP_RUNS, 3)
  --window-ms W            coalescing window given to the broker (BENCH_WINDOW_MS, configuration default)
  --modes LIST             coalescing modes to measure, on,off (BENCH_MODES, on,off)
 budget (against rds-broker emulator --throttle: RDS's 300 burst, 12/s):
  --provisions N           provisions sent at once (BENCH_PROVISIONS, 1000)
  --budget-poll-interval S each accepted instance then polled every S seconds (BENCH_BUDGET_POLL_INTERVAL, 60)
  --budget-poll-seconds S  for this long, housekeeping running (BENCH_BUDGET_POLL_SECONDS, 180)
 fleet (throttled emulator, housekeeping running):
  --fleet-instances N      instances in flight (BENCH_FLEET_INSTANCES, 10000)
  --fleet-poll-interval S  each polled every S seconds (BENCH_FLEET_POLL_INTERVAL, 60)
  --fleet-seconds S        length of the polled phase (BENCH_FLEET_SECONDS, 180)
  --fleet-request-every S  one provision every S seconds meanwhile (BENCH_FLEET_REQUEST_EVERY, 5)
 soak (housekeeping running):
  --soak-instances N       instances in flight (BENCH_SOAK_INSTANCES, 1000)
  --soak-rate R            polls per second (BENCH_SOAK_RATE, 200)
  --soak-seconds S         length (BENCH_SOAK_SECONDS, 360)
  --rss-every S            the broker's RSS read every S seconds (BENCH_RSS_EVERY, 15)
 all:
  --speed F                emulator duration factor (BENCH_SPEED, 1000)
  --out DIR                directory for the processes' logs (BENCH_OUT, bench/out)
  -h, --help               show this help`;

export class BenchUsageError extends Error {}

interface NumberSpec {
  option: string;
  env: string;
  fallback: number | undefined;
  min: number;
  max: number;
  integer: boolean;
}

const numbers: Record<Exclude<keyof BenchOptions, 'modes' | 'outDir' | 'scenarios'>, NumberSpec> = {
  instances: { option: 'instances', env: 'BENCH_INSTANCES', fallback: 1000, min: 1, max: 100_000, integer: true },
  pollIntervalSeconds: { option: 'poll-interval', env: 'BENCH_POLL_INTERVAL', fallback: 10, min: 0.01, max: 3600, integer: false },
  steadySeconds: { option: 'steady-seconds', env: 'BENCH_STEADY_SECONDS', fallback: 20, min: 1, max: 3600, integer: false },
  latencyRate: { option: 'latency-rate', env: 'BENCH_LATENCY_RATE', fallback: 500, min: 1, max: 100_000, integer: false },
  latencySeconds: { option: 'latency-seconds', env: 'BENCH_LATENCY_SECONDS', fallback: 15, min: 1, max: 3600, integer: false },
  throughputSeconds: { option: 'throughput-seconds', env: 'BENCH_THROUGHPUT_SECONDS', fallback: 10, min: 1, max: 3600, integer: false },
  concurrency: { option: 'concurrency', env: 'BENCH_CONCURRENCY', fallback: 256, min: 1, max: 4096, integer: true },
  startupRuns: { option: 'startup-runs', env: 'BENCH_STARTUP_RUNS', fallback: 3, min: 1, max: 100, integer: true },
  windowMs: { option: 'window-ms', env: 'BENCH_WINDOW_MS', fallback: undefined, min: 0, max: 250, integer: true },
  provisions: { option: 'provisions', env: 'BENCH_PROVISIONS', fallback: 1000, min: 1, max: 100_000, integer: true },
  budgetPollInterval: { option: 'budget-poll-interval', env: 'BENCH_BUDGET_POLL_INTERVAL', fallback: 60, min: 1, max: 3600, integer: true },
  budgetPollSeconds: {
    option: 'budget-poll-seconds',
    env: 'BENCH_BUDGET_POLL_SECONDS',
    fallback: 180,
    min: 1,
    max: 36_000,
    integer: false,
  },
  fleetInstances: { option: 'fleet-instances', env: 'BENCH_FLEET_INSTANCES', fallback: 10_000, min: 1, max: 100_000, integer: true },
  fleetPollInterval: { option: 'fleet-poll-interval', env: 'BENCH_FLEET_POLL_INTERVAL', fallback: 60, min: 1, max: 3600, integer: true },
  fleetSeconds: { option: 'fleet-seconds', env: 'BENCH_FLEET_SECONDS', fallback: 180, min: 1, max: 36_000, integer: false },
  fleetRequestEvery: { option: 'fleet-request-every', env: 'BENCH_FLEET_REQUEST_EVERY', fallback: 5, min: 0.1, max: 3600, integer: false },
  soakInstances: { option: 'soak-instances', env: 'BENCH_SOAK_INSTANCES', fallback: 1000, min: 1, max: 100_000, integer: true },
  soakRate: { option: 'soak-rate', env: 'BENCH_SOAK_RATE', fallback: 200, min: 1, max: 100_000, integer: false },
  soakSeconds: { option: 'soak-seconds', env: 'BENCH_SOAK_SECONDS', fallback: 360, min: 1, max: 36_000, integer: false },
  rssEvery: { option: 'rss-every', env: 'BENCH_RSS_EVERY', fallback: 15, min: 0.5, max: 3600, integer: false },
  speed: { option: 'speed', env: 'BENCH_SPEED', fallback: 1000, min: 0, max: 1_000_000, integer: false },
};

function parseNumber(spec: NumberSpec, text: string, source: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new BenchUsageError(`${source} must be a number, not ${JSON.stringify(text)}`);
  if (spec.integer && !Number.isInteger(value)) throw new BenchUsageError(`${source} must be an integer, not ${text}`);
  if (value < spec.min || value > spec.max) throw new BenchUsageError(`${source} must be between ${spec.min} and ${spec.max}, not ${text}`);
  return value;
}

function parseModes(text: string, source: string): Array<'on' | 'off'> {
  const modes = text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (modes.length === 0) throw new BenchUsageError(`${source} must name at least one mode (on, off)`);
  for (const mode of modes)
    if (mode !== 'on' && mode !== 'off') throw new BenchUsageError(`${source}: unknown mode ${JSON.stringify(mode)} (use on, off)`);
  return [...new Set(modes)] as Array<'on' | 'off'>;
}

function parseScenarios(text: string, source: string): Scenario[] {
  const named = text
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (named.length === 0) throw new BenchUsageError(`${source} must name at least one scenario (${SCENARIOS.join(', ')})`);
  for (const name of named)
    if (!SCENARIOS.includes(name as Scenario))
      throw new BenchUsageError(`${source}: unknown scenario ${JSON.stringify(name)} (use ${SCENARIOS.join(', ')})`);
  // Always in the documented order, whatever order they were named in.
  return SCENARIOS.filter((s) => named.includes(s));
}

/** Reads options from the command line, then the environment, then the defaults. Pure. */
export function parseBenchOptions(argv: string[], env: Record<string, string | undefined>): BenchOptions | 'help' {
  const optionSpecs: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    modes: { type: 'string' },
    scenarios: { type: 'string' },
    out: { type: 'string' },
  };
  for (const spec of Object.values(numbers)) optionSpecs[spec.option] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: optionSpecs, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new BenchUsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const pick = (option: string, envName: string): { text: string; source: string } | undefined => {
    const fromArgs = values[option];
    if (typeof fromArgs === 'string') return { text: fromArgs, source: `--${option}` };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { text: fromEnv, source: envName };
    return undefined;
  };
  const out: Partial<BenchOptions> = {};
  for (const [key, spec] of Object.entries(numbers) as Array<[keyof typeof numbers, NumberSpec]>) {
    const given = pick(spec.option, spec.env);
    const value = given ? parseNumber(spec, given.text, given.source) : spec.fallback;
    if (value !== undefined) out[key] = value;
  }
  const modes = pick('modes', 'BENCH_MODES');
  out.modes = modes ? parseModes(modes.text, modes.source) : ['on', 'off'];
  const scenarios = pick('scenarios', 'BENCH_SCENARIOS');
  out.scenarios = scenarios ? parseScenarios(scenarios.text, scenarios.source) : [...SCENARIOS];
  out.outDir = pick('out', 'BENCH_OUT')?.text ?? 'bench/out';
  return out as BenchOptions;
}
