import { tagValue, type StepTag } from '../reconcile/tags.js';

/**
 * The "Skipped Steps" tag: which steps operators skipped, when and why, newest first. RDS tag values
 * are at most 256 characters of letters, digits, spaces and `_ . : / = + - @`, so entries are
 * `<step>@<time>: <reason>` separated by spaces, and the oldest entries give way to new ones. Pure.
 */

export const SKIPPED_TAG_LIMIT = 256;

export interface SkippedStep {
  step: string;
  at: Date;
  reason: string;
}

/** An entry starts with a step tag name, `@` and a UTC time to the second: that is what splits them. */
const ENTRY_START = /(Pending[A-Za-z]+)@(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ): /g;

function stamp(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

function encodeEntry(step: string, at: Date, reason: string): string {
  return `${step}@${stamp(at)}: ${reason}`;
}

/** A reason as a tag can hold it: allowed characters only, whitespace collapsed, nothing that reads as an entry start. */
export function cleanReason(reason: string): string {
  return tagValue(
    reason
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/(Pending[A-Za-z]+)@/g, '$1 at '),
  );
}

/** The first `units` UTF-16 units of a text, never half a character. */
function cutAt(text: string, units: number): string {
  const cut = text.slice(0, units);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}

export function decodeSkipped(value: string | undefined): SkippedStep[] {
  if (!value) return [];
  const starts = [...value.matchAll(ENTRY_START)];
  return starts.map((match, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.index : value.length;
    return { step: match[1]!, at: new Date(match[2]!), reason: value.slice(match.index + match[0].length, end).trim() };
  });
}

export interface SkipRecord {
  /** The new value of the tag. */
  value: string;
  /** The reason as the tag holds it (cleaned, possibly shortened). */
  recordedReason: string;
  /** True when the reason had to be shortened to fit; the log keeps it whole. */
  shortened: boolean;
  /** Older entries that no longer fit and were dropped. */
  dropped: number;
}

/** Puts a new skip in front of the tag's entries, keeping as many older ones as fit. */
export function recordSkip(previous: string | undefined, step: StepTag, at: Date, reason: string): SkipRecord {
  const cleaned = cleanReason(reason);
  const head = encodeEntry(step, at, '');
  const room = SKIPPED_TAG_LIMIT - head.length;
  const shortened = cleaned.length > room;
  const recordedReason = shortened ? `${cutAt(cleaned, Math.max(0, room - 3)).trimEnd()}...` : cleaned;
  let value = head + recordedReason;
  const older = decodeSkipped(previous);
  let kept = 0;
  for (const entry of older) {
    const next = `${value} ${encodeEntry(entry.step, entry.at, entry.reason)}`;
    if (next.length > SKIPPED_TAG_LIMIT) break;
    value = next;
    kept++;
  }
  return { value, recordedReason, shortened, dropped: older.length - kept };
}
