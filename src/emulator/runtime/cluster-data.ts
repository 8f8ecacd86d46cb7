/**
 * Where a cluster's data is, with real databases: in its writer's server while one runs, otherwise
 * in the cluster's own copy (`clusters/<DbClusterResourceId>/seed`, a backup as snapshots hold
 * them) — made by a restore, or kept when the last member goes — or nowhere (a new cluster whose
 * writer starts empty).
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { actualClusterStatus } from '../model/cluster-lifecycle.js';
import type { ClusterRecord } from '../model/cluster-types.js';
import type { Store } from '../model/store.js';
import type { InstanceRecord } from '../model/types.js';
import type { DatabaseServer } from '../databases/types.js';

export function seedPathOf(cluster: ClusterRecord): string {
  return join('clusters', cluster.resourceId, 'seed');
}

/** The member a cluster's reader streams from: the cluster's writer. */
export function writerOf(store: Store, inst: InstanceRecord): string | undefined {
  if (!inst.cluster) return undefined;
  const writer = store.cluster(inst.cluster.identifier)?.writer;
  return writer === inst.identifier ? undefined : writer;
}

/** Still laying down its data (a restore's `creating`): a writer waits for it. */
function restoring(cluster: ClusterRecord): boolean {
  const t = cluster.transition;
  const work = t?.phases[t.index]?.work;
  return (
    actualClusterStatus(cluster) === 'creating' && (work?.kind === 'restore' || work?.kind === 'restore-point-in-time') && !t!.workDone
  );
}

/** The data a new writer starts from (absolute path), once the cluster's restore has laid it down; undefined: start empty. */
export async function clusterSeed(store: Store, inst: InstanceRecord, absolute: (relative: string) => string): Promise<string | undefined> {
  for (;;) {
    const cluster = inst.cluster && store.cluster(inst.cluster.identifier);
    if (!cluster) return undefined;
    if (!restoring(cluster)) {
      const seed = absolute(seedPathOf(cluster));
      return existsSync(seed) ? seed : undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The writer of a cluster is going with no reader to take over: its data stays with the cluster, for the next writer and for snapshots. */
export async function keepClusterData(
  store: Store,
  inst: InstanceRecord,
  server: DatabaseServer,
  absolute: (relative: string) => string,
): Promise<void> {
  const cluster = inst.cluster && store.cluster(inst.cluster.identifier);
  if (!cluster) return;
  // Only the member holding the data: the writer, or the last one left (a reader that took over keeps its own).
  if (cluster.writer !== undefined && cluster.writer !== inst.identifier) return;
  const seed = absolute(seedPathOf(cluster));
  const fresh = `${seed}.new`;
  await rm(fresh, { recursive: true, force: true });
  await mkdir(join(fresh, '..'), { recursive: true });
  await server.backup(fresh);
  await rm(seed, { recursive: true, force: true });
  await rename(fresh, seed);
}
