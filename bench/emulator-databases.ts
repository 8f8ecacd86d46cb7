/**
 * Figures for the database servers behind the RDS emulator, one JSON line each on standard output
 * (progress on standard error):
 *
 *   node --import tsx bench/emulator-databases.ts [--engine postgres|mariadb] [--runs 3] [--mb 10]
 *
 * create_ms      initialise + start + master user and database, until it accepts connections
 * restart_ms     stop (fast shutdown) + start
 * backup_ms      online consistent copy of an instance holding about --mb MB of table data
 * restore_ms     that copy laid down as a new instance, until it accepts connections
 * rss_mb / pss_mb  memory of one running instance: the server process and all its children, from
 *                /proc (RSS counts shared memory once per process; PSS shares it out, so PSS sums)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureAuthority, issueServerCertificate } from '../src/emulator/databases/certificates.js';
import { createPostgresEngine } from '../src/emulator/databases/postgres.js';
import type { DatabaseEngine, DatabaseServer, DatabaseSpec, EngineName } from '../src/emulator/databases/types.js';

const progress = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const print = (figure: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(figure)}\n`);

const { values } = parseArgs({
  options: {
    engine: { type: 'string', default: 'postgres' },
    runs: { type: 'string', default: '3' },
    mb: { type: 'string', default: '10' },
  },
});
const engineName = values.engine as EngineName;
const runs = Math.max(1, Number(values.runs));
const targetMb = Math.max(1, Number(values.mb));

async function loadEngine(name: EngineName): Promise<DatabaseEngine> {
  if (name === 'postgres') return createPostgresEngine();
  const { createMariadbEngine } = await import('../src/emulator/databases/mariadb.js');
  return createMariadbEngine({ engine: name });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** The process and its descendants, from /proc. */
function tree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const parent = /^\S+ \(.*\) \S (\d+)/.exec(readFileSync(`/proc/${entry}/stat`, 'utf8'))?.[1];
      parents.set(Number(entry), Number(parent));
    } catch {
      // exited while looking
    }
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) for (const [pid, parent] of parents) if (parent === found[i]) found.push(pid);
  return found;
}

function memory(root: number): { rssMb: number; pssMb: number; processes: number } {
  let rssKb = 0;
  let pssKb = 0;
  const pids = tree(root);
  for (const pid of pids) {
    try {
      rssKb += Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      pssKb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited while looking
    }
  }
  return { rssMb: round(rssKb / 1024), pssMb: round(pssKb / 1024), processes: pids.length };
}

function sizeMb(dir: string): number {
  let bytes = 0;
  const walk = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(path, entry.name));
      else if (entry.isFile()) bytes += statSync(join(path, entry.name)).size;
    }
  };
  walk(dir);
  return round(bytes / 1024 / 1024);
}

const round = (n: number) => Math.round(n * 10) / 10;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await work();
  return [result, round(performance.now() - start)];
}

async function fill(engine: EngineName, spec: DatabaseSpec, caPem: string, megabytes: number): Promise<void> {
  const rows = Math.ceil((megabytes * 1024 * 1024) / 1100);
  if (engine === 'postgres') {
    const { default: pg } = await import('pg');
    const client = new pg.Client({
      host: '127.0.0.1',
      port: spec.port,
      user: spec.masterUsername,
      password: spec.masterPassword,
      database: spec.dbName,
      ssl: { ca: caPem },
    });
    await client.connect();
    await client.query('CREATE TABLE filler (id int PRIMARY KEY, payload text)');
    await client.query(`INSERT INTO filler SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, $1) g`, [rows]);
    await client.end();
    return;
  }
  const mysql = await import('mysql2/promise');
  const connection = await mysql.createConnection({
    host: '127.0.0.1',
    port: spec.port,
    user: spec.masterUsername,
    password: spec.masterPassword,
    database: spec.dbName,
    ssl: { ca: caPem },
  });
  await connection.query('CREATE TABLE filler (id int PRIMARY KEY, payload text)');
  await connection.query('SET SESSION max_recursive_iterations = ?', [rows + 1]);
  await connection.query(
    `INSERT INTO filler WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?) SELECT n, REPEAT(MD5(n), 32) FROM g`,
    [rows],
  );
  await connection.end();
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'rds-emulator-bench-'));
  await chmod(root, 0o755);
  const servers: DatabaseServer[] = [];
  try {
    const engine = await loadEngine(engineName);
    const authority = await ensureAuthority(join(root, 'authority'));
    const spec = async (id: string): Promise<DatabaseSpec> => ({
      instanceId: id,
      engine: engineName,
      engineVersion: engineName === 'postgres' ? '16.4' : '10.11',
      masterUsername: 'master',
      masterPassword: 'Bench-Password-1',
      dbName: 'app',
      dataDir: join(root, id),
      port: await freePort(),
      tls: await issueServerCertificate(authority, join(root, 'tls', id)),
      parameters: {},
    });
    const creates: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = await spec(`create-${i}`);
      const [server, ms] = await timed(() => engine.create(s));
      servers.push(server);
      creates.push(ms);
      progress(`create ${i + 1}/${runs}: ${ms} ms`);
    }
    print({ metric: 'create_ms', value: median(creates), unit: 'ms', engine: engineName, samples: creates });

    const first = servers[0]!;
    const idle = memory(first.pid!);
    print({ metric: 'rss_mb', value: idle.rssMb, unit: 'MB', engine: engineName, state: 'idle after create', processes: idle.processes });
    print({ metric: 'pss_mb', value: idle.pssMb, unit: 'MB', engine: engineName, state: 'idle after create', processes: idle.processes });

    const restarts: number[] = [];
    for (let i = 0; i < runs; i++) restarts.push((await timed(() => first.restart()))[1]);
    print({ metric: 'restart_ms', value: median(restarts), unit: 'ms', engine: engineName, samples: restarts });

    progress(`filling about ${targetMb} MB`);
    await fill(engineName, first.spec, authority.caPem, targetMb);
    const loaded = memory(first.pid!);
    print({
      metric: 'rss_mb',
      value: loaded.rssMb,
      unit: 'MB',
      engine: engineName,
      state: `after writing ${targetMb} MB`,
      processes: loaded.processes,
    });
    print({
      metric: 'pss_mb',
      value: loaded.pssMb,
      unit: 'MB',
      engine: engineName,
      state: `after writing ${targetMb} MB`,
      processes: loaded.processes,
    });

    const backups: number[] = [];
    let backupSize = 0;
    const restores: number[] = [];
    for (let i = 0; i < runs; i++) {
      const dest = join(root, 'backups', `b${i}`);
      backups.push((await timed(() => first.backup(dest)))[1]);
      backupSize = sizeMb(dest);
      const s = await spec(`restore-${i}`);
      const [restored, ms] = await timed(() => engine.restoreFromBackup(dest, s));
      servers.push(restored);
      restores.push(ms);
      await restored.stop();
      progress(`backup ${backups.at(-1)} ms, restore ${ms} ms`);
    }
    print({
      metric: 'backup_ms',
      value: median(backups),
      unit: 'ms',
      engine: engineName,
      data_mb: targetMb,
      backup_size_mb: backupSize,
      samples: backups,
    });
    print({ metric: 'restore_ms', value: median(restores), unit: 'ms', engine: engineName, data_mb: targetMb, samples: restores });
  } finally {
    for (const server of servers) await server.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench] failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
