import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/**
 * A stand-in for the Kubernetes API server's coordination.k8s.io/v1 Lease endpoints, faithful where
 * leader election depends on it: GET/POST/PUT, optimistic concurrency on metadata.resourceVersion
 * (409 Conflict), 404 NotFound and 409 AlreadyExists as Status objects, and the RFC 3339 microsecond
 * format the real server insists on for MicroTime fields.
 *
 * It serves HTTPS with a certificate from its own throwaway authority, as an API server does, so
 * clients reach it through a kubeconfig carrying that authority. Faults are injected per client,
 * recognised by its bearer token, so one elector can be cut off while the others keep working.
 */

export interface StoredLease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; uid: string; resourceVersion: string; creationTimestamp: string };
  spec: Record<string, unknown>;
}

export type Fault =
  /** Answer 500 to every request of this client. */
  | { kind: 'error'; status: number }
  /** Never answer (until the client gives up or the double closes). */
  | { kind: 'hang' }
  /** Before handling a write, change the lease as another writer would, so the write conflicts. */
  | { kind: 'conflict'; probability: number };

export interface WriteEvent {
  token: string;
  method: 'POST' | 'PUT';
  outcome: 'stored' | 'conflict' | 'exists' | 'invalid';
  holderIdentity?: string;
  resourceVersion?: string;
  at: number;
}

const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const leasePath = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([a-z0-9-]+)\/leases(?:\/([a-z0-9.-]+))?$/;

export class KubeApiDouble {
  private server: Server | undefined;
  private readonly leases = new Map<string, StoredLease>();
  private revision = 1000;
  private readonly faults = new Map<string, Fault>();
  private readonly hung = new Set<ServerResponse>();
  readonly writes: WriteEvent[] = [];
  requests = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** The PEM of the certificate the double serves (self-signed: it is its own authority). */
  certificatePem = '';
  /** The base URL, once started. */
  url = '';

  async start(): Promise<string> {
    const { key, cert } = selfSignedCertificate();
    this.certificatePem = cert;
    this.server = createServer({ key, cert }, (req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) this.status(res, 500, 'InternalError', 'double failed');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const res of this.hung) res.destroy();
    this.hung.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  setFault(token: string, fault: Fault | undefined): void {
    if (fault) this.faults.set(token, fault);
    else this.faults.delete(token);
  }

  lease(namespace: string, name: string): StoredLease | undefined {
    const found = this.leases.get(`${namespace}/${name}`);
    return found ? (JSON.parse(JSON.stringify(found)) as StoredLease) : undefined;
  }

  /** Writes a lease directly, as another client (kubectl, a test) would. */
  put(namespace: string, name: string, spec: Record<string, unknown>): StoredLease {
    const key = `${namespace}/${name}`;
    const existing = this.leases.get(key);
    const stored: StoredLease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace,
        uid: existing?.metadata.uid ?? randomUUID(),
        resourceVersion: String(++this.revision),
        creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
      spec,
    };
    this.leases.set(key, stored);
    return stored;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token) return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    const url = new URL(req.url ?? '/', 'http://double');
    const match = leasePath.exec(url.pathname);
    if (!match) return this.status(res, 404, 'NotFound', 'the server could not find the requested resource');
    const namespace = match[1]!;
    const name = match[2];
    const body = req.method === 'POST' || req.method === 'PUT' ? await readBody(req) : undefined;

    const fault = this.faults.get(token);
    if (fault?.kind === 'hang') {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return;
    }
    if (fault?.kind === 'error') return this.status(res, fault.status, 'InternalError', 'injected failure');

    if (req.method === 'GET' && name) {
      const found = this.leases.get(`${namespace}/${name}`);
      if (!found) return this.status(res, 404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`, name);
      return this.json(res, 200, found);
    }
    if (req.method === 'POST' && !name) return this.create(token, namespace, body, res, fault);
    if (req.method === 'PUT' && name) return this.replace(token, namespace, name, body, res, fault);
    return this.status(res, 405, 'MethodNotAllowed', 'method not allowed');
  }

  private create(token: string, namespace: string, body: unknown, res: ServerResponse, fault: Fault | undefined): void {
    const lease = parseLease(body);
    if (typeof lease === 'string') return this.invalid(token, 'POST', res, lease);
    const name = lease.metadata.name;
    if (fault?.kind === 'conflict' && this.random() < fault.probability && !this.leases.has(`${namespace}/${name}`)) {
      this.put(namespace, name, { holderIdentity: 'another-writer', leaseDurationSeconds: 1, renewTime: microNow() });
    }
    if (this.leases.has(`${namespace}/${name}`)) {
      this.writes.push({ token, method: 'POST', outcome: 'exists', at: performance.now() });
      return this.status(res, 409, 'AlreadyExists', `leases.coordination.k8s.io "${name}" already exists`, name);
    }
    const stored = this.put(namespace, name, lease.spec);
    this.record(token, 'POST', stored);
    return this.json(res, 201, stored);
  }

  private replace(token: string, namespace: string, name: string, body: unknown, res: ServerResponse, fault: Fault | undefined): void {
    const lease = parseLease(body);
    if (typeof lease === 'string') return this.invalid(token, 'PUT', res, lease);
    if (lease.metadata.name !== name) return this.invalid(token, 'PUT', res, 'metadata.name does not match the URL');
    const key = `${namespace}/${name}`;
    const existing = this.leases.get(key);
    if (!existing) return this.status(res, 404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`, name);
    if (fault?.kind === 'conflict' && this.random() < fault.probability) {
      // Another writer touched the object between this client's read and its write.
      this.put(namespace, name, existing.spec);
    }
    const current = this.leases.get(key)!;
    if (lease.metadata.resourceVersion !== undefined && lease.metadata.resourceVersion !== current.metadata.resourceVersion) {
      this.writes.push({ token, method: 'PUT', outcome: 'conflict', at: performance.now() });
      return this.status(
        res,
        409,
        'Conflict',
        `Operation cannot be fulfilled on leases.coordination.k8s.io "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        name,
      );
    }
    const stored = this.put(namespace, name, lease.spec);
    this.record(token, 'PUT', stored);
    return this.json(res, 200, stored);
  }

  private record(token: string, method: 'POST' | 'PUT', stored: StoredLease): void {
    const holder = stored.spec.holderIdentity;
    this.writes.push({
      token,
      method,
      outcome: 'stored',
      holderIdentity: typeof holder === 'string' ? holder : undefined,
      resourceVersion: stored.metadata.resourceVersion,
      at: performance.now(),
    });
  }

  private invalid(token: string, method: 'POST' | 'PUT', res: ServerResponse, why: string): void {
    this.writes.push({ token, method, outcome: 'invalid', at: performance.now() });
    this.status(res, 400, 'BadRequest', why);
  }

  private json(res: ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private status(res: ServerResponse, code: number, reason: string, message: string, name?: string): void {
    this.json(res, code, {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(name ? { details: { name, group: 'coordination.k8s.io', kind: 'leases' } } : {}),
      code,
    });
  }
}

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}

interface IncomingLease {
  metadata: { name: string; resourceVersion?: string };
  spec: Record<string, unknown>;
}

/** Checks what the real API server checks about a Lease body that matters here. */
function parseLease(body: unknown): IncomingLease | string {
  if (typeof body !== 'object' || body === null) return 'body is not a JSON object';
  const { apiVersion, kind, metadata, spec } = body as Record<string, unknown>;
  if (apiVersion !== undefined && apiVersion !== 'coordination.k8s.io/v1') return `unexpected apiVersion ${String(apiVersion)}`;
  if (kind !== undefined && kind !== 'Lease') return `unexpected kind ${String(kind)}`;
  if (typeof metadata !== 'object' || metadata === null) return 'metadata is required';
  const meta = metadata as Record<string, unknown>;
  if (typeof meta.name !== 'string' || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(meta.name)) return 'metadata.name is invalid';
  if (meta.resourceVersion !== undefined && typeof meta.resourceVersion !== 'string') return 'metadata.resourceVersion must be a string';
  const s = (spec ?? {}) as Record<string, unknown>;
  for (const field of ['acquireTime', 'renewTime']) {
    const value = s[field];
    if (value !== undefined && value !== null && (typeof value !== 'string' || !microTime.test(value))) {
      return `spec.${field}: cannot parse ${JSON.stringify(value)} as RFC 3339 with microseconds`;
    }
  }
  for (const field of ['leaseDurationSeconds', 'leaseTransitions']) {
    const value = s[field];
    if (value !== undefined && value !== null && !Number.isInteger(value)) return `spec.${field} must be an integer`;
  }
  if (s.holderIdentity !== undefined && s.holderIdentity !== null && typeof s.holderIdentity !== 'string')
    return 'spec.holderIdentity must be a string';
  return { metadata: { name: meta.name, resourceVersion: meta.resourceVersion as string | undefined }, spec: s };
}

/** A key and self-signed certificate for 127.0.0.1, made with the openssl command. */
function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kube-api-double-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=kube-api-double',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function microNow(date = new Date()): string {
  return date.toISOString().replace(/Z$/, '000Z');
}
