import type pg from 'pg';
import { DatabaseAuthError, DatabaseOperationError, InvalidSqlInputError } from '../errors.js';
import { encodeBindingMetadata, parseBindingMetadata, type BindingMetadata } from '../metadata.js';
import {
  BINDING_USER_PREFIX,
  OWNER_ROLE,
  validateBindingPassword,
  validateBindingUsername,
  validateDatabaseName,
  validateExtensionName,
} from '../names.js';
import { scramSha256Verifier } from '../passwords.js';
import type { BindingUserInfo, BindingUserSpec, DatabaseTarget, EnsureOutcome, SqlGateway } from '../types.js';
import { masterLogin, withPostgresClient } from './connection.js';
import { bindingDrift, readRoleState, serverFacts } from './roles.js';
import { assertReadonlyCannotCreate, ensureSharedRoles, grantReadonlyOnOwnedObjects } from './shared.js';
import {
  alterBindingAttributes,
  commentOnRole,
  createBindingRole,
  createExtension,
  dropBindingRole,
  dropExtension,
  grantRoleToMaster,
  makeReadOnly,
  makeReadWrite,
  type ServerFacts,
} from './statements.js';
import { executeAll, inRoleTransaction } from './transaction.js';

/**
 * PostgreSQL binding users. The model: one NOLOGIN owner role owns every object created through any
 * binding (read-write bindings are its members and their sessions run as it), a NOLOGIN read-only
 * group holds SELECT on the owner's objects, and each binding is a LOGIN role carrying its metadata
 * in its comment. See statements.ts for the SQL and why each piece is there.
 */
export function createPostgresGateway(): SqlGateway {
  return {
    ensureBindingUser,
    dropBindingUser,
    findBindingUser,
    listBindingUsers,
    neutraliseBindingUsers,
    canLogin,
    ensureExtensions,
    dropExtensions,
  };
}

function checkTarget(target: DatabaseTarget): void {
  validateDatabaseName(target.database);
}

async function ensureBindingUser(target: DatabaseTarget, spec: BindingUserSpec): Promise<EnsureOutcome> {
  checkTarget(target);
  validateBindingUsername('postgres', spec.username);
  validateBindingPassword(spec.password);
  const metadata: BindingMetadata = {
    bindingId: String(spec.bindingId),
    secretId: String(spec.secretId),
    readOnly: spec.readOnly === true,
  };
  const operation = `ensuring binding user ${JSON.stringify(spec.username)}`;
  return withPostgresClient(target, masterLogin(target), operation, async (client) => {
    const facts = await serverFacts(client);
    return inRoleTransaction(client, async () => {
      await ensureSharedRoles(client, facts, target.database);
      if (metadata.readOnly) await assertReadonlyCannotCreate(client);
      const before = await readRoleState(client, facts, spec.username);
      let outcome: EnsureOutcome;
      if (before === undefined) {
        await executeAll(client, [createBindingRole(spec.username, scramSha256Verifier(spec.password))]);
        await applyBinding(client, facts, spec.username, metadata, undefined);
        outcome = 'created';
      } else {
        const drift = bindingDrift(before, { metadata });
        // The password is checked by using it: the master cannot read pg_authid on RDS.
        const passwordOk = before.canLogin && before.neverExpires && (await passwordWorks(target, spec.username, spec.password));
        if (drift.length === 0 && passwordOk) return 'unchanged';
        await applyBinding(client, facts, spec.username, metadata, passwordOk ? undefined : scramSha256Verifier(spec.password));
        outcome = 'updated';
      }
      const after = await readRoleState(client, facts, spec.username);
      const remaining = after === undefined ? ['role vanished'] : bindingDrift(after, { metadata });
      if (remaining.length > 0) {
        throw new DatabaseOperationError(operation, `the role still differs after the change: ${remaining.join(', ')}`);
      }
      await grantReadonlyOnOwnedObjects(client);
      return outcome;
    });
  });
}

/** Brings an existing role to the desired state; every statement is harmless when already true. */
async function applyBinding(
  client: pg.Client,
  facts: ServerFacts,
  username: string,
  metadata: BindingMetadata,
  passwordVerifier: string | undefined,
): Promise<void> {
  const state = await readRoleState(client, facts, username);
  if (state === undefined) throw new DatabaseOperationError(`changing ${JSON.stringify(username)}`, 'the role disappeared');
  await executeAll(client, [
    alterBindingAttributes(username, passwordVerifier),
    commentOnRole(username, encodeBindingMetadata(metadata)),
    ...(state.masterHasPrivileges && state.masterCanSet ? [] : grantRoleToMaster(facts, username)),
  ]);
  const membership = { inOwner: state.inOwner, inReadonly: state.inReadonly };
  await executeAll(client, metadata.readOnly ? makeReadOnly(username, membership) : makeReadWrite(facts, username, membership));
}

async function passwordWorks(target: DatabaseTarget, username: string, password: string): Promise<boolean> {
  try {
    await withPostgresClient(target, { username, password }, 'checking a binding password', (client) => client.query('SELECT 1'));
    return true;
  } catch (error) {
    // Refused, or logged in to a broken session setting: either way the role needs repair.
    if (error instanceof DatabaseAuthError || error instanceof DatabaseOperationError) return false;
    throw error;
  }
}

async function dropBindingUser(target: DatabaseTarget, username: string): Promise<'dropped' | 'absent'> {
  checkTarget(target);
  validateBindingUsername('postgres', username);
  return withPostgresClient(target, masterLogin(target), `dropping binding user ${JSON.stringify(username)}`, async (client) => {
    const facts = await serverFacts(client);
    return dropWithClient(client, facts, target, username);
  });
}

async function dropWithClient(
  client: pg.Client,
  facts: ServerFacts,
  target: DatabaseTarget,
  username: string,
): Promise<'dropped' | 'absent'> {
  return inRoleTransaction(client, async () => {
    const state = await readRoleState(client, facts, username);
    if (state === undefined) return 'absent';
    if (parseBindingMetadata(state.comment) === undefined) {
      throw new DatabaseOperationError(
        `dropping binding user ${JSON.stringify(username)}`,
        'the role exists but carries no rds-broker marker in its comment; refusing to drop a role this broker did not create',
      );
    }
    await ensureSharedRoles(client, facts, target.database);
    if (!state.masterHasPrivileges || !state.masterCanSet) await executeAll(client, grantRoleToMaster(facts, username));
    // Unbinding revokes access now, not when the application next reconnects.
    await client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()`, [username]);
    await executeAll(client, dropBindingRole(username));
    await grantReadonlyOnOwnedObjects(client);
    return 'dropped';
  });
}

interface ListedRole {
  rolname: string;
  comment: string | null;
  in_owner: boolean;
}

/** A role is the broker's binding when its name has the prefix AND its comment holds the marker. */
function toBindingInfo(row: ListedRole): BindingUserInfo | undefined {
  const metadata = parseBindingMetadata(row.comment);
  if (!row.rolname.startsWith(BINDING_USER_PREFIX) || metadata === undefined) return undefined;
  // A role outside the owner role cannot write whatever its comment says: report what it can do,
  // so a rotated successor never gets more than its predecessor had.
  return {
    username: row.rolname,
    readOnly: metadata.readOnly || !row.in_owner,
    bindingId: metadata.bindingId,
    secretId: metadata.secretId,
  };
}

const listSql = `SELECT r.rolname, shobj_description(r.oid, 'pg_authid') AS comment,
       EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid AND g.rolname = $2) AS in_owner
  FROM pg_roles r`;

async function findBindingUser(target: DatabaseTarget, username: string): Promise<BindingUserInfo | undefined> {
  checkTarget(target);
  if (typeof username !== 'string' || !username.startsWith(BINDING_USER_PREFIX)) return undefined;
  return withPostgresClient(target, masterLogin(target), `finding binding user ${JSON.stringify(username)}`, async (client) => {
    const { rows } = await client.query<ListedRole>(`${listSql} WHERE r.rolname = $1`, [username, OWNER_ROLE]);
    return rows[0] ? toBindingInfo(rows[0]) : undefined;
  });
}

async function listBindingUsers(target: DatabaseTarget): Promise<BindingUserInfo[]> {
  checkTarget(target);
  return withPostgresClient(target, masterLogin(target), 'listing binding users', async (client) => listWithClient(client));
}

async function listWithClient(client: pg.Client): Promise<BindingUserInfo[]> {
  const { rows } = await client.query<ListedRole>(`${listSql} WHERE starts_with(r.rolname, $1) ORDER BY r.rolname`, [
    BINDING_USER_PREFIX,
    OWNER_ROLE,
  ]);
  return rows.map(toBindingInfo).filter((info): info is BindingUserInfo => info !== undefined);
}

async function neutraliseBindingUsers(target: DatabaseTarget, keep: string[]): Promise<string[]> {
  checkTarget(target);
  const kept = new Set(keep);
  return withPostgresClient(target, masterLogin(target), 'removing the source database binding users', async (client) => {
    const facts = await serverFacts(client);
    const dropped: string[] = [];
    for (const user of await listWithClient(client)) {
      if (kept.has(user.username)) continue;
      // One transaction per role: a crash half-way leaves fewer roles, never a half-dropped one.
      if ((await dropWithClient(client, facts, target, user.username)) === 'dropped') dropped.push(user.username);
    }
    return dropped;
  });
}

async function canLogin(target: DatabaseTarget, username: string, password: string): Promise<boolean> {
  checkTarget(target);
  if (typeof username !== 'string' || username.length === 0 || username.includes('\u0000')) {
    throw new InvalidSqlInputError('username must be a non-empty string without NUL characters');
  }
  if (typeof password !== 'string' || password.includes('\u0000'))
    throw new InvalidSqlInputError('password must be a string without NUL characters');
  try {
    await withPostgresClient(target, { username, password }, `logging in as ${JSON.stringify(username)}`, (client) =>
      client.query('SELECT 1'),
    );
    return true;
  } catch (error) {
    if (error instanceof DatabaseAuthError) return false;
    throw error;
  }
}

async function ensureExtensions(target: DatabaseTarget, names: string[]): Promise<void> {
  checkTarget(target);
  names.forEach(validateExtensionName);
  if (names.length === 0) return;
  await withPostgresClient(target, masterLogin(target), `creating extensions ${names.join(', ')}`, (client) =>
    inRoleTransaction(client, () => executeAll(client, names.map(createExtension))),
  );
}

async function dropExtensions(target: DatabaseTarget, names: string[]): Promise<void> {
  checkTarget(target);
  names.forEach(validateExtensionName);
  if (names.length === 0) return;
  await withPostgresClient(target, masterLogin(target), `dropping extensions ${names.join(', ')}`, (client) =>
    inRoleTransaction(client, () => executeAll(client, names.map(dropExtension))),
  );
}
