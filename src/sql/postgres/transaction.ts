import type pg from 'pg';

/**
 * One advisory-lock key for every role change this broker makes in a database: two broker
 * replicas binding at once then take turns instead of racing on pg_authid or on the same GRANT
 * ("tuple concurrently updated"). The value spells "rdsb" in ASCII.
 */
export const ROLE_CHANGE_LOCK_KEY = 0x72647362;

const MAX_ATTEMPTS = 4;

/**
 * Races the lock cannot prevent (another database of the same cluster, a change made by someone
 * else): a serialization failure, a deadlock, a role created between our check and our CREATE, a
 * catalog row updated under us. Repeating the whole transaction turns them into updates.
 */
export function isRetryableConflict(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  if (!e?.code) return false;
  if (['40001', '40P01', '23505', '42710'].includes(e.code)) return true;
  return e.code === 'XX000' && /concurrently/i.test(e.message ?? '');
}

/** Runs `fn` in a transaction holding the role-change lock; retries it on a concurrency conflict. */
export async function inRoleTransaction<T>(client: pg.Client, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    await client.query('BEGIN');
    try {
      await client.query('SELECT pg_advisory_xact_lock($1)', [ROLE_CHANGE_LOCK_KEY]);
      const result = await fn();
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (attempt >= MAX_ATTEMPTS || !isRetryableConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 50));
    }
  }
}

/** Sends statements as one simple-protocol round trip (they take no parameters by construction). */
export async function executeAll(client: pg.Client, statements: string[]): Promise<void> {
  if (statements.length === 0) return;
  await client.query(statements.join(';\n'));
}
