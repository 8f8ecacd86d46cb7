import pg from 'pg';
import { DescribeDBInstancesCommand, RDSClient } from '@aws-sdk/client-rds';
import { masterPassword, type DerivationSecret } from '../../../src/naming/derive.js';
import { RdsGateway } from '../../../src/aws/gateway.js';

/**
 * What the tests look at from the outside: RDS as the SDK shows it, and the databases as their
 * master user sees them. The master password is derived here with the same public function the
 * broker documents, from the secret the test configured.
 */

/** An SDK client for the emulator that outlasts injected faults (the test must not be the flaky part). */
export function sturdyRdsClient(endpoint: string, region = 'eu-west-1'): RDSClient {
  return new RDSClient({ endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 20 });
}

/** The broker's own AWS gateway for the emulator, as sturdy: for what the product does through it. */
export function sturdyRdsGateway(endpoint: string, region = 'eu-west-1'): RdsGateway {
  return new RdsGateway({
    region,
    endpoint,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    retry: { maxAttempts: 10, budgetMs: 60_000, baseDelayMs: 50, maxDelayMs: 1000 },
    coalesce: { enabled: false, windowMs: 0, maxIdentifiers: 100 },
  });
}

export interface InstanceView {
  identifier: string;
  status: string;
  host: string;
  port: number;
  dbName: string;
  masterUsername: string;
  tags: Record<string, string>;
}

export async function listInstances(rds: RDSClient): Promise<InstanceView[]> {
  const out: InstanceView[] = [];
  let marker: string | undefined;
  do {
    const page = await rds.send(new DescribeDBInstancesCommand({ MaxRecords: 100, ...(marker ? { Marker: marker } : {}) }));
    for (const i of page.DBInstances ?? []) {
      out.push({
        identifier: i.DBInstanceIdentifier!,
        status: i.DBInstanceStatus ?? '',
        host: i.Endpoint?.Address ?? '',
        port: i.Endpoint?.Port ?? 0,
        dbName: i.DBName ?? '',
        masterUsername: i.MasterUsername ?? '',
        tags: Object.fromEntries((i.TagList ?? []).map((t) => [t.Key!, t.Value ?? ''])),
      });
    }
    marker = page.Marker;
  } while (marker);
  return out;
}

export async function asMaster<T>(
  instance: InstanceView,
  instanceId: string,
  secret: DerivationSecret,
  ca: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    host: instance.host,
    port: instance.port,
    database: instance.dbName,
    user: instance.masterUsername,
    password: masterPassword(secret, instanceId),
    ssl: { ca, rejectUnauthorized: true },
    connectionTimeoutMillis: 10_000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Every login role whose name has the broker's binding prefix (its two group roles excluded). */
export async function bindingRoles(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ rolname: string }>(
    `SELECT rolname FROM pg_roles WHERE rolname LIKE 'rdsb\\_%' AND rolcanlogin ORDER BY rolname`,
  );
  return result.rows.map((r) => r.rolname);
}

export async function allRoles(client: pg.Client): Promise<string[]> {
  const result = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles ORDER BY rolname');
  return result.rows.map((r) => r.rolname);
}
