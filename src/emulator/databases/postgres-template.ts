import { appendFile, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADMIN_PASSWORD_FILE, ADMIN_USER, newAdminPassword } from './postgres-admin.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import { INCLUDE_LINES } from './postgres-config.js';
import { run } from './run.js';
import { chownTree, makeServerDirectory, type ServerUser } from './server-user.js';
import { processTemporaryDirectory } from './temporary.js';

/**
 * One initdb per engine, copied for every new instance. initdb takes half a second on an idle
 * machine and several on a busy one; copying its result takes a tenth of that. Each copy gets its
 * own rdsadmin password at first start (see postgres.ts), so instances share nothing secret.
 * They do share the cluster's system identifier, which nothing in the emulator relies on: every
 * instance archives its WAL to its own directory.
 */

const COMPLETE_MARKER = 'rds-emulator-template';

export interface Template {
  /** A data directory ready to copy (no postmaster.pid, includes appended). */
  pgdata: string;
  /** The rdsadmin password inside it, until a copy replaces it. */
  adminPassword: string;
}

/**
 * The template in `dir` when one complete for these binaries is there, else a new one. Without a
 * `dir`, one in a temporary directory removed when the process exits.
 */
export async function prepareTemplate(binaries: PostgresBinaries, user: ServerUser, dir?: string): Promise<Template> {
  const root = dir ?? (await processTemporaryDirectory('postgres-template'));
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755).catch(() => undefined);
  const pgdata = join(root, 'pgdata');
  const version = (await run(binaries.postgres, ['--version'])).trim();
  const marker = await readFile(join(root, COMPLETE_MARKER), 'utf8').catch(() => '');
  if (marker.trim() === version) {
    return { pgdata, adminPassword: (await readFile(join(pgdata, ADMIN_PASSWORD_FILE), 'utf8')).trim() };
  }
  await rm(join(root, COMPLETE_MARKER), { force: true });
  await rm(pgdata, { recursive: true, force: true });
  await makeServerDirectory(user, pgdata, 0o700);
  const adminPassword = newAdminPassword();
  const passwordFile = join(root, '.initdb-password');
  await writeFile(passwordFile, `${adminPassword}\n`, { mode: 0o600 });
  await chownTree(user, passwordFile);
  try {
    await run(
      binaries.initdb,
      [
        '-D',
        pgdata,
        '--username',
        ADMIN_USER,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--no-locale',
        '--wal-segsize=1',
        '--no-sync',
        '--no-instructions',
      ],
      {
        uid: user.switched ? user.uid : undefined,
        gid: user.switched ? user.gid : undefined,
        env: { PATH: process.env.PATH, LC_ALL: 'C', TZ: 'UTC' },
      },
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
  await writeFile(join(pgdata, ADMIN_PASSWORD_FILE), `${adminPassword}\n`, { mode: 0o600 });
  await chownTree(user, join(pgdata, ADMIN_PASSWORD_FILE));
  await appendFile(join(pgdata, 'postgresql.conf'), INCLUDE_LINES);
  await writeFile(join(root, COMPLETE_MARKER), `${version}\n`);
  return { pgdata, adminPassword };
}
