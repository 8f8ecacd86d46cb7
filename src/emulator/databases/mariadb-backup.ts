import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { DatabaseError } from './errors.js';
import { isEmptyOrMissing } from './files.js';
import type { MariadbAccess } from './mariadb-admin.js';
import { binlogStopTime, MARIADB_ADMIN, MARIADB_ADMIN_PASSWORD_FILE } from './mariadb-config.js';
import { run } from './run.js';

/**
 * Online, consistent copies of a running MariaDB with mariadb-backup (Debian's mariadb-backup
 * package): --backup copies the files while following the redo log, --prepare makes the copy a
 * data directory that starts as it was at the end of the backup. The copy remembers where in the
 * binary log it stands, which is where a point-in-time restore starts replaying.
 */

export const MARIADB_BACKUP_INFO_FILE = 'rds-emulator-backup.json';
const BACKUP_TOOL = 'mariadb-backup';

export interface MariadbBackupInfo {
  instanceId: string;
  startedAt: Date;
  /** Once the copy is consistent: the earliest point in time it can be restored to. */
  completedAt: Date;
  binlogFile: string;
  binlogPosition: number;
}

/** An option file for the client tools, so that the password never shows in a process list. */
async function clientOptions(access: MariadbAccess, group: string): Promise<{ file: string; remove: () => Promise<void> }> {
  const file = join(tmpdir(), `rds-emulator-client-${randomBytes(8).toString('hex')}.cnf`);
  const caFile = `${file}.ca.pem`;
  await writeFile(caFile, access.caPem, { mode: 0o600 });
  await writeFile(
    file,
    [
      `[${group}]`,
      'host=127.0.0.1',
      `port=${access.port}`,
      `user=${MARIADB_ADMIN}`,
      `password=${access.password}`,
      `ssl-ca=${caFile}`,
      // mariadb-backup knows no such option; the client does, and verifies the server with it.
      ...(group === 'client' ? ['ssl-verify-server-cert'] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return { file, remove: async () => void (await Promise.all([rm(file, { force: true }), rm(caFile, { force: true })])) };
}

export async function takeMariadbBackup(
  access: MariadbAccess,
  dataDir: string,
  dest: string,
  instanceId: string,
): Promise<MariadbBackupInfo> {
  if (!(await isEmptyOrMissing(dest))) throw new DatabaseError('InvalidSpec', `backup destination ${dest} is not empty`);
  await mkdir(dirname(dest), { recursive: true }); // mariadb-backup makes the last directory only
  const options = await clientOptions(access, 'mariadb-backup');
  try {
    const startedAt = new Date();
    await run(BACKUP_TOOL, [`--defaults-file=${options.file}`, '--backup', `--target-dir=${dest}`, `--datadir=${dataDir}`], {
      timeoutMs: 600_000,
    });
    const completedAt = new Date();
    await run(BACKUP_TOOL, ['--prepare', `--target-dir=${dest}`], { timeoutMs: 600_000 });
    const position = (await readFile(join(dest, 'xtrabackup_binlog_info'), 'utf8')).trim().split(/\s+/);
    const binlogFile = position[0] ?? '';
    const binlogPosition = Number(position[1]);
    if (!/^mysql-bin\.\d+$/.test(binlogFile) || !Number.isInteger(binlogPosition)) {
      throw new DatabaseError('Internal', `mariadb-backup recorded no binary-log position in ${dest}`);
    }
    // The engine's way in travels with the copy, as it does in a PostgreSQL backup.
    await copyFile(join(dataDir, MARIADB_ADMIN_PASSWORD_FILE), join(dest, MARIADB_ADMIN_PASSWORD_FILE));
    const info: MariadbBackupInfo = { instanceId, startedAt, completedAt, binlogFile, binlogPosition };
    await writeFile(join(dest, MARIADB_BACKUP_INFO_FILE), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
    return info;
  } catch (error) {
    await rm(dest, { recursive: true, force: true });
    throw error;
  } finally {
    await options.remove();
  }
}

export async function readMariadbBackupInfo(backupDir: string): Promise<MariadbBackupInfo> {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(await readFile(join(backupDir, MARIADB_BACKUP_INFO_FILE), 'utf8')) as Record<string, unknown>;
    await readFile(join(backupDir, MARIADB_ADMIN_PASSWORD_FILE));
  } catch {
    throw new DatabaseError('InvalidBackup', `${backupDir} is not a MariaDB backup made by the emulator`);
  }
  const startedAt = new Date(String(raw.startedAt));
  const completedAt = new Date(String(raw.completedAt));
  if (Number.isNaN(completedAt.getTime()) || typeof raw.binlogFile !== 'string' || typeof raw.binlogPosition !== 'number') {
    throw new DatabaseError('InvalidBackup', `${join(backupDir, MARIADB_BACKUP_INFO_FILE)} is damaged`);
  }
  return { instanceId: String(raw.instanceId), startedAt, completedAt, binlogFile: raw.binlogFile, binlogPosition: raw.binlogPosition };
}

/** Pure: the binary logs to replay, from the backup's file on, in order. */
export function binlogsFrom(names: string[], first: string): string[] {
  return names.filter((name) => /^mysql-bin\.\d+$/.test(name) && name >= first).sort();
}

/**
 * Replays the source's binary logs from the backup's position up to `target` into the server at
 * `access`: mariadb-binlog piped into the mariadb client, as the MariaDB manual describes a
 * point-in-time recovery. Stops before the first event of the target's second (whole seconds).
 */
export async function replayBinlogs(
  access: MariadbAccess,
  binlogDir: string,
  info: MariadbBackupInfo,
  target: Date | undefined,
): Promise<void> {
  const files = binlogsFrom(await readdir(binlogDir).catch(() => []), info.binlogFile);
  if (files.length === 0 || files[0] !== info.binlogFile) {
    throw new DatabaseError(
      'InvalidBackup',
      `the binary logs in ${binlogDir} do not reach back to ${info.binlogFile}, where the backup stands`,
    );
  }
  const options = await clientOptions(access, 'client');
  try {
    const readerArgs = [
      `--start-position=${info.binlogPosition}`,
      ...(target ? [`--stop-datetime=${binlogStopTime(target)}`] : []),
      ...files.map((f) => join(binlogDir, f)),
    ];
    await pipe(['mariadb-binlog', readerArgs], ['mariadb', [`--defaults-file=${options.file}`, '--binary-mode']]);
  } finally {
    await options.remove();
  }
}

/** `a | b`, resolving when both succeed; the error carries what either wrote to stderr. */
function pipe([readerFile, readerArgs]: [string, string[]], [writerFile, writerArgs]: [string, string[]]): Promise<void> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
    const reader = spawn(readerFile, readerArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const writer = spawn(writerFile, writerArgs, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let errors = '';
    reader.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    writer.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    reader.stdout.pipe(writer.stdin);
    writer.stdin.on('error', () => undefined); // the writer failing first closes its stdin under the reader
    const codes = [reader, writer].map(
      (child) =>
        new Promise<number>((done) => {
          child.once('error', () => done(127));
          child.once('close', (code) => done(code ?? 1));
        }),
    );
    void Promise.all(codes).then(([readerCode, writerCode]) => {
      if (readerCode === 0 && writerCode === 0) resolve();
      else
        reject(
          new DatabaseError(
            'Internal',
            `replaying the binary logs failed (${readerFile} ${readerCode}, ${writerFile} ${writerCode})`,
            errors.trim().split('\n').slice(-10).join('\n') || undefined,
          ),
        );
    });
  });
}
