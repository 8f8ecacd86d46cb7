import { createHash } from 'node:crypto';
import {
  BINDING_USER_PREFIX,
  createSqlGateway,
  type BindingUserSpec,
  type DatabaseTarget,
  type SqlGateway,
} from '../../../src/sql/index.js';
import { targetFor } from './clients.js';
import { startEmulatedPostgres } from './emulatedPostgres.js';
import type { TestCluster } from './postgresCluster.js';

/** A database name an attacker (or an unlucky plan) could choose: quotes, a statement, unicode. */
export const HOSTILE_DATABASE = `app "db"; DROP DATABASE postgres; -- ü`;

export const spec = (name: string, overrides: Partial<BindingUserSpec> = {}): BindingUserSpec => ({
  username: `${BINDING_USER_PREFIX}${name}`,
  // Binding passwords are printable ASCII; names here need not be.
  password: `Pw-${createHash('sha256').update(name).digest('hex').slice(0, 20)}`,
  readOnly: false,
  secretId: 'k1',
  bindingId: `binding-${name}`,
  ...overrides,
});

export async function roleNames(cluster: TestCluster): Promise<string[]> {
  return cluster.asSuperuser(async (c) =>
    (await c.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname LIKE 'rdsb%' ORDER BY 1`)).rows.map((r) => r.rolname),
  );
}

export async function tableOwner(cluster: TestCluster, table: string): Promise<string | undefined> {
  return cluster.asSuperuser(
    async (c) =>
      (await c.query<{ owner: string }>(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = $1`, [table])).rows[0]
        ?.owner,
    cluster.database,
  );
}

export type MasterKind = 'rds-like' | 'emulator';

export interface BindingSuite {
  readonly master: MasterKind;
  readonly gateway: SqlGateway;
  readonly cluster: TestCluster;
  readonly target: DatabaseTarget;
}

/**
 * RDS gives the broker a master that is not a superuser, as the project's emulator does: its own
 * master (a member of rds_superuser) and a plainer CREATEROLE/CREATEDB one must both work, on the emulator's real PostgreSQL with TLS enforced (rds.force_ssl = 1), in a database
 * with a hostile name: `body` runs once per master, its `suite` filled in before the first test.
 */
export function describeOnEachMaster(title: string, body: (suite: BindingSuite) => void): void {
  for (const master of ['rds-like', 'emulator'] as const) {
    describe(`${title} (master: ${master}, emulated RDS PostgreSQL over TLS)`, function () {
      this.timeout(120_000);
      const suite = { master, gateway: createSqlGateway() } as { -readonly [K in keyof BindingSuite]: BindingSuite[K] };
      before(async () => {
        suite.cluster = await startEmulatedPostgres({
          master,
          database: HOSTILE_DATABASE,
        });
        suite.target = targetFor(suite.cluster);
      });
      after(async () => {
        await suite.cluster?.stop();
      });
      body(suite);
    });
  }
}
