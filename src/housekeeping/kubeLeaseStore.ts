import {
  ApiException,
  CoordinationV1Api,
  KubeConfig,
  Observable,
  V1MicroTime,
  type ConfigurationOptions,
  type V1Lease,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import type { KubeAccess } from './kubeEnvironment.js';
import type { LeaseRecord, LeaseSpecFields } from './leaderDecision.js';

/**
 * @param pathPrefix prepended to the service account paths (/var/run/secrets/…) in-cluster; tests
 *   point it at a directory of their own.
 */
export function loadKubeConfig(access: KubeAccess, pathPrefix = ''): KubeConfig {
  const config = new KubeConfig();
  if (access.kind === 'in-cluster') config.loadFromCluster(pathPrefix);
  else config.loadFromFile(access.path);
  if (!config.getCurrentCluster()) {
    throw new Error(
      access.kind === 'in-cluster' ? 'no in-cluster Kubernetes configuration' : `kubeconfig ${access.path} has no current cluster`,
    );
  }
  return config;
}

/** Where the elector reads and writes its Lease; the Kubernetes API in production. */
export interface LeaseStore {
  /** The lease, or undefined when there is none. */
  read(signal: AbortSignal): Promise<LeaseRecord | undefined>;
  /** 'conflict' when someone else created it first. */
  create(spec: LeaseSpecFields, signal: AbortSignal): Promise<LeaseRecord | 'conflict'>;
  /** Replaces the spec if the lease is still at resourceVersion; 'conflict' when it is not. */
  replace(spec: LeaseSpecFields, resourceVersion: string, signal: AbortSignal): Promise<LeaseRecord | 'conflict'>;
  /** namespace/name, for log lines. */
  readonly description: string;
}

/** A failed Lease call, described by status code and operation only (never headers: they hold the token). */
export class LeaseStoreError extends Error {
  constructor(
    readonly operation: 'read' | 'create' | 'replace',
    readonly statusCode: number | undefined,
    detail: string,
  ) {
    super(`Lease ${operation} failed${statusCode ? ` with HTTP ${statusCode}` : ''}: ${detail}`);
  }
}

/** Lease access through @kubernetes/client-node, each call bounded by the caller's AbortSignal. */
export function createKubeLeaseStore(kubeConfig: KubeConfig, namespace: string, name: string): LeaseStore {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  const body = (spec: LeaseSpecFields, resourceVersion?: string): V1Lease => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: {
      // An empty holder is written as absent, which is how client-go releases a lease.
      ...(spec.holderIdentity ? { holderIdentity: spec.holderIdentity } : {}),
      leaseDurationSeconds: spec.leaseDurationSeconds,
      // The API server parses MicroTime with exactly six fractional digits; V1MicroTime writes them.
      acquireTime: new V1MicroTime(spec.acquireTime.getTime()),
      renewTime: new V1MicroTime(spec.renewTime.getTime()),
      leaseTransitions: spec.leaseTransitions,
    },
  });
  return {
    description: `${namespace}/${name}`,
    async read(signal) {
      try {
        return toRecord(await api.readNamespacedLease({ name, namespace }, withSignal(signal)));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw wrap('read', error);
      }
    },
    async create(spec, signal) {
      try {
        return toRecord(await api.createNamespacedLease({ namespace, body: body(spec) }, withSignal(signal)));
      } catch (error) {
        if (statusOf(error) === 409) return 'conflict';
        throw wrap('create', error);
      }
    },
    async replace(spec, resourceVersion, signal) {
      try {
        return toRecord(await api.replaceNamespacedLease({ name, namespace, body: body(spec, resourceVersion) }, withSignal(signal)));
      } catch (error) {
        // 409: someone wrote since our read. 404: it was deleted since; either way, not ours this round.
        const status = statusOf(error);
        if (status === 409 || status === 404) return 'conflict';
        throw wrap('replace', error);
      }
    },
  };
}

/** Per-call options that hand the AbortSignal to the HTTP request, so a hung call can be cut off. */
function withSignal(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) => new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

function statusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

function wrap(operation: 'read' | 'create' | 'replace', error: unknown): LeaseStoreError {
  if (error instanceof ApiException) {
    const reason = typeof error.body === 'string' ? safeReason(error.body) : undefined;
    return new LeaseStoreError(operation, error.code, reason ?? 'the API server refused the request');
  }
  const named = error as { name?: string; message?: string };
  if (named?.name === 'AbortError') return new LeaseStoreError(operation, undefined, 'aborted (timed out or stopped)');
  return new LeaseStoreError(operation, undefined, named?.message ?? String(error));
}

/** The Status object's reason and message, when the body is one; nothing else of the body. */
function safeReason(body: string): string | undefined {
  try {
    const status = JSON.parse(body) as { reason?: unknown; message?: unknown };
    const parts = [status.reason, status.message].filter((p): p is string => typeof p === 'string');
    return parts.length > 0 ? parts.join(': ').slice(0, 300) : undefined;
  } catch {
    return undefined;
  }
}

/** The generated client leaves MicroTime fields as strings on the way in; accept either. */
function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'string' && value !== '') {
    const parsed = new Date(value);
    return Number.isNaN(parsed.getTime()) ? undefined : parsed;
  }
  return undefined;
}

function toRecord(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity || undefined,
    leaseDurationSeconds: spec.leaseDurationSeconds,
    acquireTime: toDate(spec.acquireTime),
    renewTime: toDate(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}
