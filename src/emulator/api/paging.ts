/**
 * Marker/MaxRecords pagination over identifiers in sorted order. The marker names the last
 * identifier returned, so pages stay consistent while records come and go.
 */
import { invalidValue } from './errors.js';

export function encodeMarker(lastKey: string): string {
  return Buffer.from(lastKey, 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(marker)) throw invalidValue('The marker is not valid.');
  return Buffer.from(marker, 'base64url').toString('utf8');
}

/** First index in sorted `keys` whose key is greater than `after`. */
function firstAfter(keys: readonly string[], after: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One page of `keys` (sorted), the keys accepted by `keep`, and the marker for the next page. */
export function paginate(
  keys: readonly string[],
  marker: string | undefined,
  max: number,
  keep: (key: string) => boolean = () => true,
): { keys: string[]; nextMarker?: string } {
  let i = marker ? firstAfter(keys, decodeMarker(marker)) : 0;
  const out: string[] = [];
  for (; i < keys.length; i++) {
    const key = keys[i]!;
    if (!keep(key)) continue;
    if (out.length === max) return { keys: out, nextMarker: encodeMarker(out[out.length - 1]!) };
    out.push(key);
  }
  return { keys: out };
}

export function markerXml(nextMarker: string | undefined): string {
  return nextMarker ? `<Marker>${nextMarker}</Marker>` : '';
}
