import { Agent, request } from 'node:http';

/**
 * The load generator: last_operation polls over keep-alive HTTP on loopback, either offered at a
 * fixed rate (open loop: a slow broker does not slow the offered load down, so its latency shows)
 * or as fast as the broker answers with a fixed number in flight (closed loop: throughput).
 * Always bounded in count and in time.
 */

export interface PollTarget {
  /** `/v2/service_instances/<id>/last_operation?operation=<kind>` */
  path: string;
}

export interface LoadClient {
  host: string;
  port: number;
  agent: Agent;
  headers: Record<string, string>;
}

export function createLoadClient(baseUrl: string, username: string, password: string, maxSockets: number): LoadClient {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:') throw new Error(`the load generator speaks plain HTTP on loopback only, not ${url.protocol}`);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]')
    throw new Error(`the load generator polls loopback only, not ${url.hostname}`);
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port),
    agent: new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' }),
    headers: {
      Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`,
      'X-Broker-API-Version': '2.17',
    },
  };
}

export interface PollOutcome {
  /** HTTP status, or 0 when the request failed without an answer. */
  status: number;
  ms: number;
  /** `state` of a 200 answer. */
  state?: string;
  error?: string;
}

const REQUEST_TIMEOUT_MS = 10_000;

/** One poll; never rejects (failures are outcomes, counted by the caller). */
export function poll(client: LoadClient, target: PollTarget): Promise<PollOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const finish = (outcome: Omit<PollOutcome, 'ms'>) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, ms: performance.now() - started });
    };
    const req = request(
      {
        host: client.host,
        port: client.port,
        path: target.path,
        method: 'GET',
        agent: client.agent,
        headers: client.headers,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => finish({ status: 0, error: error.message }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) return finish({ status });
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { state?: unknown };
            finish({ status, ...(typeof body.state === 'string' ? { state: body.state } : {}) });
          } catch {
            finish({ status, error: 'the answer is not JSON' });
          }
        });
      },
    );
    // Where a request stalls tells whose fault it is: a connection that never opened, or a server
    // that never answered on an open one.
    let connection = 'no connection';
    req.on('socket', (socket) => {
      if (!socket.connecting) connection = 'a reused connection';
      else {
        connection = 'a new connection, never established';
        socket.once('connect', () => {
          connection = 'a new connection';
        });
      }
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms on ${connection}`)));
    req.on('error', (error: NodeJS.ErrnoException) => finish({ status: 0, error: error.code ?? error.message }));
    req.end();
  });
}

export interface LoadResult {
  /** Polls answered with 200 (the others are in `statuses` and `errors`). */
  ok: number;
  completed: number;
  /** Polls the open loop could not send because `maxInFlight` were already waiting. */
  skipped: number;
  elapsedSeconds: number;
  /** Latencies of the 200 answers, in milliseconds. */
  latenciesMs: number[];
  statuses: Record<string, number>;
  states: Record<string, number>;
  errors: Record<string, number>;
}

class Tally {
  readonly result: LoadResult = {
    ok: 0,
    completed: 0,
    skipped: 0,
    elapsedSeconds: 0,
    latenciesMs: [],
    statuses: {},
    states: {},
    errors: {},
  };

  add(outcome: PollOutcome): void {
    const r = this.result;
    r.completed++;
    r.statuses[outcome.status] = (r.statuses[outcome.status] ?? 0) + 1;
    if (outcome.error) r.errors[outcome.error] = (r.errors[outcome.error] ?? 0) + 1;
    if (outcome.status === 200 && !outcome.error) {
      r.ok++;
      r.latenciesMs.push(outcome.ms);
      if (outcome.state) r.states[outcome.state] = (r.states[outcome.state] ?? 0) + 1;
    }
  }
}

const TICK_MS = 2;

/**
 * Offers `rate` polls per second for `seconds`, round-robin over `targets`, starting at target
 * `offset`. Sends are due at even intervals; each tick sends the ones that came due. At most
 * `maxInFlight` wait for an answer; a due poll beyond that is skipped and counted.
 */
export async function offerRate(
  client: LoadClient,
  targets: readonly PollTarget[],
  rate: number,
  seconds: number,
  maxInFlight: number,
  offset = 0,
): Promise<LoadResult> {
  if (targets.length === 0) throw new Error('no poll targets');
  const tally = new Tally();
  const total = Math.round(rate * seconds);
  const inFlight = new Set<Promise<void>>();
  const started = performance.now();
  let due = 0;
  while (due < total) {
    const shouldHaveSent = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; due < shouldHaveSent; due++) {
      if (inFlight.size >= maxInFlight) {
        tally.result.skipped++;
        continue;
      }
      const pending: Promise<void> = poll(client, targets[(offset + due) % targets.length]!).then((outcome) => {
        tally.add(outcome);
        inFlight.delete(pending);
      });
      inFlight.add(pending);
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
  await Promise.all(inFlight);
  tally.result.elapsedSeconds = (performance.now() - started) / 1000;
  return tally.result;
}

/** Keeps `concurrency` polls in flight for `seconds`, round-robin over `targets`. */
export async function closedLoop(
  client: LoadClient,
  targets: readonly PollTarget[],
  concurrency: number,
  seconds: number,
  offset = 0,
): Promise<LoadResult> {
  if (targets.length === 0) throw new Error('no poll targets');
  const tally = new Tally();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let next = offset;
  const worker = async () => {
    while (performance.now() < deadline) tally.add(await poll(client, targets[next++ % targets.length]!));
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  tally.result.elapsedSeconds = (performance.now() - started) / 1000;
  return tally.result;
}

/**
 * Opens `count` keep-alive connections at once with cheap requests (GET /healthz) while the broker
 * is idle, so that a closed loop measures requests, not connection set-up: a broker busy with
 * the loop's first connections accepts new ones slowly (seen here: about two hundred waiting in
 * the accept queue, a few polls answered only after 10 s).
 */
export async function openConnections(client: LoadClient, count: number): Promise<number> {
  const outcomes = await Promise.all(Array.from({ length: count }, () => poll(client, { path: '/healthz' })));
  return outcomes.filter((o) => o.status === 200).length;
}

/** Polls every target once, `concurrency` at a time (warm-up: connections, JIT, first actions). */
export async function pollEachOnce(client: LoadClient, targets: readonly PollTarget[], concurrency: number): Promise<LoadResult> {
  const tally = new Tally();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < targets.length) tally.add(await poll(client, targets[next++]!));
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  tally.result.elapsedSeconds = (performance.now() - started) / 1000;
  return tally.result;
}
