import type pg from 'pg';
import { DatabaseError } from './errors.js';
import { scramVerifier } from './postgres-admin.js';
import { REPLICATION_USER } from './postgres-config.js';
import type { ReplicationState } from './types.js';

/**
 * Streaming replication between emulated instances, as RDS for PostgreSQL does it: the source
 * keeps a replication role (rdsrepladmin, made by the emulator's administrator, never the master
 * user) and one physical replication slot per replica, so it keeps every WAL segment a replica has
 * not received yet; the replica is a hot standby of an online copy of the source, connected over TLS.
 */

/** The replication role's password, in the data directory: it travels with copies, as rdsadmin's does. */
export const REPLICATION_PASSWORD_FILE = 'rds-emulator-replication.password';
/** The standby's password file for its replication connection (libpq's passfile). */
export const REPLICATION_PASSFILE = 'rds-emulator-replication.pgpass';

/** On the source, as its administrator: the replication role (its password set) and the replica's slot. */
export async function prepareSource(client: pg.Client, password: string, slotName: string): Promise<void> {
  const role = client.escapeIdentifier(REPLICATION_USER);
  const verifier = scramVerifier(password);
  const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [REPLICATION_USER]);
  await client.query(
    exists.rowCount === 0
      ? `CREATE ROLE ${role} LOGIN REPLICATION PASSWORD '${verifier}'`
      : `ALTER ROLE ${role} LOGIN REPLICATION PASSWORD '${verifier}'`,
  );
  const slot = await client.query('SELECT 1 FROM pg_replication_slots WHERE slot_name = $1', [slotName]);
  // immediately_reserve: the slot holds WAL from now on, so nothing the copy needs is recycled.
  if (slot.rowCount === 0) await client.query('SELECT pg_create_physical_replication_slot($1, true)', [slotName]);
}

export async function dropSlot(client: pg.Client, slotName: string): Promise<void> {
  // A slot still in use (its replica not yet stopped) cannot go; the walsender ends with the replica.
  await client.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active_pid IS NOT NULL', [
    slotName,
  ]);
  for (let attempt = 0; attempt < 50; attempt++) {
    const dropped = await client
      .query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1', [slotName])
      .then(
        () => true,
        (error: Error) => {
          if (/is active/.test(error.message)) return false;
          throw error;
        },
      );
    if (dropped) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new DatabaseError('Internal', `replication slot ${slotName} stayed in use`);
}

/** The standby's own view: its WAL receiver streaming from the source, or why not. */
export async function standbyState(client: pg.Client): Promise<ReplicationState> {
  const recovering = await client.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r');
  if (!recovering.rows[0]?.r) return { status: 'stopped', message: 'The instance is no longer in recovery.' };
  const receiver = await client.query<{ status: string }>('SELECT status FROM pg_stat_wal_receiver');
  const status = receiver.rows[0]?.status;
  if (status === 'streaming') return { status: 'replicating' };
  return { status: 'error', message: `The replica is not connected to its source (WAL receiver: ${status ?? 'not running'}).` };
}

/** A passfile line for the replication connection (libpq escapes ":" and "\\" with a backslash). */
export function passfileLine(port: number, password: string): string {
  const escaped = (value: string) => value.replaceAll('\\', '\\\\').replaceAll(':', '\\:');
  return `127.0.0.1:${port}:replication:${REPLICATION_USER}:${escaped(password)}\n`;
}
