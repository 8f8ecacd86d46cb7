import { readdirSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary directory that lives as long as this process: removed when it exits normally, and,
 * since a process killed by a signal cannot clean up after itself, removed by the next process that
 * asks for one of the same kind once its owner (named in the directory's name) is gone.
 */
export async function processTemporaryDirectory(kind: string): Promise<string> {
  const prefix = `rds-emulator-${kind}-`;
  await sweepOrphans(prefix);
  const dir = await mkdtemp(join(tmpdir(), `${prefix}${process.pid}-`));
  // Searchable by the unprivileged account database servers run as.
  await chmod(dir, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function sweepOrphans(prefix: string): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(tmpdir());
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const owner = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && !alive(owner)) {
      await rm(join(tmpdir(), name), { recursive: true, force: true }).catch(() => undefined);
    }
  }
}
