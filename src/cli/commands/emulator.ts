import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parsePolicy } from '../../emulator/iam/policy.js';
import { EXIT_OK, parseOrUsage, UsageError, type Command } from '../command.js';

const usage = `Usage: rds-broker emulator [--port 4566] [--state-dir DIR] [--speed N] [--databases real|none]
                           [--visibility-lag MS] [--throttle] [--region REGION]
                           [--iam-policy FILE]...

Runs the RDS emulator alone on 127.0.0.1: the RDS Query API for the AWS SDKs and the AWS CLI
(--endpoint-url), with a real PostgreSQL cluster behind every instance, and its admin API under
/_emulator/ (counters, faults, settle, hold; see docs/emulator.md).

Options:
  -p, --port N             port (default 4566; 0: any free port)
      --state-dir DIR      keep instances, snapshots and databases across runs (default: a
                           temporary directory, removed on exit)
      --speed N            factor on RDS's durations: 1 ≈ real RDS, 0.05 (default) ≈ seconds,
                           0 = as fast as the work allows
      --databases MODE     real (default): a database server per instance; none: no processes,
                           for benchmarks with thousands of instances
      --visibility-lag MS  how long a change stays invisible after the call (default 1000, 0 at speed 0)
      --throttle           throttle like RDS: 300 requests of burst, 12 per second
      --region REGION      region in ARNs (default us-east-1)
      --iam-policy FILE    enforce IAM: every call is evaluated against this identity-based
                           policy (JSON; repeat for several), refusals are AccessDenied as on
                           RDS; the caller is the user named by the request's access key ID
  -h, --help               show this help

Ctrl-C or SIGTERM stops the emulator and every database it started.`;

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', short: 'p' },
        'state-dir': { type: 'string' },
        speed: { type: 'string' },
        databases: { type: 'string' },
        'visibility-lag': { type: 'string' },
        throttle: { type: 'boolean' },
        region: { type: 'string' },
        'iam-policy': { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const port = values.port === undefined ? 4566 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a TCP port (0 to 65535)');
  const speed = values.speed === undefined ? undefined : Number(values.speed);
  if (speed !== undefined && (!Number.isFinite(speed) || speed < 0 || speed > 1000))
    throw new UsageError('--speed must be a number from 0 to 1000');
  const databases = values.databases ?? 'real';
  if (databases !== 'real' && databases !== 'none') throw new UsageError('--databases must be real or none');
  const lag = values['visibility-lag'] === undefined ? undefined : Number(values['visibility-lag']);
  if (lag !== undefined && (!Number.isFinite(lag) || lag < 0 || lag > 600_000))
    throw new UsageError('--visibility-lag must be 0 to 600000 milliseconds');
  const region = values.region ?? 'us-east-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new UsageError(`--region ${region} is not an AWS region name`);
  const iamPolicies = values['iam-policy']?.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new UsageError(`--iam-policy ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    try {
      parsePolicy(text);
    } catch (error) {
      throw new UsageError(`--iam-policy ${file}: ${(error as Error).message}`);
    }
    return text;
  });
  return { port, stateDir: values['state-dir'], speed, databases, lag, throttle: values.throttle ?? false, region, iamPolicies } as const;
}

async function run(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(`${usage}\n`);
    return EXIT_OK;
  }
  const parsed = parseOrUsage('emulator', usage, () => parse(argv));
  if ('exitCode' in parsed) return parsed.exitCode;
  const options = parsed.options;
  // Loaded here, not at the top: every command's module is imported by the CLI, and `serve` should
  // not carry the emulator's code in its memory.
  const { startEmulator } = await import('../../emulator/index.js');
  const emulator = await startEmulator({
    port: options.port,
    stateDir: options.stateDir,
    speed: options.speed,
    databases: options.databases,
    visibilityLagMs: options.lag,
    throttle: options.throttle,
    region: options.region,
    handleSignals: false,
    ...(options.iamPolicies ? { iamPolicies: options.iamPolicies } : {}),
  });
  // Listening before the banner says so: whoever reads it may signal at once.
  const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stdout.write(`
rds-broker emulator
  endpoint    ${emulator.url}
  database CA ${emulator.caFile}   (also at ${emulator.url}/_emulator/ca.pem)
  state       ${emulator.stateDir}${options.stateDir ? '' : ' (removed on exit)'}
  databases   ${options.databases === 'real' ? 'a PostgreSQL cluster per instance' : 'none (model only)'}
  IAM         ${options.iamPolicies ? `enforced: ${options.iamPolicies.length} polic${options.iamPolicies.length === 1 ? 'y' : 'ies'}` : 'not enforced'}

Try:
  AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test aws rds describe-db-instances --endpoint-url ${emulator.url} --region ${emulator.region}
  curl -s ${emulator.url}/_emulator/stats

Ctrl-C stops everything.
`);
  const signal = await stopSignal;
  process.stderr.write(`rds-broker emulator: ${signal}, stopping\n`);
  await emulator.stop();
  return EXIT_OK;
}

export const emulator: Command = { name: 'emulator', summary: 'run the RDS emulator alone (for the AWS CLI and SDKs)', usage, run };
