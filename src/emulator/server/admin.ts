/**
 * The admin API under /_emulator/ (JSON): counters, faults, throttling, and control over time
 * (settle, hold, release, maintenance, clock) so tests can reach every state on purpose.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkFaultSpec, type FaultSpec } from '../faults/faults.js';
import type { ThrottleSettings } from '../faults/throttle.js';

export interface AdminControls {
  stats(): unknown;
  resetStats(): void;
  faults: { list(): unknown; add(spec: FaultSpec): unknown; clear(): void; remove(id: string): boolean };
  throttle(): ThrottleSettings;
  configureThrottle(settings: ThrottleSettings): void;
  settle(timeoutMs: number): Promise<{ unsettled: string[]; held: string[] }>;
  hold(identifier: string): void;
  release(identifier?: string): void;
  step(identifier: string, timeoutMs: number): Promise<{ moved: boolean; status?: string }>;
  maintenance(identifier: string): string | undefined;
  /** Puts an instance in RDS's `failed` status, as a host failure would; the reason shows in GET instances. */
  fail(identifier: string, reason: string): string | undefined;
  /** Puts an available instance in RDS's `storage-full` status, as a database that filled its storage would be. */
  fillStorage(identifier: string): string | undefined;
  advanceClock(ms: number): { offsetMs: number; now: string };
  settings(): { speed: number; visibilityLagMs: number };
  configure(settings: { speed?: number; visibilityLagMs?: number }): void;
  instances(): unknown;
  /** Per DB cluster: status, port, writer, members, transition, failure. */
  clusters(): unknown;
  /** Puts a DB cluster in `failed`, whatever it was doing; the reason shows in GET clusters. */
  failCluster(identifier: string, reason: string): string | undefined;
  /** IAM enforcement: its state and refusals, new policies (undefined: stop enforcing; throws on a bad one). */
  iam: { state(): unknown; set(policies: unknown[] | undefined): void; clearDenials(): void };
  caPem(): Promise<string | undefined>;
}

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY = 64 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new AdminError(413, 'the body is too large');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AdminError(400, 'the body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AdminError(400, 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function identifierOf(body: Record<string, unknown>, required: boolean): string | undefined {
  const value = body.instance;
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(value)) {
    throw new AdminError(400, '"instance" must be a DB instance identifier');
  }
  return value.toLowerCase();
}

function numberOf(body: Record<string, unknown>, key: string, min: number, max: number): number | undefined {
  const value = body[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new AdminError(400, `"${key}" must be a number from ${min} to ${max}`);
  }
  return value;
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, path: string, admin: AdminControls): Promise<void> {
  const route = `${req.method ?? 'GET'} ${path}`;
  try {
    switch (route) {
      case 'GET /_emulator/health':
        return send(res, 200, { ok: true });
      case 'GET /_emulator/stats':
        return send(res, 200, admin.stats());
      case 'POST /_emulator/stats/reset':
        admin.resetStats();
        return send(res, 200, admin.stats());
      case 'GET /_emulator/faults':
        return send(res, 200, { faults: admin.faults.list() });
      case 'POST /_emulator/faults': {
        const body = await readJson(req);
        const problem = checkFaultSpec(body);
        if (problem) throw new AdminError(400, problem);
        return send(res, 201, admin.faults.add(body as unknown as FaultSpec));
      }
      case 'DELETE /_emulator/faults':
        admin.faults.clear();
        return send(res, 200, { faults: [] });
      case 'GET /_emulator/throttle':
        return send(res, 200, admin.throttle());
      case 'POST /_emulator/throttle': {
        const body = await readJson(req);
        const current = admin.throttle();
        if (body.enabled !== undefined && typeof body.enabled !== 'boolean') throw new AdminError(400, '"enabled" must be true or false');
        const next: ThrottleSettings = {
          enabled: (body.enabled as boolean | undefined) ?? true,
          burst: numberOf(body, 'burst', 1, 1e6) ?? current.burst,
          ratePerSecond: numberOf(body, 'ratePerSecond', 0, 1e6) ?? current.ratePerSecond,
        };
        admin.configureThrottle(next);
        return send(res, 200, next);
      }
      case 'POST /_emulator/settle': {
        const body = await readJson(req);
        const timeoutMs = numberOf(body, 'timeoutMs', 0, 600_000) ?? 120_000;
        const result = await admin.settle(timeoutMs);
        return send(res, 200, { settled: result.unsettled.length === 0, ...result });
      }
      case 'POST /_emulator/hold': {
        const id = identifierOf(await readJson(req), true)!;
        admin.hold(id);
        return send(res, 200, { held: id });
      }
      case 'POST /_emulator/step': {
        const body = await readJson(req);
        const id = identifierOf(body, true)!;
        const result = await admin.step(id, numberOf(body, 'timeoutMs', 0, 600_000) ?? 120_000);
        return send(res, 200, { instance: id, ...result });
      }
      case 'POST /_emulator/release': {
        const id = identifierOf(await readJson(req), false);
        admin.release(id);
        return send(res, 200, { released: id ?? 'all' });
      }
      case 'POST /_emulator/maintenance': {
        const id = identifierOf(await readJson(req), true)!;
        const refused = admin.maintenance(id);
        if (refused) throw new AdminError(409, refused);
        return send(res, 200, { maintenance: id });
      }
      case 'POST /_emulator/fail': {
        const body = await readJson(req);
        const id = identifierOf(body, true)!;
        const reason = typeof body.reason === 'string' && body.reason.length <= 200 ? body.reason : 'failed on request';
        const refused = admin.fail(id, reason);
        if (refused) throw new AdminError(404, refused);
        return send(res, 200, { failed: id });
      }
      case 'POST /_emulator/fail-cluster': {
        const body = await readJson(req);
        const value = body.cluster;
        if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(value)) {
          throw new AdminError(400, '"cluster" must be a DB cluster identifier');
        }
        const reason = typeof body.reason === 'string' && body.reason.length <= 200 ? body.reason : 'failed on request';
        const refused = admin.failCluster(value.toLowerCase(), reason);
        if (refused) throw new AdminError(404, refused);
        return send(res, 200, { failed: value.toLowerCase() });
      }
      case 'POST /_emulator/storage-full': {
        const id = identifierOf(await readJson(req), true)!;
        const refused = admin.fillStorage(id);
        if (refused) throw new AdminError(refused.startsWith('no DB instance') ? 404 : 409, refused);
        return send(res, 200, { storageFull: id });
      }
      case 'POST /_emulator/clock': {
        const advanceMs = numberOf(await readJson(req), 'advanceMs', 0, 3650 * 86_400_000);
        if (advanceMs === undefined) throw new AdminError(400, '"advanceMs" is required');
        return send(res, 200, admin.advanceClock(advanceMs));
      }
      case 'GET /_emulator/settings':
        return send(res, 200, admin.settings());
      case 'POST /_emulator/settings': {
        const body = await readJson(req);
        admin.configure({ speed: numberOf(body, 'speed', 0, 1000), visibilityLagMs: numberOf(body, 'visibilityLagMs', 0, 600_000) });
        return send(res, 200, admin.settings());
      }
      case 'GET /_emulator/iam':
        return send(res, 200, admin.iam.state());
      case 'POST /_emulator/iam': {
        const { policies } = await readJson(req);
        if (policies !== null && !Array.isArray(policies))
          throw new AdminError(400, '"policies" must be a list of policy documents, or null');
        try {
          admin.iam.set(policies ?? undefined);
        } catch (error) {
          throw new AdminError(400, (error as Error).message);
        }
        return send(res, 200, admin.iam.state());
      }
      case 'DELETE /_emulator/iam/denials':
        admin.iam.clearDenials();
        return send(res, 200, admin.iam.state());
      case 'GET /_emulator/instances':
        return send(res, 200, { instances: admin.instances() });
      case 'GET /_emulator/clusters':
        return send(res, 200, { clusters: admin.clusters() });
      case 'GET /_emulator/ca.pem': {
        const pem = await admin.caPem();
        if (pem === undefined) throw new AdminError(404, 'this emulator has no certificate authority');
        res.writeHead(200, { 'content-type': 'application/x-pem-file', 'content-length': Buffer.byteLength(pem) });
        res.end(pem);
        return;
      }
    }
    const faultMatch = /^DELETE \/_emulator\/faults\/([A-Za-z0-9-]{1,40})$/.exec(route);
    if (faultMatch) {
      if (!admin.faults.remove(faultMatch[1]!)) throw new AdminError(404, `no fault ${faultMatch[1]}`);
      return send(res, 200, { removed: faultMatch[1] });
    }
    throw new AdminError(404, `no admin route ${route}`);
  } catch (err) {
    if (err instanceof AdminError) return send(res, err.status, { error: err.message });
    return send(res, 500, { error: err instanceof Error ? err.message : String(err) });
  }
}
