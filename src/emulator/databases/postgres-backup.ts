import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseError } from './errors.js';
import { copyTree, isEmptyOrMissing } from './files.js';
import { withAdmin, type AdminAccess, ADMIN_PASSWORD_FILE } from './postgres-admin.js';
import { extractSegments, isArchived } from './wal-archive.js';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Online, consistent copies of a running PostgreSQL data directory (what a snapshot and an
 * automated backup are), made as the documented low-level API says: pg_backup_start, copy the
 * files, pg_backup_stop in the same session, its label file written as backup_label in the copy.
 * The copy also gets the WAL segments written while it was taken, so it starts on its own (a
 * snapshot outlives its instance and its archive); a point-in-time restore empties pg_wal and
 * reads the archive instead.
 */

export const BACKUP_INFO_FILE = 'rds-emulator-backup.json';

export interface BackupInfo {
  instanceId: string;
  /** When pg_backup_start was called. */
  startedAt: Date;
  /**
   * When pg_backup_stop returned: every commit stamped after this is after the copy's consistency
   * point, so this is the earliest point in time the backup can be restored to.
   */
  completedAt: Date;
  startWal: string;
  stopWal: string;
}

/** Runtime files and the WAL that a copy must not carry (the PostgreSQL documentation's list). */
const SKIPPED_DIRECTORIES = new Set([
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
  'pg_replslot',
  'pg_wal/archive_status',
]);
const SKIPPED_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'backup_label.old',
  'tablespace_map',
  'recovery.signal',
  'standby.signal',
  BACKUP_INFO_FILE,
]);

/** Pure: whether a path of the data directory stays out of a backup. Timeline history files stay in. */
export function skippedInBackup(relativePath: string, isDirectory: boolean): boolean {
  if (isDirectory) return SKIPPED_DIRECTORIES.has(relativePath);
  if (SKIPPED_FILES.has(relativePath)) return true;
  if (relativePath.startsWith('pg_wal/')) return !/^pg_wal\/[0-9A-F]{8}\.history$/.test(relativePath);
  return /(^|\/)pgsql_tmp/.test(relativePath);
}

const keptEmpty = (relativePath: string) => SKIPPED_DIRECTORIES.has(relativePath);

export async function takeBackup(
  admin: AdminAccess,
  pgdata: string,
  archiveDir: string,
  dest: string,
  instanceId: string,
): Promise<BackupInfo> {
  if (!(await isEmptyOrMissing(dest))) throw new DatabaseError('InvalidSpec', `backup destination ${dest} is not empty`);
  try {
    const info = await withAdmin(admin, async (client) => {
      const startedAt = new Date();
      const label = `rds-emulator ${instanceId} ${startedAt.toISOString()}`;
      // fast = true: an immediate checkpoint, so the backup does not wait for the next scheduled one.
      const started = await client.query<{ wal: string }>('SELECT pg_walfile_name(lsn) AS wal FROM pg_backup_start($1, true) AS lsn', [
        label,
      ]);
      await copyTree(pgdata, dest, { skip: skippedInBackup, keepEmpty: keptEmpty });
      // wait_for_archive = false, and the engine waits itself: PostgreSQL polls the archive once a
      // second, which would make every backup last a second longer than it needs to.
      const stopped = await client.query<{ labelfile: string; spcmapfile: string | null; wal: string }>(
        'SELECT labelfile, spcmapfile, pg_walfile_name(lsn) AS wal FROM pg_backup_stop(false)',
      );
      const completedAt = new Date();
      const stop = stopped.rows[0];
      const startWal = started.rows[0]?.wal;
      if (!stop || !startWal) throw new DatabaseError('Internal', 'pg_backup_start or pg_backup_stop returned no row');
      await writeFile(join(dest, 'backup_label'), stop.labelfile, { mode: 0o600 });
      if (stop.spcmapfile) await writeFile(join(dest, 'tablespace_map'), stop.spcmapfile, { mode: 0o600 });
      return { instanceId, startedAt, completedAt, startWal, stopWal: stop.wal };
    });
    await waitUntilArchived(archiveDir, info.stopWal);
    await extractSegments(archiveDir, info.startWal, info.stopWal, join(dest, 'pg_wal'));
    await writeFile(join(dest, BACKUP_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
    return info;
  } catch (error) {
    // A half-made copy must never be mistaken for a backup.
    await rm(dest, { recursive: true, force: true });
    throw error;
  }
}

const ARCHIVE_WAIT_MS = 60_000;

async function waitUntilArchived(archiveDir: string, walFile: string): Promise<void> {
  const deadline = Date.now() + ARCHIVE_WAIT_MS;
  while (!(await isArchived(archiveDir, walFile))) {
    if (Date.now() > deadline)
      throw new DatabaseError(
        'Internal',
        `WAL segment ${walFile} did not reach the archive within ${ARCHIVE_WAIT_MS} ms; see the server log`,
      );
    await sleep(10);
  }
}

/** The description a backup made by takeBackup carries; throws InvalidBackup for anything else. */
export async function readBackupInfo(backupDir: string): Promise<BackupInfo> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(join(backupDir, BACKUP_INFO_FILE), 'utf8')) as Record<string, unknown>;
    await access(join(backupDir, 'PG_VERSION'));
    await access(join(backupDir, 'backup_label'));
    await access(join(backupDir, ADMIN_PASSWORD_FILE));
  } catch {
    throw new DatabaseError('InvalidBackup', `${backupDir} is not a PostgreSQL backup made by the emulator`);
  }
  const startedAt = new Date(String(raw.startedAt));
  const completedAt = new Date(String(raw.completedAt));
  if (
    Number.isNaN(startedAt.getTime()) ||
    Number.isNaN(completedAt.getTime()) ||
    typeof raw.startWal !== 'string' ||
    typeof raw.stopWal !== 'string'
  ) {
    throw new DatabaseError('InvalidBackup', `${join(backupDir, BACKUP_INFO_FILE)} is damaged`);
  }
  return { instanceId: String(raw.instanceId), startedAt, completedAt, startWal: raw.startWal, stopWal: raw.stopWal };
}

/**
 * Lays a backup down as a new data directory. With `forArchiveRecovery` pg_wal is left empty and
 * the server reads every segment from the archive (the documented point-in-time procedure);
 * otherwise the segments in the backup bring it to consistency by themselves.
 */
export async function layDownBackup(backupDir: string, pgdata: string, forArchiveRecovery: boolean): Promise<void> {
  await copyTree(backupDir, pgdata, {
    skip: (rel, isDirectory) =>
      (!isDirectory && (rel === BACKUP_INFO_FILE || rel === 'postmaster.pid')) ||
      (forArchiveRecovery && !isDirectory && rel.startsWith('pg_wal/')),
  });
}
