import { escapeIdentifier as id, escapeLiteral as literal } from 'pg';
import { encodeGroupMetadata } from '../metadata.js';
import { OWNER_ROLE, READONLY_ROLE } from '../names.js';

/**
 * Pure builders of the SQL the PostgreSQL gateway sends. Every name goes through escapeIdentifier and
 * every value through escapeLiteral: role statements (CREATE ROLE, COMMENT, GRANT) take no bind
 * parameters, so quoting is the only defence, and it is applied here, in one place.
 */

export interface ServerFacts {
  /** server_version_num, e.g. 170010. */
  version: number;
  /** The master user is a superuser (a self-managed server); on RDS it is not. */
  superuser: boolean;
}

/** Membership options became explicit in PostgreSQL 16 (INHERIT and SET per grant). */
const membershipOptions = (facts: ServerFacts) => (facts.version >= 160000 ? ' WITH INHERIT TRUE, SET TRUE' : '');

export function createGroupRole(name: typeof OWNER_ROLE | typeof READONLY_ROLE): string[] {
  const kind = name === OWNER_ROLE ? 'owner' : 'readonly';
  return [`CREATE ROLE ${id(name)} NOLOGIN`, `COMMENT ON ROLE ${id(name)} IS ${literal(encodeGroupMetadata(kind))}`];
}

/**
 * The master acts on the owner's and a binding's behalf: ALTER DEFAULT PRIVILEGES FOR ROLE needs
 * SET on the role (16+: membership before), REASSIGN OWNED and pg_terminate_backend need its
 * privileges (INHERIT). A superuser needs none of it.
 */
export function grantRoleToMaster(facts: ServerFacts, role: string): string[] {
  return facts.superuser ? [] : [`GRANT ${id(role)} TO CURRENT_USER${membershipOptions(facts)}`];
}

/**
 * What the shared roles need in the database. CREATE on the database lets bindings create schemas;
 * PostgreSQL 15 revoked CREATE on schema public from PUBLIC, so the owner gets it explicitly, and the
 * same revocation is applied on older servers so a read-only binding cannot create tables there.
 */
export function databaseGrants(database: string, publicSchemaExists: boolean): string[] {
  const statements = [
    `GRANT CONNECT, TEMPORARY, CREATE ON DATABASE ${id(database)} TO ${id(OWNER_ROLE)}`,
    `GRANT CONNECT ON DATABASE ${id(database)} TO ${id(READONLY_ROLE)}`,
  ];
  if (publicSchemaExists) {
    statements.push(
      `REVOKE CREATE ON SCHEMA public FROM PUBLIC`,
      `GRANT USAGE, CREATE ON SCHEMA public TO ${id(OWNER_ROLE)}`,
      `GRANT USAGE ON SCHEMA public TO ${id(READONLY_ROLE)}`,
    );
  }
  return statements;
}

/** Whatever the owner creates from now on, the read-only group can read. */
export function ownerDefaultPrivileges(): string[] {
  const forOwner = `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(OWNER_ROLE)}`;
  return [
    `${forOwner} GRANT SELECT ON TABLES TO ${id(READONLY_ROLE)}`,
    `${forOwner} GRANT SELECT ON SEQUENCES TO ${id(READONLY_ROLE)}`,
    `${forOwner} GRANT USAGE ON SCHEMAS TO ${id(READONLY_ROLE)}`,
  ];
}

export interface OwnedObject {
  schema: string;
  name: string;
  kind: 'schema' | 'table' | 'sequence';
}

/** Catch-up for objects the owner already has (default privileges only cover objects created later). */
export function readonlyGrantsOn(objects: OwnedObject[]): string[] {
  return objects.map((o) => {
    switch (o.kind) {
      case 'schema':
        return `GRANT USAGE ON SCHEMA ${id(o.name)} TO ${id(READONLY_ROLE)}`;
      case 'sequence':
        return `GRANT SELECT ON SEQUENCE ${id(o.schema)}.${id(o.name)} TO ${id(READONLY_ROLE)}`;
      default:
        return `GRANT SELECT ON TABLE ${id(o.schema)}.${id(o.name)} TO ${id(READONLY_ROLE)}`;
    }
  });
}

export function createBindingRole(username: string, passwordVerifier: string): string {
  return `CREATE ROLE ${id(username)} WITH LOGIN INHERIT PASSWORD ${literal(passwordVerifier)}`;
}

/**
 * Attributes a binding must have. SUPERUSER, REPLICATION and BYPASSRLS are left out on purpose: a
 * non-superuser master may not even name them, and CREATE ROLE's defaults already exclude them
 * (drift in them is reported, not silently accepted).
 */
export function alterBindingAttributes(username: string, passwordVerifier: string | undefined): string {
  const password = passwordVerifier === undefined ? '' : ` PASSWORD ${literal(passwordVerifier)}`;
  return `ALTER ROLE ${id(username)} WITH LOGIN INHERIT NOCREATEDB NOCREATEROLE CONNECTION LIMIT -1 VALID UNTIL 'infinity'${password}`;
}

export function commentOnRole(username: string, comment: string): string {
  return `COMMENT ON ROLE ${id(username)} IS ${literal(comment)}`;
}

export interface MembershipState {
  inOwner: boolean;
  inReadonly: boolean;
}

/**
 * Read-write: member of the owner, sessions run as the owner (objects they create belong to it), and
 * objects created after a RESET ROLE are still shared through default privileges.
 */
export function makeReadWrite(facts: ServerFacts, username: string, state: MembershipState): string[] {
  const role = id(username);
  return [
    ...(state.inReadonly ? [`REVOKE ${id(READONLY_ROLE)} FROM ${role}`] : []),
    ...(state.inOwner ? [] : [`GRANT ${id(OWNER_ROLE)} TO ${role}${membershipOptions(facts)}`]),
    `ALTER ROLE ${role} RESET default_transaction_read_only`,
    `ALTER ROLE ${role} SET role = ${literal(OWNER_ROLE)}`,
    ...bindingDefaultPrivileges(username),
  ];
}

export function bindingDefaultPrivileges(username: string): string[] {
  const forRole = `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(username)}`;
  const owner = id(OWNER_ROLE);
  return [
    `${forRole} GRANT ALL ON TABLES TO ${owner}`,
    `${forRole} GRANT ALL ON SEQUENCES TO ${owner}`,
    `${forRole} GRANT ALL ON FUNCTIONS TO ${owner}`,
    `${forRole} GRANT ALL ON TYPES TO ${owner}`,
    `${forRole} GRANT ALL ON SCHEMAS TO ${owner}`,
  ];
}
/** How many pg_default_acl rows bindingDefaultPrivileges leaves (one per object type). */
export const BINDING_DEFAULT_ACL_ROWS = 5;

/**
 * Read-only: SELECT through the read-only group only, no membership in the owner, owns nothing and
 * holds no privilege of its own (so it lacks the rights, not only the default), and every
 * transaction starts read-only as a second fence.
 */
export function makeReadOnly(username: string, state: MembershipState): string[] {
  const role = id(username);
  return [
    `ALTER ROLE ${role} RESET role`,
    ...(state.inOwner ? [`REVOKE ${id(OWNER_ROLE)} FROM ${role}`] : []),
    `REASSIGN OWNED BY ${role} TO ${id(OWNER_ROLE)}`,
    `DROP OWNED BY ${role}`,
    ...(state.inReadonly ? [] : [`GRANT ${id(READONLY_ROLE)} TO ${role}`]),
    `ALTER ROLE ${role} SET default_transaction_read_only = on`,
  ];
}

/** Drop a binding without losing what it owns: objects go to the owner, then its grants go, then the role. */
export function dropBindingRole(username: string): string[] {
  const role = id(username);
  return [`REASSIGN OWNED BY ${role} TO ${id(OWNER_ROLE)}`, `DROP OWNED BY ${role}`, `DROP ROLE ${role}`];
}

export function createExtension(name: string): string {
  return `CREATE EXTENSION IF NOT EXISTS ${id(name)} CASCADE`;
}

/** RESTRICT, never CASCADE: dropping columns or views that use the extension would lose data. */
export function dropExtension(name: string): string {
  return `DROP EXTENSION IF EXISTS ${id(name)} RESTRICT`;
}
