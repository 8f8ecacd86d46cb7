import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureAuthority, issueServerCertificate } from '../../../src/emulator/databases/certificates.js';
import { createPostgresEngine } from '../../../src/emulator/databases/postgres.js';
import { ADMIN_PASSWORD_FILE, ADMIN_USER } from '../../../src/emulator/databases/postgres-admin.js';
import { instanceLayout } from '../../../src/emulator/databases/postgres-layout.js';
import type { DatabaseServer } from '../../../src/emulator/databases/types.js';
import { freePort, type TestCluster } from './postgresCluster.js';

/**
 * A PostgreSQL instance of the project's RDS emulator (a real cluster, TLS from the emulator's
 * authority, rds.force_ssl = 1): the databases the broker meets in local mode and in the
 * integration tests.
 *
 * `master: 'emulator'` uses the emulator's master user as it comes (as on RDS: no superuser, a
 * member of rds_superuser). `master: 'rds-like'` adds a plainer one, an ordinary role with only
 * CREATEROLE and CREATEDB that owns the database, because the gateway must work with that master
 * too. `asSuperuser` is the emulator's own administrator, rdsadmin, for the tests' inspections.
 */
export async function startEmulatedPostgres(options: { master: 'emulator' | 'rds-like'; database: string }): Promise<TestCluster> {
  const root = await mkdtemp(join(tmpdir(), 'rdsb-sql-emulated-'));
  let server: DatabaseServer | undefined;
  try {
    // The server's unprivileged account must be able to walk into the scratch directory.
    await chmod(root, 0o755);
    const authority = await ensureAuthority(join(root, 'authority'));
    const otherAuthority = await ensureAuthority(join(root, 'other-authority'));
    const emulatorMaster = { username: 'master', password: 'Emulator-Master-Password-1' };
    const port = await freePort();
    // RDSB_TEST_POSTGRES_BIN_DIR: run the suite on another PostgreSQL major (a directory holding its
    // initdb and postgres), since RDS fleets run several and the SQL differs between them.
    const binDir = process.env.RDSB_TEST_POSTGRES_BIN_DIR;
    server = await createPostgresEngine(binDir ? { binDir } : {}).create({
      instanceId: 'sql-test',
      engine: 'postgres',
      engineVersion: '17.10',
      masterUsername: emulatorMaster.username,
      masterPassword: emulatorMaster.password,
      // The database is created below, as its owner would, by either master: that also keeps the
      // fixture working with the binaries of PostgreSQL 14, whose CREATE DATABASE has no STRATEGY.
      dbName: '',
      dataDir: join(root, 'instance'),
      port,
      tls: await issueServerCertificate(authority, join(root, 'certificate'), ['127.0.0.1', 'localhost']),
      parameters: {},
    });
    const caPem = await readFile(authority.caFile, 'utf8');
    const adminPassword = (await readFile(join(instanceLayout(join(root, 'instance')).pgdata, ADMIN_PASSWORD_FILE), 'utf8')).trim();
    const asSuperuser = async <T>(fn: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        database,
        user: ADMIN_USER,
        password: adminPassword,
        ssl: { ca: caPem, rejectUnauthorized: true },
      });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return await fn(client);
      } finally {
        await client.end();
      }
    };
    const master = options.master === 'emulator' ? emulatorMaster : { username: 'rds_master', password: 'Rds-Like-Master-Password-1' };
    await asSuperuser(async (c) => {
      if (options.master === 'rds-like') {
        await c.query(
          `CREATE ROLE ${c.escapeIdentifier(master.username)} LOGIN CREATEROLE CREATEDB PASSWORD ${c.escapeLiteral(master.password)}`,
        );
      }
      await c.query(`CREATE DATABASE ${c.escapeIdentifier(options.database)} OWNER ${c.escapeIdentifier(master.username)}`);
    });
    await asSuperuser(async (c) => {
      // Before PostgreSQL 15 schema public belongs to the bootstrap superuser: give it to the
      // database owner, as PostgreSQL 15 does and as the gateway's refusal advises an operator to.
      const version = Number((await c.query(`SHOW server_version_num`)).rows[0].server_version_num);
      if (version < 150000) await c.query(`ALTER SCHEMA public OWNER TO ${c.escapeIdentifier(master.username)}`);
    }, options.database);
    const running = server;
    return {
      host: '127.0.0.1',
      port,
      database: options.database,
      masterUsername: master.username,
      masterPassword: master.password,
      ca: { caPem, caFile: authority.caFile, caKeyFile: authority.caKeyFile },
      otherCa: { caPem: await readFile(otherAuthority.caFile, 'utf8'), caFile: otherAuthority.caFile, caKeyFile: otherAuthority.caKeyFile },
      asSuperuser,
      stop: async () => {
        await running.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server?.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
