import type pg from 'pg';
import { DatabaseOperationError } from '../errors.js';
import { OWNER_ROLE, READONLY_ROLE } from '../names.js';
import {
  createGroupRole,
  databaseGrants,
  grantRoleToMaster,
  ownerDefaultPrivileges,
  readonlyGrantsOn,
  type OwnedObject,
  type ServerFacts,
} from './statements.js';
import { executeAll } from './transaction.js';

/**
 * The two NOLOGIN roles every binding hangs off, and what they need in the database. Runs inside
 * the role-change transaction before any binding is created or dropped; every step is a no-op when
 * already done.
 */
export async function ensureSharedRoles(client: pg.Client, facts: ServerFacts, database: string): Promise<void> {
  const { rows } = await client.query<{ rolname: string }>(`SELECT rolname FROM pg_roles WHERE rolname = ANY($1)`, [
    [OWNER_ROLE, READONLY_ROLE],
  ]);
  const existing = new Set(rows.map((r) => r.rolname));
  for (const role of [OWNER_ROLE, READONLY_ROLE] as const) {
    if (!existing.has(role)) await executeAll(client, createGroupRole(role));
  }
  const membership = await client.query<{ usage: boolean; set: boolean }>(
    `SELECT pg_has_role(current_user, $1, 'USAGE') AS usage, pg_has_role(current_user, $1, $2) AS set`,
    [OWNER_ROLE, facts.version >= 160000 ? 'SET' : 'MEMBER'],
  );
  const m = membership.rows[0];
  if (!m?.usage || !m.set) await executeAll(client, grantRoleToMaster(facts, OWNER_ROLE));

  const schema = await client.query<{ exists: boolean }>(`SELECT to_regnamespace('public') IS NOT NULL AS exists`);
  const publicExists = schema.rows[0]?.exists ?? false;
  await executeAll(client, [...databaseGrants(database, publicExists), ...ownerDefaultPrivileges()]);

  // A GRANT the master may not make is only a WARNING in PostgreSQL: check the effect instead.
  const check = await client.query<{ connect: boolean; create: boolean; schema_create: boolean }>(
    `SELECT has_database_privilege($1, current_database(), 'CONNECT') AS connect,
            has_database_privilege($1, current_database(), 'CREATE') AS create,
            (to_regnamespace('public') IS NULL OR has_schema_privilege($1, 'public', 'CREATE')) AS schema_create`,
    [OWNER_ROLE],
  );
  const c = check.rows[0];
  if (!c?.connect || !c.create || !c.schema_create) {
    throw new DatabaseOperationError(
      'preparing the shared owner role',
      `the master user could not give ${OWNER_ROLE} CONNECT and CREATE on the database and CREATE on schema public; ` +
        'it must own the database, and schema public must be its (as from PostgreSQL 15) or open to PUBLIC',
    );
  }
}

/**
 * A read-only binding must lack every right to write, not only start read-only transactions. Its
 * rights include PUBLIC's: before PostgreSQL 15 PUBLIC may create in schema public, and when the
 * master does not own that schema (its REVOKE was then only a warning) nothing here can take that
 * away. Refuse, and say what the schema's owner must run, rather than hand out a "read-only" binding
 * that can create tables.
 */
export async function assertReadonlyCannotCreate(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ schema_create: boolean; database_create: boolean }>(
    `SELECT (to_regnamespace('public') IS NOT NULL AND has_schema_privilege($1, 'public', 'CREATE')) AS schema_create,
            has_database_privilege($1, current_database(), 'CREATE') AS database_create`,
    [READONLY_ROLE],
  );
  const r = rows[0];
  if (r?.schema_create) {
    throw new DatabaseOperationError(
      'creating a read-only binding',
      'every role may create tables in schema public here (PUBLIC holds CREATE on it, as before PostgreSQL 15) and the master user ' +
        'cannot revoke that because it does not own the schema; have a superuser make the database owner own it, as PostgreSQL 15 does ' +
        '(ALTER SCHEMA public OWNER TO the master user), or have the schema owner run REVOKE CREATE ON SCHEMA public FROM PUBLIC ' +
        `and GRANT USAGE, CREATE ON SCHEMA public TO ${OWNER_ROLE}`,
    );
  }
  if (r?.database_create) {
    throw new DatabaseOperationError(
      'creating a read-only binding',
      'PUBLIC holds CREATE on the database; have its owner run REVOKE CREATE ON DATABASE … FROM PUBLIC',
    );
  }
}

/**
 * Default privileges cover only objects created after them; objects the owner got otherwise (a
 * REASSIGN OWNED, a table made before the first read-only binding) are granted here.
 */
export async function grantReadonlyOnOwnedObjects(client: pg.Client): Promise<void> {
  const { rows } = await client.query<OwnedObject>(
    `WITH owner AS (SELECT oid FROM pg_roles WHERE rolname = $1)
     SELECT n.nspname AS schema, c.relname AS name, CASE WHEN c.relkind = 'S' THEN 'sequence' ELSE 'table' END AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relowner = (SELECT oid FROM owner) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relpersistence <> 't'
        AND NOT has_table_privilege($2, c.oid, 'SELECT')
     UNION ALL
     SELECT n.nspname, n.nspname, 'schema'
       FROM pg_namespace n
      WHERE (n.nspowner = (SELECT oid FROM owner)
             OR EXISTS (SELECT 1 FROM pg_class c
                         WHERE c.relnamespace = n.oid AND c.relowner = (SELECT oid FROM owner)
                           AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND c.relpersistence <> 't'))
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
        AND NOT has_schema_privilege($2, n.oid, 'USAGE')`,
    [OWNER_ROLE, READONLY_ROLE],
  );
  await executeAll(client, readonlyGrantsOn(rows));
}
