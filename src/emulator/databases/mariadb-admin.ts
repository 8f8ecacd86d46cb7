import { createConnection, type Connection } from 'mysql2/promise';
import { DatabaseError } from './errors.js';
import { MARIADB_ADMIN } from './mariadb-config.js';
import type { AdminCredentials } from './types.js';

export type MariadbAccess = AdminCredentials;

/** Runs `work` on a TLS connection (certificate verified) as rdsadmin, then closes it. */
export async function withMariadbAdmin<T>(access: MariadbAccess, work: (connection: Connection) => Promise<T>): Promise<T> {
  let connection: Connection;
  try {
    connection = await createConnection({
      host: '127.0.0.1',
      port: access.port,
      user: MARIADB_ADMIN,
      password: access.password,
      ssl: { ca: access.caPem },
      connectTimeout: access.timeoutMs ?? 15_000,
      multipleStatements: false,
    });
  } catch (error) {
    throw new DatabaseError(
      'Internal',
      `cannot open the administrative connection to 127.0.0.1:${access.port}: ${(error as Error).message}`,
    );
  }
  // A server stopping under the connection emits 'error'; the awaited calls already report it.
  connection.on('error', () => undefined);
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/** The global values of `names` now, for putting them back when a later change fails. */
export async function globalValues(
  connection: Connection,
  names: string[],
): Promise<Map<string, { value: string | null; readOnly: boolean }>> {
  const found = new Map<string, { value: string | null; readOnly: boolean }>();
  if (names.length === 0) return found;
  const [rows] = await connection.query(
    'SELECT LOWER(VARIABLE_NAME) AS name, GLOBAL_VALUE AS value, READ_ONLY AS readOnly FROM information_schema.SYSTEM_VARIABLES WHERE LOWER(VARIABLE_NAME) IN (?)',
    [names],
  );
  for (const row of rows as Array<{ name: string; value: string | null; readOnly: string }>) {
    found.set(row.name, { value: row.value, readOnly: row.readOnly === 'YES' });
  }
  return found;
}

/** SET GLOBAL with the value typed as MariaDB wants it: numbers and ON/OFF bare, the rest quoted. */
export async function setGlobal(connection: Connection, name: string, value: string | null): Promise<void> {
  if (value === null) {
    await connection.query(`SET GLOBAL ${name} = DEFAULT`);
    return;
  }
  // Option files take 16M; SET GLOBAL takes only the number of bytes.
  const sized = /^(\d+)([kmg])$/i.exec(value);
  const number = sized ? String(Number(sized[1]) * 1024 ** ('kmg'.indexOf(sized[2]!.toLowerCase()) + 1)) : value;
  const bare = /^-?\d+(\.\d+)?$/.test(number) || /^(on|off|true|false)$/i.test(number);
  await connection.query(`SET GLOBAL ${name} = ${bare ? number : connection.escape(number)}`);
}
