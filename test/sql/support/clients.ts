import pg from 'pg';
import type { DatabaseTarget } from '../../../src/sql/index.js';
import type { TestCluster } from './postgresCluster.js';

/** The gateway's view of a test cluster: the master, TLS verified against the cluster's authority. */
export function targetFor(cluster: TestCluster, overrides: Partial<DatabaseTarget> = {}): DatabaseTarget {
  return {
    engine: 'postgres',
    host: cluster.host,
    port: cluster.port,
    database: cluster.database,
    masterUsername: cluster.masterUsername,
    masterPassword: cluster.masterPassword,
    tls: { caPem: cluster.ca.caPem, allowPlaintext: false },
    connectTimeoutMs: 5000,
    ...overrides,
  };
}

/**
 * An application's connection, made with node-postgres directly (not through the code under test),
 * over verified TLS. `run` gets the client; the connection is always closed.
 */
export async function asUser<T>(
  cluster: TestCluster,
  username: string,
  password: string,
  run: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: cluster.host,
    port: cluster.port,
    database: cluster.database,
    user: username,
    password,
    ssl: { ca: cluster.ca.caPem, rejectUnauthorized: true },
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE a statement fails with, or 'ok' when it succeeds. */
export async function sqlState(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** Whether a login succeeds, as an application would find out. */
export async function loginWorks(cluster: TestCluster, username: string, password: string): Promise<boolean> {
  try {
    await asUser(cluster, username, password, (c) => c.query('SELECT 1'));
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '28P01' || code === '28000') return false;
    throw error;
  }
}
