import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { chmod, chown, lchown, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DatabaseError } from './errors.js';

/**
 * The operating-system account a database server runs as. PostgreSQL refuses to run as root, and
 * MariaDB should not; when the emulator runs as root, servers run as an unprivileged account and
 * their directories belong to it. Otherwise they run as the emulator's own user and nothing changes
 * hands.
 */
export interface ServerUser {
  name: string;
  uid: number;
  gid: number;
  /** True when the server runs as another account than the emulator (the emulator is root). */
  switched: boolean;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

function lookUp(name: string): Promise<{ uid: number; gid: number } | undefined> {
  return new Promise((resolvePromise) => {
    // getent asks the system's name service, so accounts from LDAP or similar are found as well.
    execFile('getent', ['passwd', name], { encoding: 'utf8' }, (error, stdout) => {
      const fields = error ? [] : stdout.trim().split(':');
      const uid = Number(fields[2]);
      const gid = Number(fields[3]);
      resolvePromise(fields.length >= 4 && Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined);
    });
  });
}

/**
 * Chooses the account: the emulator's own when not root; as root the first existing of
 * `candidates` (by default the distribution's `postgres` account, then `nobody`, which every Linux
 * system has). No account is created: the emulator does not change the machine's user database.
 */
export async function resolveServerUser(candidates: readonly string[]): Promise<ServerUser> {
  if (!isRoot()) {
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    return { name: String(uid), uid, gid, switched: false };
  }
  for (const name of candidates) {
    const ids = await lookUp(name);
    if (ids && ids.uid !== 0) return { name, ...ids, switched: true };
  }
  throw new DatabaseError(
    'InvalidSpec',
    `running as root, and none of the accounts ${candidates.join(', ')} exists to run database servers as`,
  );
}

/** Creates `dir` (and parents), owned by the server's account when it differs, with `mode`. */
export async function makeServerDirectory(user: ServerUser, dir: string, mode = 0o700): Promise<void> {
  // Parents made here stay the emulator's and searchable, so the server's account can walk through.
  await mkdir(dirname(dir), { recursive: true, mode: 0o755 });
  await mkdir(dir, { recursive: true, mode });
  await chmod(dir, mode);
  if (user.switched) await chown(dir, user.uid, user.gid);
}

/** Hands a file, or a whole tree, to the server's account (after the emulator wrote it as root). */
export async function chownTree(user: ServerUser, root: string): Promise<void> {
  if (!user.switched) return;
  await lchown(root, user.uid, user.gid);
  if (!(await lstat(root)).isDirectory()) return;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) await chownTree(user, path);
    else await lchown(path, user.uid, user.gid);
  }
}

/**
 * The server's account must be able to walk down to its directories. A temporary directory made by
 * mkdtemp (mode 0700, owned by root) blocks it; rather than loosen directories the emulator does not
 * own, this names the one in the way.
 */
export function assertReachable(user: ServerUser, dir: string): void {
  if (!user.switched) return;
  let current = resolve(dir);
  const blocked: string[] = [];
  for (;;) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
    let stat;
    try {
      stat = statSync(current);
    } catch {
      continue; // not created yet: it will be created by us with a traversable mode
    }
    const traversable =
      (stat.mode & 0o001) !== 0 ||
      (stat.uid === user.uid && (stat.mode & 0o100) !== 0) ||
      (stat.gid === user.gid && (stat.mode & 0o010) !== 0);
    if (!traversable) blocked.push(current);
  }
  if (blocked.length > 0) {
    throw new DatabaseError(
      'InvalidSpec',
      `the database server runs as the account ${user.name}, which cannot reach ${dir}: ` +
        `${blocked.join(', ')} ${blocked.length === 1 ? 'is' : 'are'} not searchable by it (for example: chmod o+x ${blocked[0]})`,
    );
  }
}

/** True when the current process can run `file` (used to give a clear error for missing binaries). */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
