import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import pg from 'pg';
import { DatabaseError } from './errors.js';
import type { AdminCredentials } from './types.js';

/**
 * The engine's own way into a server, independent of the master password: the bootstrap superuser
 * `rdsadmin` (as on RDS, where it is the account the customer never gets), whose random password
 * lives in the data directory, so that it travels with every backup and a restored copy is as
 * reachable as its source, whatever the source's master password was.
 */
export const ADMIN_USER = 'rdsadmin';
export const ADMIN_PASSWORD_FILE = 'rds-emulator-admin.password';

export function newAdminPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * A SCRAM-SHA-256 verifier for `password` (RFC 5802/7677, in PostgreSQL's rolpassword format).
 * Sending the verifier instead of the password keeps the password out of the server's statement
 * log whatever log_statement says, as psql's \password does.
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  // PostgreSQL runs SASLprep over the password; for the printable ASCII that RDS allows that is the
  // identity, and NFKC is its normalisation step for everything else.
  const normalized = Buffer.from(password.normalize('NFKC'), 'utf8');
  const salted = pbkdf2Sync(normalized, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

export type AdminAccess = AdminCredentials;

/** Runs `work` on a TLS connection (server certificate verified) as rdsadmin, then closes it. */
export async function withAdmin<T>(access: AdminAccess, work: (client: pg.Client) => Promise<T>, database = 'postgres'): Promise<T> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: access.port,
    user: ADMIN_USER,
    password: access.password,
    database,
    ssl: { ca: access.caPem },
    connectionTimeoutMillis: access.timeoutMs ?? 15_000,
    query_timeout: access.timeoutMs,
    application_name: 'rds-emulator',
  });
  // A server shut down under an open connection emits 'error' on the client; the awaited calls
  // below already report it, so the event must not become an uncaught exception.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw new DatabaseError(
      'Internal',
      `cannot open the administrative connection to 127.0.0.1:${access.port}: ${(error as Error).message}`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The predefined roles RDS grants rds_superuser, by the server version that introduced them. The
 * role itself is no superuser: CREATEROLE and CREATEDB, these memberships, and (through the
 * emulator's installation) the extensions RDS allows.
 */
const RDS_SUPERUSER_GRANTS: Array<[role: string, sinceVersion: number]> = [
  ['pg_monitor', 100000],
  ['pg_signal_backend', 90600],
  ['pg_read_all_settings', 100000],
  ['pg_read_all_stats', 100000],
  ['pg_stat_scan_tables', 100000],
  ['pg_checkpoint', 150000],
  ['pg_use_reserved_connections', 160000],
  ['pg_create_subscription', 160000],
];

/** rds_superuser as RDS has it; created once per server (it lives in the data directory). */
export async function ensureRdsSuperuser(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ version: number; present: boolean }>(
    "SELECT current_setting('server_version_num')::int AS version, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_superuser') AS present",
  );
  const { version, present } = rows[0]!;
  if (!present) await client.query('CREATE ROLE rds_superuser NOLOGIN NOSUPERUSER CREATEDB CREATEROLE');
  const grants = RDS_SUPERUSER_GRANTS.filter(([, since]) => version >= since).map(([role]) => role);
  if (grants.length > 0) await client.query(`GRANT ${grants.join(', ')} TO rds_superuser WITH ADMIN OPTION`);
}

/**
 * Creates the master user and its database. As on RDS the master is no superuser: LOGIN,
 * CREATEDB, CREATEROLE and a member of rds_superuser (with ADMIN OPTION, so it can grant the role
 * on). The `postgres` database is the master's, as it is on RDS, so its public schema is usable.
 */
export async function createMasterUserAndDatabase(
  client: pg.Client,
  masterUsername: string,
  masterPassword: string,
  dbName: string,
): Promise<void> {
  await ensureRdsSuperuser(client);
  const user = client.escapeIdentifier(masterUsername);
  await client.query(
    `CREATE ROLE ${user} LOGIN NOSUPERUSER CREATEDB CREATEROLE IN ROLE rds_superuser PASSWORD '${scramVerifier(masterPassword)}'`,
  );
  await client.query(`GRANT rds_superuser TO ${user} WITH ADMIN OPTION`);
  await client.query(`ALTER DATABASE postgres OWNER TO ${user}`);
  if (dbName && dbName !== 'postgres') {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(dbName)} OWNER ${user} STRATEGY = FILE_COPY`);
  }
}

export async function setPassword(client: pg.Client, username: string, password: string): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [username]);
  if (found.rowCount === 0) {
    throw new DatabaseError('InvalidSpec', `the master user ${username} does not exist in this database server`);
  }
  await client.query(`ALTER ROLE ${client.escapeIdentifier(username)} WITH LOGIN PASSWORD '${scramVerifier(password)}'`);
}
