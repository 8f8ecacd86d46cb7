import { spawn, type ChildProcess, execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { createAuthority, issueServerCertificate, type TestAuthority } from './certificates.js';
import { freePort } from './postgresCluster.js';

const run = promisify(execFile);

/**
 * A real MariaDB server (Debian's mariadb-server) for the sql/ tests, on 127.0.0.1 (and 127.0.0.2,
 * which its certificate does not name), TLS from a throw-away authority. The master is made as RDS
 * makes it: an ordinary account with the RDS master's privileges on *.* WITH GRANT OPTION, not root.
 */
export interface MariadbOptions {
  database: string;
  masterUsername?: string;
  tls?: boolean;
  /** require_secure_transport=ON, as with RDS's parameter of that name (default true when tls). */
  requireSecureTransport?: boolean;
}

export interface TestMariadb {
  host: string;
  port: number;
  database: string;
  masterUsername: string;
  masterPassword: string;
  ca: TestAuthority;
  otherCa: TestAuthority;
  /** Runs SQL as root over the server's socket: for set-up and for checking facts. */
  asRoot<T>(fn: (connection: mysql.Connection) => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

/** The privileges RDS gives its MariaDB/MySQL master user (on *.*, WITH GRANT OPTION). */
export const RDS_MASTER_PRIVILEGES =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, REFERENCES, INDEX, ALTER, SHOW DATABASES, ' +
  'CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, BINLOG MONITOR, CREATE VIEW, SHOW VIEW, ' +
  'CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER, DELETE HISTORY';

const MARIADBD_CANDIDATES = ['/usr/sbin/mariadbd', '/usr/local/sbin/mariadbd', '/usr/bin/mariadbd'];

/** The mariadbd binary, when Debian's mariadb-server (or an equivalent) is installed. */
export function findMariadbd(): string | undefined {
  return MARIADBD_CANDIDATES.find((path) => existsSync(path));
}

async function waitForSocket(socketPath: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}: ${log()}`);
    try {
      const c = await mysql.createConnection({ socketPath, user: 'root' });
      await c.end();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`mariadbd did not accept connections: ${log()}`);
}

export async function startMariadb(options: MariadbOptions): Promise<TestMariadb> {
  const root = await mkdtemp(join(tmpdir(), 'rdsb-sql-mariadb-'));
  let child: ChildProcess | undefined;
  let output = '';
  const stopChild = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const mariadbd = findMariadbd();
    if (!mariadbd) throw new Error('mariadbd is not installed (Debian: apt-get install mariadb-server)');
    await chmod(root, 0o755);
    // mariadbd refuses to run as root: as root, it runs as the package's `mysql` user.
    const asRootUser = process.getuid?.() === 0;
    const uid = asRootUser ? Number((await run('id', ['-u', 'mysql'])).stdout.trim()) : process.getuid!();
    const gid = asRootUser ? Number((await run('id', ['-g', 'mysql'])).stdout.trim()) : process.getgid!();
    const userFlag = asRootUser ? ['--user=mysql'] : [];
    const tls = options.tls ?? true;
    const ca = await createAuthority(root, 'test-ca');
    const otherCa = await createAuthority(root, 'other-ca');
    const server = await issueServerCertificate(root, ca, ['IP:127.0.0.1', 'DNS:localhost']);
    await chown(server.keyFile, uid, gid);
    await chmod(server.keyFile, 0o600);
    const dataDir = join(root, 'data');
    await mkdir(dataDir);
    await chown(dataDir, uid, gid);
    // Its own temporary directory: a shared /tmp is cleaned by others while the server uses it.
    const serverTmp = join(root, 'tmp');
    await mkdir(serverTmp);
    await chown(serverTmp, uid, gid);
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--tmpdir=${serverTmp}`,
      ...userFlag,
      '--auth-root-authentication-method=socket',
      '--skip-test-db',
    ]);
    const port = await freePort();
    const socketPath = join(root, 'mariadb.sock');
    await chown(root, uid, gid);
    child = spawn(
      mariadbd,
      [
        '--no-defaults',
        `--datadir=${dataDir}`,
        `--tmpdir=${serverTmp}`,
        ...userFlag,
        `--port=${port}`,
        '--bind-address=127.0.0.1,127.0.0.2',
        `--socket=${socketPath}`,
        `--pid-file=${join(root, 'mariadb.pid')}`,
        '--skip-name-resolve',
        '--innodb-buffer-pool-size=16M',
        '--skip-log-bin',
        ...(tls
          ? [
              `--ssl-ca=${ca.caFile}`,
              `--ssl-cert=${server.certFile}`,
              `--ssl-key=${server.keyFile}`,
              `--require-secure-transport=${options.requireSecureTransport === false ? 'OFF' : 'ON'}`,
            ]
          : ['--skip-ssl']),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => (output += String(d)));
    child.stderr?.on('data', (d) => (output += String(d)));
    await waitForSocket(socketPath, child, () => output.slice(-2000));

    const masterUsername = options.masterUsername ?? 'master';
    const masterPassword = 'Master-Password-1';
    const asRoot = async <T>(fn: (connection: mysql.Connection) => Promise<T>): Promise<T> => {
      const c = await mysql.createConnection({ socketPath, user: 'root', charset: 'utf8mb4_unicode_ci' });
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };
    await asRoot(async (c) => {
      await c.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [masterUsername, masterPassword]);
      await c.query(`GRANT ${RDS_MASTER_PRIVILEGES} ON *.* TO ?@'%' WITH GRANT OPTION`, [masterUsername]);
      await c.query(`CREATE DATABASE \`${options.database.replace(/`/g, '``')}\``);
    });
    return {
      host: '127.0.0.1',
      port,
      database: options.database,
      masterUsername,
      masterPassword,
      ca,
      otherCa,
      asRoot,
      stop: async () => {
        await stopChild();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopChild().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw new Error(`could not start a test MariaDB server: ${(error as Error).message}\n${output.slice(-2000)}`);
  }
}
