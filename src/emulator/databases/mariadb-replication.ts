import type { Connection } from 'mysql2/promise';
import { DatabaseError } from './errors.js';
import { nativePasswordHash, sqlString } from './mariadb-config.js';
import type { ReplicationState } from './types.js';

/**
 * MariaDB read replicas, as RDS for MySQL and MariaDB make them: the source's binary log is
 * replayed by the replica (GTID-based, from the position of the online copy the replica started
 * from), over TLS with the source's certificate verified, as a replication user the emulator's
 * administrator keeps; the replica is read_only, and the master user loses READ ONLY ADMIN there
 * (ALL PRIVILEGES would otherwise let it write through read_only) until the replica is promoted.
 */

export const REPLICATION_USER = 'rdsrepladmin';
export const MARIADB_REPLICATION_PASSWORD_FILE = 'rds-emulator-replication.password';
const replicationAccount = `${sqlString(REPLICATION_USER)}@'127.0.0.1'`;

/** On the source: the replication user with its password and nothing but REPLICATION SLAVE. */
export async function prepareMariadbSource(connection: Connection, password: string): Promise<void> {
  const hash = sqlString(nativePasswordHash(password));
  await connection.query(`CREATE USER IF NOT EXISTS ${replicationAccount} IDENTIFIED BY PASSWORD ${hash}`);
  await connection.query(`ALTER USER ${replicationAccount} IDENTIFIED BY PASSWORD ${hash}`);
  await connection.query(`GRANT REPLICATION SLAVE ON *.* TO ${replicationAccount}`);
}

/** The GTID position an online copy (mariadb-backup) stands at: the third field of xtrabackup_binlog_info. */
export function gtidOfBackup(binlogInfo: string): string {
  const gtid = binlogInfo.trim().split(/\s+/)[2] ?? '';
  if (!/^(\d+-\d+-\d+)(,\d+-\d+-\d+)*$/.test(gtid) && gtid !== '') {
    throw new DatabaseError('Internal', `the copy recorded no usable GTID position: ${JSON.stringify(gtid)}`);
  }
  return gtid;
}

/** On the new replica, once: no writes by the master user, the copy's GTID position, the source, start. */
export async function startMariadbReplication(
  connection: Connection,
  input: { masterUsername: string; sourcePort: number; password: string; caFile: string; gtid: string },
): Promise<void> {
  // Local administration only: none of it goes to this server's own binary log.
  await connection.query('SET SESSION sql_log_bin = 0');
  await connection.query(`REVOKE READ ONLY ADMIN ON *.* FROM ${sqlString(input.masterUsername)}@'%'`);
  await connection.query(`SET GLOBAL gtid_slave_pos = ${sqlString(input.gtid)}`);
  await connection.query(
    `CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = ${Number(input.sourcePort)}, MASTER_USER = ${sqlString(REPLICATION_USER)},` +
      ` MASTER_PASSWORD = ${sqlString(input.password)}, MASTER_SSL = 1, MASTER_SSL_CA = ${sqlString(input.caFile)},` +
      ' MASTER_SSL_VERIFY_SERVER_CERT = 1, MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1',
  );
  await connection.query('START SLAVE');
}

export async function mariadbReplicaState(connection: Connection): Promise<ReplicationState> {
  const [rows] = await connection.query('SHOW SLAVE STATUS');
  const status = (rows as Array<Record<string, unknown>>)[0];
  if (!status) return { status: 'stopped', message: 'Replication is not configured on this instance.' };
  if (status.Slave_IO_Running === 'Yes' && status.Slave_SQL_Running === 'Yes') return { status: 'replicating' };
  const why = [status.Last_IO_Error, status.Last_SQL_Error].filter((e) => typeof e === 'string' && e !== '').join('; ');
  if (status.Slave_IO_Running === 'No' && status.Slave_SQL_Running === 'No' && !why)
    return { status: 'stopped', message: 'Replication is stopped.' };
  return {
    status: 'error',
    message: why || `Replication I/O thread: ${String(status.Slave_IO_Running)}, SQL thread: ${String(status.Slave_SQL_Running)}.`,
  };
}

/** Promotion: replication stops for good, writes are accepted, the master user may write again. */
export async function promoteMariadb(connection: Connection, masterUsername: string): Promise<void> {
  await connection.query('SET SESSION sql_log_bin = 0');
  await connection.query('STOP SLAVE');
  await connection.query('RESET SLAVE ALL');
  await connection.query('SET GLOBAL read_only = 0');
  await connection.query(`GRANT READ ONLY ADMIN ON *.* TO ${sqlString(masterUsername)}@'%'`);
}
