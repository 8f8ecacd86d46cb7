import type pg from 'pg';
import type { BindingMetadata } from '../metadata.js';
import { parseBindingMetadata, sameMetadata } from '../metadata.js';
import { OWNER_ROLE, READONLY_ROLE } from '../names.js';
import { BINDING_DEFAULT_ACL_ROWS, type ServerFacts } from './statements.js';

/** What the catalog says about one role, from the master's point of view. */
export interface RoleState {
  canLogin: boolean;
  inherit: boolean;
  superuser: boolean;
  createRole: boolean;
  createDb: boolean;
  replication: boolean;
  bypassRls: boolean;
  connectionLimit: number;
  neverExpires: boolean;
  /** pg_roles.rolconfig entries, "name=value". */
  config: string[];
  comment: string | null;
  inOwner: boolean;
  inReadonly: boolean;
  /** The master has the role's privileges (needed for REASSIGN OWNED and to end its sessions). */
  masterHasPrivileges: boolean;
  /** The master may SET ROLE to it (16+; needed for ALTER DEFAULT PRIVILEGES FOR ROLE). */
  masterCanSet: boolean;
  /** pg_default_acl rows of this role in the current database. */
  defaultAclRows: number;
}

export async function serverFacts(client: pg.Client): Promise<ServerFacts> {
  const { rows } = await client.query<{ version: number; superuser: boolean }>(
    `SELECT current_setting('server_version_num')::int AS version, r.rolsuper AS superuser FROM pg_roles r WHERE r.rolname = current_user`,
  );
  const row = rows[0];
  return { version: row?.version ?? 0, superuser: row?.superuser ?? false };
}

export async function readRoleState(client: pg.Client, facts: ServerFacts, username: string): Promise<RoleState | undefined> {
  const setPrivilege = facts.version >= 160000 ? 'SET' : 'MEMBER';
  const { rows } = await client.query(
    `SELECT r.rolcanlogin, r.rolinherit, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolreplication, r.rolbypassrls,
            r.rolconnlimit, (r.rolvaliduntil IS NULL OR r.rolvaliduntil = 'infinity') AS never_expires,
            coalesce(r.rolconfig, '{}'::text[]) AS config,
            shobj_description(r.oid, 'pg_authid') AS comment,
            EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid AND g.rolname = $2) AS in_owner,
            EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid AND g.rolname = $3) AS in_readonly,
            pg_has_role(current_user, r.oid, 'USAGE') AS master_usage,
            pg_has_role(current_user, r.oid, $4) AS master_set,
            (SELECT count(*)::int FROM pg_default_acl d WHERE d.defaclrole = r.oid) AS default_acl_rows
       FROM pg_roles r WHERE r.rolname = $1`,
    [username, OWNER_ROLE, READONLY_ROLE, setPrivilege],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    canLogin: r.rolcanlogin,
    inherit: r.rolinherit,
    superuser: r.rolsuper,
    createRole: r.rolcreaterole,
    createDb: r.rolcreatedb,
    replication: r.rolreplication,
    bypassRls: r.rolbypassrls,
    connectionLimit: r.rolconnlimit,
    neverExpires: r.never_expires,
    config: r.config,
    comment: r.comment,
    inOwner: r.in_owner,
    inReadonly: r.in_readonly,
    masterHasPrivileges: r.master_usage,
    masterCanSet: r.master_set,
    defaultAclRows: r.default_acl_rows,
  };
}

export interface DesiredBinding {
  metadata: BindingMetadata;
}

/**
 * Every way `state` differs from what a binding with `desired` must be; empty means nothing to do.
 * Pure, so "unchanged" is decided by a function a test can read. (The password is checked apart:
 * no catalog view the master can read reveals it.)
 */
export function bindingDrift(state: RoleState, desired: DesiredBinding): string[] {
  const drift: string[] = [];
  const readOnly = desired.metadata.readOnly;
  if (!state.canLogin) drift.push('cannot log in');
  if (!state.inherit) drift.push('does not inherit');
  if (state.superuser) drift.push('is a superuser');
  if (state.createRole) drift.push('has CREATEROLE');
  if (state.createDb) drift.push('has CREATEDB');
  if (state.replication) drift.push('has REPLICATION');
  if (state.bypassRls) drift.push('has BYPASSRLS');
  if (state.connectionLimit !== -1) drift.push('has a connection limit');
  if (!state.neverExpires) drift.push('has an expiry time');
  if (!sameMetadata(parseBindingMetadata(state.comment), desired.metadata)) drift.push('metadata comment differs');
  if (!state.masterHasPrivileges || !state.masterCanSet) drift.push('master lacks membership');
  const sessionRole = state.config.find((c) => c.startsWith('role='));
  const readOnlyDefault = state.config.find((c) => c.startsWith('default_transaction_read_only='));
  if (readOnly) {
    if (state.inOwner) drift.push('is a member of the owner role');
    if (!state.inReadonly) drift.push('is not a member of the read-only role');
    if (sessionRole !== undefined) drift.push('sessions switch role');
    if (readOnlyDefault !== 'default_transaction_read_only=on') drift.push('transactions do not start read-only');
    if (state.defaultAclRows !== 0) drift.push('has default privileges of its own');
  } else {
    if (!state.inOwner) drift.push('is not a member of the owner role');
    if (state.inReadonly) drift.push('is a member of the read-only role');
    if (sessionRole !== `role=${OWNER_ROLE}`) drift.push('sessions do not run as the owner role');
    if (readOnlyDefault !== undefined) drift.push('transactions start read-only');
    if (state.defaultAclRows !== BINDING_DEFAULT_ACL_ROWS) drift.push('default privileges towards the owner are missing');
  }
  return drift;
}
