import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
// Types only: the Kubernetes client is loaded when a replica actually elects (kubeLeaseStore.ts),
// so a broker that never elects does not pay its start-up time and memory.
import type { KubeConfig } from '@kubernetes/client-node';

/** Where a pod finds the namespace it runs in, when the downward API did not pass it. */
export const serviceAccountNamespaceFile = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** How this process can reach a Kubernetes API server, if at all. */
export type KubeAccess = { kind: 'in-cluster' } | { kind: 'kubeconfig'; path: string };

/**
 * In a pod, the kubelet sets KUBERNETES_SERVICE_HOST; elsewhere, only an explicitly configured
 * kubeconfig counts. KUBECONFIG in a developer's shell alone does not, so that `npm start` on a
 * laptop never joins an election in whatever cluster that shell points at.
 */
export function detectKubeAccess(env: NodeJS.ProcessEnv, configuredKubeconfig: string | undefined): KubeAccess | undefined {
  if (configuredKubeconfig) return { kind: 'kubeconfig', path: configuredKubeconfig };
  if (env.KUBERNETES_SERVICE_HOST) return { kind: 'in-cluster' };
  return undefined;
}

/**
 * The Lease's namespace: the configuration's, else the pod's own (POD_NAMESPACE from the downward
 * API, else the service account's namespace file), else the kubeconfig context's, else "default".
 */
export function resolveLeaseNamespace(
  configured: string | undefined,
  env: NodeJS.ProcessEnv,
  kubeConfig: KubeConfig | undefined,
  readNamespaceFile: () => string | undefined = () => readServiceAccountNamespace(),
): string {
  if (configured) return configured;
  if (env.POD_NAMESPACE) return env.POD_NAMESPACE;
  const fromFile = readNamespaceFile();
  if (fromFile) return fromFile;
  const context = kubeConfig?.getContextObject(kubeConfig.getCurrentContext());
  return context?.namespace || 'default';
}

export function readServiceAccountNamespace(pathPrefix = ''): string | undefined {
  try {
    return readFileSync(`${pathPrefix}${serviceAccountNamespaceFile}`, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Holder identity: the pod name (POD_NAME from the downward API, else the hostname, which is the
 * pod name in Kubernetes) plus a random suffix, so a restarted container with the same name is a
 * new candidate and never mistakes its predecessor's lease for its own.
 */
export function leaderIdentity(env: NodeJS.ProcessEnv, random: () => Buffer = () => randomBytes(4)): string {
  const base = (env.POD_NAME || hostname() || 'rds-broker').slice(0, 200);
  return `${base}_${random().toString('hex')}`;
}
