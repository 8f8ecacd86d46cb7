import { randomBytes } from 'node:crypto';
import { chown, copyFile, mkdir, readdir, readFile, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { invalidSpec } from './errors.js';
import { dirname, join } from 'node:path';

const isGone = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * Copies a directory tree that a running server may be changing underneath: a file that vanishes
 * mid-copy (a dropped table, a removed temporary file) is skipped, not an error, because the
 * write-ahead log replayed on restore recreates whatever state the copy must end in.
 * `skip(relativePath, isDirectory)` leaves entries out; a skipped directory is still created empty
 * when `keepEmpty` says so (PostgreSQL needs pg_wal/ and friends to exist).
 */
export async function copyTree(
  source: string,
  destination: string,
  options: { skip?: (relativePath: string, isDirectory: boolean) => boolean; keepEmpty?: (relativePath: string) => boolean } = {},
  relative = '',
): Promise<void> {
  const from = relative ? join(source, relative) : source;
  const to = relative ? join(destination, relative) : destination;
  let mode = 0o700;
  try {
    mode = (await stat(from)).mode & 0o7777;
  } catch (error) {
    if (relative && isGone(error)) return;
    throw error;
  }
  await mkdir(to, { recursive: true, mode });
  let entries;
  try {
    entries = await readdir(from, { withFileTypes: true });
  } catch (error) {
    if (relative && isGone(error)) return;
    throw error;
  }
  for (const entry of entries) {
    const rel = relative ? join(relative, entry.name) : entry.name;
    const isDirectory = entry.isDirectory();
    if (options.skip?.(rel, isDirectory)) {
      if (isDirectory && options.keepEmpty?.(rel)) await mkdir(join(destination, rel), { recursive: true, mode: 0o700 });
      continue;
    }
    if (isDirectory) {
      await copyTree(source, destination, options, rel);
    } else if (entry.isSymbolicLink()) {
      try {
        await symlink(await readlink(join(source, rel)), join(destination, rel));
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    } else if (entry.isFile()) {
      try {
        await copyFile(join(source, rel), join(destination, rel));
      } catch (error) {
        if (!isGone(error)) throw error;
      }
    }
    // Sockets, pipes and devices are never part of a data directory's state: left out.
  }
}

/** Writes a file so that a reader sees either the old or the new content, never half of it. */
export async function writeFileAtomic(
  path: string,
  content: string,
  options: { mode?: number; owner?: { uid: number; gid: number } } = {},
): Promise<void> {
  const temporary = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, content, { mode: options.mode ?? 0o600 });
    if (options.owner) await chown(temporary, options.owner.uid, options.owner.gid);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** True when `dir` does not exist or holds nothing. */
export async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if (isGone(error)) return true;
    throw error;
  }
}

/** A PEM file named by the spec; a missing or unreadable one is the caller's mistake, said plainly. */
export async function readTlsFile(path: string, field: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw invalidSpec(`tls.${field} ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
