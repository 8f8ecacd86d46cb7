/**
 * Running the real AWS CLI against the emulator: a client this project did not write, with its own
 * parser, paginators, waiters and retry rules. Each call is a child process with dummy credentials,
 * JSON output, no pager, and nothing it may reach beyond the loopback endpoint it is given.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface AwsCli {
  /** The executable that answered `--version`. */
  path: string;
  /** e.g. "aws-cli/2.9.19 Python/3.11.2 …" */
  version: string;
  major: number;
  /**
   * The exit status the CLI gives when the service answered with an error: 254 from version 2,
   * 255 (its only failure status) in version 1.
   */
  serviceErrorExit: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Where to look: an explicit choice first, then Debian's package (a PATH `aws` can be a version
 * manager's shim that does not run), then whatever PATH offers. Only one that runs counts.
 */
const CANDIDATES = [process.env.AWS_CLI_PATH, '/usr/bin/aws', 'aws'].filter((p): p is string => !!p);

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The first candidate whose `--version` succeeds, or the reasons none did. */
export async function findAwsCli(candidates: readonly string[] = CANDIDATES): Promise<AwsCli | { missing: string }> {
  const reasons: string[] = [];
  for (const path of candidates) {
    const probe = await run(path, ['--version'], { ...process.env, AWS_PAGER: '' }, 30_000);
    const text = `${probe.stdout}${probe.stderr}`.trim();
    const match = /^aws-cli\/(\d+)\./.exec(text);
    if (probe.code === 0 && match) {
      const major = Number(match[1]);
      return { path, version: text, major, serviceErrorExit: major >= 2 ? 254 : 255 };
    }
    reasons.push(`${path}: ${probe.code === -1 ? 'not runnable' : `exit ${probe.code}`}`);
  }
  return { missing: `no working AWS CLI (${reasons.join('; ')}); install Debian's awscli` };
}

/** Values that follow these options are secrets: never echo them in a failure message. */
const SECRET_OPTIONS = new Set(['--master-user-password']);

export function redact(args: readonly string[]): string[] {
  return args.map((arg, i) => (i > 0 && SECRET_OPTIONS.has(args[i - 1]!) ? '****' : arg));
}

/** A CLI bound to one emulator, with its own empty configuration directory. */
export class CliSession {
  private constructor(
    readonly cli: AwsCli,
    private readonly endpoint: string,
    private readonly region: string,
    private readonly home: string,
  ) {}

  static async open(cli: AwsCli, endpoint: string, region: string): Promise<CliSession> {
    return new CliSession(cli, endpoint, region, await mkdtemp(join(tmpdir(), 'aws-cli-home-')));
  }

  async close(): Promise<void> {
    await rm(this.home, { recursive: true, force: true });
  }

  private env(): NodeJS.ProcessEnv {
    // Nothing from the caller's AWS setup may leak in (profiles, SSO, real credentials, endpoints).
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
    return {
      ...inherited,
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-secret',
      AWS_DEFAULT_REGION: this.region,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_PAGER: '',
      AWS_CONFIG_FILE: join(this.home, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: join(this.home, 'credentials'),
    };
  }

  /** `aws --endpoint-url … --output json rds <args>`, whatever its outcome. */
  raw(args: readonly string[]): Promise<CliResult> {
    return run(this.cli.path, ['--endpoint-url', this.endpoint, '--output', 'json', 'rds', ...args], this.env());
  }

  /** A command that must succeed; its JSON output (undefined when it printed nothing). */
  async json<T = any>(args: readonly string[]): Promise<T> {
    const result = await this.raw(args);
    if (result.code !== 0) {
      throw new Error(`aws rds ${redact(args).join(' ')} exited ${result.code}: ${result.stderr.trim()}`);
    }
    const text = result.stdout.trim();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /** A command that must fail as the service refused it: the error code and message the CLI printed. */
  async serviceError(args: readonly string[]): Promise<{ code: string; operation: string; message: string; exit: number }> {
    const result = await this.raw(args);
    const match = /An error occurred \(([A-Za-z0-9]+)\) when calling the ([A-Za-z0-9]+) operation(?: \([^)]*\))?: (.*)/.exec(result.stderr);
    if (result.code === 0 || !match) {
      throw new Error(
        `aws rds ${redact(args).join(' ')}: expected a service error, got exit ${result.code}, stderr ${JSON.stringify(result.stderr.trim())}`,
      );
    }
    return { code: match[1]!, operation: match[2]!, message: match[3]!.trim(), exit: result.code };
  }
}

/**
 * A timestamp as the CLI prints it: version 2 reformats (`2024-05-01T10:00:00.123000+00:00`),
 * version 1 prints the wire text (`2024-05-01T10:00:00.123Z`). Both must be a real instant.
 */
export function cliTime(value: unknown): number {
  if (typeof value !== 'string') throw new Error(`not a timestamp: ${JSON.stringify(value)}`);
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value)) throw new Error(`not an ISO 8601 timestamp: ${value}`);
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`unreadable timestamp: ${value}`);
  return ms;
}
