import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { ensureAuthority, issueServerCertificate } from '../../../src/emulator/databases/certificates.js';
import { createMariadbEngine } from '../../../src/emulator/databases/mariadb.js';
import type { DatabaseServer } from '../../../src/emulator/databases/types.js';
import { RDS_MASTER_PRIVILEGES, type TestMariadb } from './mariadbServer.js';
import { freePort } from './postgresCluster.js';

/**
 * A MariaDB instance of the project's RDS emulator (a real mariadbd, TLS from the emulator's
 * authority). `master: 'emulator'` uses its master as it comes (RDS's privileges, as the emulator gives them); `master: 'rds-like'`
 * adds an account with exactly RDS's master privileges. The database, whose name the emulator's
 * DBName rules would refuse, is created here as its master would.
 */
export async function startEmulatedMariadb(options: { master: 'emulator' | 'rds-like'; database: string }): Promise<TestMariadb> {
  const root = await mkdtemp(join(tmpdir(), 'rdsb-sql-emulated-mariadb-'));
  let server: DatabaseServer | undefined;
  try {
    await chmod(root, 0o755);
    const authority = await ensureAuthority(join(root, 'authority'));
    const otherAuthority = await ensureAuthority(join(root, 'other-authority'));
    const emulatorMaster = { username: 'master', password: 'Emulator-Master-Password-1' };
    const port = await freePort();
    server = await createMariadbEngine().create({
      instanceId: 'sql-test',
      engine: 'mariadb',
      engineVersion: '10.11',
      masterUsername: emulatorMaster.username,
      masterPassword: emulatorMaster.password,
      dbName: '',
      dataDir: join(root, 'instance'),
      port,
      tls: await issueServerCertificate(authority, join(root, 'certificate'), ['127.0.0.1', 'localhost']),
      parameters: {},
    });
    const caPem = await readFile(authority.caFile, 'utf8');
    const asRoot = async <T>(fn: (connection: mysql.Connection) => Promise<T>): Promise<T> => {
      const c = await mysql.createConnection({
        host: '127.0.0.1',
        port,
        user: emulatorMaster.username,
        password: emulatorMaster.password,
        ssl: { ca: caPem, rejectUnauthorized: true },
        charset: 'utf8mb4_unicode_ci',
      });
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };
    const master = options.master === 'emulator' ? emulatorMaster : { username: 'rds_master', password: 'Rds-Like-Master-Password-1' };
    await asRoot(async (c) => {
      if (options.master === 'rds-like') {
        await c.query(`CREATE USER ?@'%' IDENTIFIED BY ?`, [master.username, master.password]);
        await c.query(`GRANT ${RDS_MASTER_PRIVILEGES} ON *.* TO ?@'%' WITH GRANT OPTION`, [master.username]);
      }
      await c.query(`CREATE DATABASE \`${options.database.replace(/`/g, '``')}\``);
    });
    const running = server;
    return {
      host: '127.0.0.1',
      port,
      database: options.database,
      masterUsername: master.username,
      masterPassword: master.password,
      ca: { caPem, caFile: authority.caFile, caKeyFile: authority.caKeyFile },
      otherCa: { caPem: await readFile(otherAuthority.caFile, 'utf8'), caFile: otherAuthority.caFile, caKeyFile: otherAuthority.caKeyFile },
      asRoot,
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
