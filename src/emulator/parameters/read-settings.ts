/**
 * Reads the settings catalog of the real server binaries: PostgreSQL's pg_settings (from a
 * single-user backend on a throwaway cluster, no port, no password) and MariaDB's
 * information_schema.SYSTEM_VARIABLES (from a throwaway mariadbd listening on a Unix socket only,
 * without grant tables). Both take about a second; the cache (settings-cache.ts) makes it once per
 * binary version. The rows are returned raw; engine-settings.ts turns them into RDS parameters.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { locatePostgresBinaries } from '../databases/postgres-binaries.js';
import { run } from '../databases/run.js';
import { isExecutable, makeServerDirectory, resolveServerUser, type ServerUser } from '../databases/server-user.js';

export interface PgSettingRow {
  name: string;
  context: string;
  vartype: string;
  unit: string;
  min: string;
  max: string;
  enumvals: string;
  bootValue: string;
  description: string;
}

export interface MariadbVariableRow {
  name: string;
  readOnly: boolean;
  type: string;
  scope: string;
  min: string | null;
  max: string | null;
  enumValues: string | null;
  defaultValue: string | null;
  commandLine: string | null;
  description: string;
}

/** Libraries RDS lets shared_preload_libraries load that the embedded binaries ship: their settings are RDS parameters too. */
const PRELOADED = 'pg_stat_statements,auto_explain,pg_prewarm';

function ids(user: ServerUser): { uid?: number; gid?: number } {
  return user.switched ? { uid: user.uid, gid: user.gid } : {};
}

async function scratch(kind: string): Promise<string> {
  // Short: a Unix socket's path must fit in about 100 bytes.
  const dir = await mkdtemp(join(tmpdir(), `rds-${kind}-`));
  await chmod(dir, 0o755);
  return dir;
}

/** Runs `file` with `input` on its standard input; rejects with its output when it fails. */
function runWithInput(file: string, args: string[], input: string, user: ServerUser, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...ids(user), env, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${file} exited with ${String(code)}: ${output.trim().split('\n').slice(-5).join(' ')}`));
    });
    child.stdin.end(input);
  });
}

/** COPY's text format: backslash escapes for tab, newline, backslash. */
function unescapeCopy(field: string): string {
  return field.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

export async function postgresVersion(): Promise<string> {
  const binaries = await locatePostgresBinaries();
  return (await run(binaries.postgres, ['--version'])).trim();
}

export async function readPostgresSettings(): Promise<PgSettingRow[]> {
  const binaries = await locatePostgresBinaries();
  const user = await resolveServerUser(['postgres', 'nobody']);
  const root = await scratch('pgcat');
  try {
    const pgdata = join(root, 'pgdata');
    const out = join(root, 'out');
    await makeServerDirectory(user, pgdata, 0o700);
    await makeServerDirectory(user, out, 0o700);
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' };
    await run(binaries.initdb, ['-D', pgdata, '-U', 'rdsadmin', '--auth=trust', '--no-sync', '--no-instructions', '--no-locale'], {
      ...ids(user),
      env,
      timeoutMs: 300_000,
    });
    const file = join(out, 'settings.tsv');
    const query =
      "COPY (SELECT name, context, vartype, coalesce(unit, ''), coalesce(min_val, ''), coalesce(max_val, ''), " +
      "coalesce(array_to_string(enumvals, ','), ''), coalesce(boot_val, ''), short_desc FROM pg_settings ORDER BY name) " +
      `TO '${file}'\n`;
    await runWithInput(
      binaries.postgres,
      ['--single', '-D', pgdata, '-c', `shared_preload_libraries=${PRELOADED}`, '-c', 'shared_buffers=1MB', 'postgres'],
      query,
      user,
      env,
    );
    const text = await readFile(file, 'utf8');
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        const [name, context, vartype, unit, min, max, enumvals, bootValue, description] = line.split('\t').map(unescapeCopy);
        return {
          name: name ?? '',
          context: context ?? '',
          vartype: vartype ?? '',
          unit: unit ?? '',
          min: min ?? '',
          max: max ?? '',
          enumvals: enumvals ?? '',
          bootValue: bootValue ?? '',
          description: description ?? '',
        };
      });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export function findMariadbd(): string | undefined {
  const candidates = [...(process.env.PATH ?? '').split(':').map((dir) => join(dir, 'mariadbd')), '/usr/sbin/mariadbd'];
  return candidates.find((file) => isAbsolute(file) && isExecutable(file));
}

export async function mariadbVersion(): Promise<string | undefined> {
  const mariadbd = findMariadbd();
  return mariadbd ? (await run(mariadbd, ['--version'])).trim() : undefined;
}

export async function readMariadbVariables(): Promise<MariadbVariableRow[]> {
  const mariadbd = findMariadbd();
  if (!mariadbd) throw new Error('mariadbd is not installed');
  const user = await resolveServerUser(['mysql', 'nobody']);
  const root = await scratch('mdbcat');
  const data = join(root, 'data');
  await makeServerDirectory(user, data, 0o700);
  await makeServerDirectory(user, join(root, 'run'), 0o700);
  const runSocket = join(root, 'run', 's.sock');
  const child = spawn(
    mariadbd,
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--skip-networking',
      `--socket=${runSocket}`,
      '--skip-grant-tables',
      '--innodb-buffer-pool-size=8M',
      '--innodb-log-file-size=4M',
      `--log-error=${join(root, 'run', 'error.log')}`,
      `--pid-file=${join(root, 'run', 'mariadbd.pid')}`,
    ],
    { ...ids(user), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C', TZ: 'UTC' }, stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const deadline = Date.now() + 120_000;
    while (!existsSync(runSocket)) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const log = await readFile(join(root, 'run', 'error.log'), 'utf8').catch(() => '');
        throw new Error(`mariadbd did not start: ${log.trim().split('\n').slice(-3).join(' ')}`);
      }
      await sleep(20);
    }
    const connection = await createConnection({ socketPath: runSocket, user: 'root' });
    try {
      const [rows] = await connection.query(
        'SELECT LOWER(VARIABLE_NAME) AS name, READ_ONLY AS readOnly, VARIABLE_TYPE AS type, VARIABLE_SCOPE AS scope, ' +
          'NUMERIC_MIN_VALUE AS min, NUMERIC_MAX_VALUE AS max, ENUM_VALUE_LIST AS enumValues, DEFAULT_VALUE AS defaultValue, ' +
          'COMMAND_LINE_ARGUMENT AS commandLine, VARIABLE_COMMENT AS description FROM information_schema.SYSTEM_VARIABLES ORDER BY 1',
      );
      return (rows as Array<Record<string, string | null>>).map((row) => ({
        name: String(row.name),
        readOnly: row.readOnly === 'YES',
        type: String(row.type),
        scope: String(row.scope),
        min: row.min === null ? null : String(row.min),
        max: row.max === null ? null : String(row.max),
        enumValues: row.enumValues ?? null,
        defaultValue: row.defaultValue ?? null,
        commandLine: row.commandLine ?? null,
        description: String(row.description ?? ''),
      }));
    } finally {
      await connection.end().catch(() => connection.destroy());
    }
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
    }
    await rm(root, { recursive: true, force: true });
  }
}
