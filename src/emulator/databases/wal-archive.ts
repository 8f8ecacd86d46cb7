import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';

/**
 * What the WAL archive of an instance can restore to. Segments arrive compressed (`<name>.gz`, see
 * archiveCommand) carrying the time of the segment's last write as their modification time.
 *
 * Why that time bounds the latest restorable time: a commit's timestamp is taken just before its
 * record is written, and a segment is last written when it is closed (the switch writes it), so a
 * commit stamped before that moment is in that segment or an earlier one — except in the instant
 * between taking a timestamp and writing the record, which the safety margin covers. A segment is
 * closed archive_timeout after a write, so while a server writes, the latest restorable time trails
 * the present by about archive_timeout.
 *
 * A server that has written nothing since its last closed segment (no segment file in pg_wal is
 * newer than the newest archived one) has nothing outside the archive: it is restorable up to now.
 * When the engine stops a server it first closes the current segment and records the moment in
 * COMPLETE_UNTIL_FILE, so a stopped (or deleted) instance is restorable up to its stop.
 */

export const COMPLETE_UNTIL_FILE = 'complete-until';
const MARGIN_MS = 1000;
const ARCHIVED = /^[0-9A-F]{8}[0-9A-F.a-z]*\.gz$/;
const SEGMENT = /^[0-9A-F]{24}$/;

const cache = new Map<string, { dirMtimeMs: number; newestMs?: number; markerMs?: number }>();

function scanArchive(dir: string): { newestMs?: number; markerMs?: number } {
  let dirMtimeMs: number;
  try {
    dirMtimeMs = statSync(dir).mtimeMs;
  } catch {
    return {};
  }
  const cached = cache.get(dir);
  if (cached?.dirMtimeMs === dirMtimeMs) return cached;
  let newestMs: number | undefined;
  for (const name of readdirSync(dir)) {
    if (!ARCHIVED.test(name)) continue;
    try {
      newestMs = Math.max(newestMs ?? 0, statSync(join(dir, name)).mtimeMs);
    } catch {
      // removed while listing
    }
  }
  let markerMs: number | undefined;
  try {
    const marker = Date.parse(readFileSync(join(dir, COMPLETE_UNTIL_FILE), 'utf8').trim());
    if (Number.isFinite(marker)) markerMs = marker;
  } catch {
    // no marker: the server is running, or was not stopped by the engine
  }
  const entry = { dirMtimeMs, newestMs, markerMs };
  cache.set(dir, entry);
  return entry;
}

/** Newest modification time of a WAL segment file in pg_wal (recycled segments keep old times). */
function newestSegmentWrite(pgWalDir: string): number | undefined {
  let newest: number | undefined;
  try {
    for (const name of readdirSync(pgWalDir)) {
      if (!SEGMENT.test(name)) continue;
      try {
        newest = Math.max(newest ?? 0, statSync(join(pgWalDir, name)).mtimeMs);
      } catch {
        // recycled or removed while listing
      }
    }
  } catch {
    return undefined;
  }
  return newest;
}

/**
 * The latest time the archive in `archiveDir` provably covers, or undefined while it is empty.
 * `runningPgWal` is the pg_wal directory of the server while it runs. Synchronous by design:
 * restorableWindow() is.
 */
export function archiveCoversUntil(archiveDir: string, runningPgWal?: string, now = Date.now()): Date | undefined {
  const { newestMs, markerMs } = scanArchive(archiveDir);
  if (newestMs === undefined && markerMs === undefined) return undefined;
  let coveredMs = Math.max(newestMs ?? 0, markerMs ?? 0);
  if (runningPgWal && newestMs !== undefined) {
    const written = newestSegmentWrite(runningPgWal);
    if (written !== undefined && written <= newestMs) coveredMs = now;
  }
  return new Date(coveredMs - MARGIN_MS);
}

export async function markCompleteUntil(dir: string, time: Date): Promise<void> {
  await writeFile(join(dir, COMPLETE_UNTIL_FILE), `${time.toISOString()}\n`, { mode: 0o644 });
}

export async function clearCompleteUntil(dir: string): Promise<void> {
  await rm(join(dir, COMPLETE_UNTIL_FILE), { force: true });
}

/** Is the WAL file `walFile` (e.g. 000000010000000000000003) in the archive yet? */
export async function isArchived(dir: string, walFile: string): Promise<boolean> {
  return readFile(join(dir, `${walFile}.gz`)).then(
    () => true,
    () => false,
  );
}

/**
 * Decompresses into `pgWalDir` the segments from `firstWal` to `lastWal` (same timeline, names
 * compare in order) and every timeline history file: exactly what a copy of a data directory
 * needs to reach consistency on its own, with no archive.
 */
export async function extractSegments(archiveDir: string, firstWal: string, lastWal: string, pgWalDir: string): Promise<string[]> {
  await mkdir(pgWalDir, { recursive: true });
  const wanted = (await readdir(archiveDir))
    .filter((name) => name.endsWith('.gz'))
    .map((name) => name.slice(0, -3))
    .filter((name) => (/^[0-9A-F]{24}$/.test(name) && name >= firstWal && name <= lastWal) || /^[0-9A-F]{8}\.history$/.test(name))
    .sort();
  for (const name of wanted) {
    await pipeline(
      createReadStream(join(archiveDir, `${name}.gz`)),
      createGunzip(),
      createWriteStream(join(pgWalDir, name), { mode: 0o600 }),
    );
  }
  return wanted;
}
