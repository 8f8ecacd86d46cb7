/**
 * The emulator's admin API, as far as the benchmark uses it: its per-action call counters (the
 * exact number of RDS calls the broker made) and settling every running transition at once.
 */

export interface CallCounts {
  total: number;
  calls: Record<string, number>;
  errors: Record<string, Record<string, number>>;
}

async function admin(baseUrl: string, method: 'GET' | 'POST', path: string): Promise<unknown> {
  const response = await fetch(`${baseUrl}/_emulator/${path}`, { method });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator ${method} /_emulator/${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

export async function readCalls(baseUrl: string): Promise<CallCounts> {
  const body = (await admin(baseUrl, 'GET', 'stats')) as Partial<CallCounts> | undefined;
  if (!body || typeof body.total !== 'number' || typeof body.calls !== 'object' || body.calls === null) {
    throw new Error(`the emulator's statistics have an unexpected shape: ${JSON.stringify(body).slice(0, 300)}`);
  }
  return { total: body.total, calls: body.calls, errors: body.errors ?? {} };
}

/** Finishes every running transition (creating → available, …) at once. */
export async function settleAll(baseUrl: string): Promise<void> {
  const answer = (await admin(baseUrl, 'POST', 'settle')) as { settled?: boolean; unsettled?: string[] } | undefined;
  if (answer?.settled !== true) throw new Error(`the emulator could not settle every instance: ${JSON.stringify(answer).slice(0, 300)}`);
}

/** Turns the emulator's RDS-style throttle on (RDS's default: 300 burst, 12/s, a full bucket) or off. */
export async function setThrottle(baseUrl: string, enabled: boolean): Promise<void> {
  const response = await fetch(`${baseUrl}/_emulator/throttle`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(enabled ? { enabled, burst: 300, ratePerSecond: 12 } : { enabled }),
  });
  if (!response.ok)
    throw new Error(`emulator POST /_emulator/throttle answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
}

/** How many instances the emulator holds (whatever their status). */
export async function countInstances(baseUrl: string): Promise<number> {
  const body = (await admin(baseUrl, 'GET', 'instances')) as { instances?: unknown[] } | undefined;
  if (!Array.isArray(body?.instances)) throw new Error(`the emulator's instance list has an unexpected shape`);
  return body.instances.length;
}

/** Throttled calls (error code Throttling) in a statistics reading, by action. */
export function throttledOf(counts: CallCounts): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [action, byCode] of Object.entries(counts.errors)) if (byCode.Throttling) out[action] = byCode.Throttling;
  return out;
}
