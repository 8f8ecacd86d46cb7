import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureAuthority, issueServerCertificate, type CertificateAuthority } from '../../../src/emulator/databases/certificates.js';
import type { DatabaseServer, DatabaseSpec, EngineName } from '../../../src/emulator/databases/types.js';

/**
 * What the database-engine tests share: a scratch directory with its own certificate authority,
 * free ports, specs, real client connections, and a register of every server and directory made,
 * so that `cleanUp()` (called from after hooks, failures included) leaves nothing behind.
 */
export class Scratch {
  readonly servers: DatabaseServer[] = [];
  readonly pids = new Set<number>();
  private constructor(
    readonly root: string,
    readonly authority: CertificateAuthority,
  ) {}

  static async create(): Promise<Scratch> {
    const root = await mkdtemp(join(tmpdir(), 'rds-emulator-databases-'));
    // mkdtemp makes 0700 directories; the servers' unprivileged account must be able to walk in.
    await chmod(root, 0o755);
    return new Scratch(root, await ensureAuthority(join(root, 'authority')));
  }

  async spec(instanceId: string, overrides: Partial<DatabaseSpec> = {}, engine: EngineName = 'postgres'): Promise<DatabaseSpec> {
    return {
      instanceId,
      engine,
      engineVersion: engine === 'postgres' ? '16.4' : '10.11',
      masterUsername: 'master',
      masterPassword: `Pw-${instanceId}-1`,
      dbName: 'app',
      dataDir: join(this.root, 'instances', instanceId),
      port: await freePort(),
      tls: await issueServerCertificate(this.authority, join(this.root, 'certificates', instanceId), [`${instanceId}.emulated.local`]),
      parameters: {},
      ...overrides,
    };
  }

  /** Registers a server for clean-up and remembers its pid, to prove later that it is gone. */
  track<T extends DatabaseServer>(server: T): T {
    if (!this.servers.includes(server)) this.servers.push(server);
    if (server.pid) this.pids.add(server.pid);
    return server;
  }

  async cleanUp(): Promise<void> {
    for (const server of this.servers) await server.stop().catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** A process is gone when /proc no longer lists it, or lists it as a zombie no one reaped yet. */
export function processGone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return /^\S+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
  } catch {
    return true;
  }
}

/** Resolves 'refused' when nothing listens on the port, 'open' when something accepts. */
export function probePort(port: number): Promise<'open' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error)));
  });
}

export interface Login {
  port: number;
  user: string;
  password: string;
  database?: string;
  /** 'verify': TLS checking the certificate against `ca`; 'plain': no TLS at all. */
  mode: 'verify' | 'plain';
  ca?: string;
  host?: string;
}

/** Runs `work` on a fresh node-postgres connection, closed afterwards. */
export async function withClient<T>(login: Login, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: login.host ?? '127.0.0.1',
    port: login.port,
    user: login.user,
    password: login.password,
    database: login.database ?? 'app',
    ssl: login.mode === 'verify' ? { ca: login.ca, rejectUnauthorized: true } : false,
    connectionTimeoutMillis: 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The error a login fails with (its SQLSTATE and message), or 'ok'. */
export async function loginOutcome(login: Login): Promise<{ code?: string; message: string } | 'ok'> {
  try {
    await withClient(login, (client) => client.query('SELECT 1'));
    return 'ok';
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}

export function runProgram(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
