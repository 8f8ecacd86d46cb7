/**
 * RDS's weekly maintenance window (`ddd:hh24:mi-ddd:hh24:mi`, UTC) and daily backup window
 * (`hh24:mi-hh24:mi`): parsing, validation and the next occurrence. Pure.
 */
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const WEEK_MS = 7 * 24 * 3600_000;

interface WeeklyPoint {
  minuteOfWeek: number;
}

function parseWeekly(text: string): WeeklyPoint | undefined {
  const m = /^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$/.exec(text.toLowerCase());
  if (!m) return undefined;
  return { minuteOfWeek: DAYS.indexOf(m[1]!) * 1440 + Number(m[2]) * 60 + Number(m[3]) };
}

/** Why the maintenance window is malformed, or undefined. At least 30 minutes, as RDS requires. */
export function checkMaintenanceWindow(text: string): string | undefined {
  const [a, b, extra] = text.split('-');
  const start = a === undefined ? undefined : parseWeekly(a);
  const end = b === undefined ? undefined : parseWeekly(b);
  if (!start || !end || extra !== undefined) {
    return `Invalid maintenance window: ${text}. Use the format ddd:hh24:mi-ddd:hh24:mi, in UTC.`;
  }
  const length = (end.minuteOfWeek - start.minuteOfWeek + 7 * 1440) % (7 * 1440);
  if (length < 30) return 'The maintenance window must be at least 30 minutes.';
  return undefined;
}

function parseDaily(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** Why the backup window is malformed, or undefined. At least 30 minutes, as RDS requires. */
export function checkBackupWindow(text: string): string | undefined {
  const [a, b, extra] = text.split('-');
  const start = a === undefined ? undefined : parseDaily(a);
  const end = b === undefined ? undefined : parseDaily(b);
  if (start === undefined || end === undefined || extra !== undefined) {
    return `Invalid backup window: ${text}. Use the format hh24:mi-hh24:mi, in UTC.`;
  }
  if ((end - start + 1440) % 1440 < 30) return 'The backup window must be at least 30 minutes.';
  return undefined;
}

/** Whether two windows overlap, which RDS refuses (the backup window is daily, so check every day). */
export function windowsOverlap(maintenance: string, backup: string): boolean {
  const [ma, mb] = maintenance.split('-').map((p) => parseWeekly(p)!);
  const [ba, bb] = backup.split('-').map((p) => parseDaily(p)!);
  if (!ma || !mb || ba === undefined || bb === undefined) return false;
  const mStart = ma.minuteOfWeek;
  const mLen = (mb.minuteOfWeek - mStart + 7 * 1440) % (7 * 1440);
  const bLen = (bb - ba + 1440) % 1440;
  for (let day = 0; day < 7; day++) {
    const bStart = day * 1440 + ba;
    for (const shift of [-7 * 1440, 0, 7 * 1440]) {
      const s = bStart + shift;
      if (s < mStart + mLen && mStart < s + bLen) return true;
    }
  }
  return false;
}

/** Epoch milliseconds at which the maintenance window next opens after `now`. */
export function nextMaintenanceStart(window: string, now: number): number {
  const start = parseWeekly(window.split('-')[0] ?? '');
  if (!start) return now + WEEK_MS;
  const date = new Date(now);
  const minuteOfWeek = date.getUTCDay() * 1440 + date.getUTCHours() * 60 + date.getUTCMinutes();
  let delta = start.minuteOfWeek - minuteOfWeek;
  if (delta <= 0) delta += 7 * 1440;
  const startOfMinute = now - (now % 60_000);
  return startOfMinute + delta * 60_000;
}

/** RDS assigns windows when none are given; a fixed, non-overlapping pair keeps output stable. */
export const DEFAULT_MAINTENANCE_WINDOW = 'sun:05:00-sun:05:30';
export const DEFAULT_BACKUP_WINDOW = '03:00-03:30';
