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
