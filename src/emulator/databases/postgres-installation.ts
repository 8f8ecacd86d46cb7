import { createHash } from 'node:crypto';
import { chmod, copyFile, cp, mkdir, readFile, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PostgresBinaries } from './postgres-binaries.js';

/**
 * Extensions RDS for PostgreSQL lets rds_superuser create although PostgreSQL itself marks them
 * untrusted (superuser only). Trusted ones (citext, hstore, pgcrypto…) need nothing. Left out on
 * purpose, as RDS leaves them out: file_fdw, xml2, pg_surgery and the untrusted languages (plperlu,
 * pltclu, plpython3u and their transforms).
 */
export const RDS_ALLOWED_UNTRUSTED_EXTENSIONS = [
  'amcheck',
  'autoinc',
  'bloom',
  'dblink',
  'dict_xsyn',
  'earthdistance',
  'insert_username',
  'intagg',
  'moddatetime',
  'pageinspect',
  'pg_buffercache',
  'pg_freespacemap',
  'pg_prewarm',
  'pg_stat_statements',
  'pg_visibility',
  'pg_walinspect',
  'pgrowlocks',
  'pgstattuple',
  'postgres_fdw',
  'refint',
  'sslinfo',
];

/**
 * First statement of every script of an allowed extension: RDS lets members of rds_superuser create
 * it, not every user with CREATE on the database (whom `trusted` alone would let in). A trusted
 * extension's script runs as the bootstrap superuser, so the check reads session_user, the role that
 * logged in and asked.
 */
export function rdsSuperuserGuard(extension: string): string {
  const name = extension.replaceAll("'", "''");
  return (
    "DO $rds_guard$ BEGIN IF NOT pg_has_role(session_user, 'rds_superuser', 'MEMBER') THEN " +
    `RAISE EXCEPTION 'permission denied to create extension "${name}"' USING ERRCODE = '42501', ` +
    "HINT = 'Must be a member of rds_superuser to create this extension.'; END IF; END $rds_guard$;\n"
  );
}

/** A control file with `trusted = true`, whatever it said about trust before. */
export function trustedControl(text: string): string {
  const kept = text.split('\n').filter((line) => !/^\s*trusted\s*=/.test(line));
  while (kept.length > 0 && kept[kept.length - 1] === '') kept.pop();
  return `${kept.join('\n')}\ntrusted = true\n`;
}

/**
 * The emulator's PostgreSQL installation: the packaged binaries with RDS's extension policy. On RDS
 * a non-superuser master creates the extensions RDS allows; PostgreSQL grants that to a
 * non-superuser only for extensions whose control file says `trusted`. The package's files are not
 * changed: the installation is a copy of `bin/` and `share/` (PostgreSQL finds share/ and lib/
 * relative to its executable's real path) with `lib/` linked to the package's, and the control
 * files of the allowed extensions marked trusted. Built once per package build, reused afterwards.
 */
export async function rdsInstallation(packaged: PostgresBinaries, cacheRoot = tmpdir()): Promise<PostgresBinaries> {
  const fingerprint = await fingerprintOf(packaged);
  const root = join(cacheRoot, `rds-emulator-postgres-${fingerprint}`);
  const ready = join(root, '.complete');
  const done = await stat(ready).then(
    () => true,
    () => false,
  );
  if (!done) {
    // Built aside and renamed into place, so concurrent emulators never see half an installation.
    const building = `${root}.${process.pid}.${Date.now()}`;
    await mkdir(join(building, 'bin'), { recursive: true });
    for (const program of ['postgres', 'initdb']) {
      await copyFile(join(packaged.nativeDir, 'bin', program), join(building, 'bin', program));
      await chmod(join(building, 'bin', program), 0o755);
    }
    await symlink(join(packaged.nativeDir, 'lib'), join(building, 'lib'));
    await cp(join(packaged.nativeDir, 'share'), join(building, 'share'), { recursive: true });
    const extensionDir = join(building, 'share', 'postgresql', 'extension');
    const controls = new Set((await readdir(extensionDir)).filter((f) => f.endsWith('.control')));
    for (const name of RDS_ALLOWED_UNTRUSTED_EXTENSIONS) {
      const file = `${name}.control`;
      if (!controls.has(file)) continue;
      const path = join(extensionDir, file);
      await writeFile(path, trustedControl(await readFile(path, 'utf8')), { mode: 0o644 });
    }
    const allowed = new Set(RDS_ALLOWED_UNTRUSTED_EXTENSIONS);
    for (const file of await readdir(extensionDir)) {
      const extension = /^(.+?)--.*\.sql$/.exec(file)?.[1];
      if (!extension || !allowed.has(extension)) continue;
      const path = join(extensionDir, file);
      await writeFile(path, rdsSuperuserGuard(extension) + (await readFile(path, 'utf8')), { mode: 0o644 });
    }
    await writeFile(join(building, '.complete'), `${packaged.nativeDir}\n`, { mode: 0o644 });
    await chmod(building, 0o755);
    try {
      await rename(building, root);
    } catch {
      // Another process finished first: its copy is the same.
      await rm(building, { recursive: true, force: true });
    }
  }
  return { initdb: join(root, 'bin', 'initdb'), postgres: join(root, 'bin', 'postgres'), nativeDir: root };
}

/** Changes whenever what rdsInstallation writes changes, so an older copy is never reused. */
const LAYOUT = 'rds-installation-2';

/** Distinguishes package builds: the server binary's size and change time, and where it lives. */
async function fingerprintOf(packaged: PostgresBinaries): Promise<string> {
  const s = await stat(packaged.postgres);
  return createHash('sha256')
    .update(`${LAYOUT}\n${packaged.nativeDir}\n${s.size}\n${s.mtimeMs}\n${RDS_ALLOWED_UNTRUSTED_EXTENSIONS.join(',')}`)
    .digest('hex')
    .slice(0, 16);
}
