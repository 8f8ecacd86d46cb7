/** Records made for clusters: the default cluster parameter groups, and cluster snapshots. Pure but for the store they go into. */
import { clusterFamilies } from './cluster-catalog.js';
import type { ClusterRecord, ClusterSnapshotRecord } from './cluster-types.js';
import type { Store } from './store.js';
import type { Tag } from './types.js';

/** Idempotent: `default.<family>` cluster parameter groups for every Aurora family. */
export function seedClusterDefaults(store: Store): void {
  for (const family of clusterFamilies()) {
    const name = `default.${family}`;
    if (store.clusterParameterGroups.has(name)) continue;
    store.putClusterParameterGroup({
      name,
      family,
      description: `Default cluster parameter group for ${family}`,
      isDefault: true,
      tags: [],
      values: {},
    });
  }
  // The members' DB parameter groups of the same families (default.aurora-postgresql16 for an instance in the cluster).
  for (const family of clusterFamilies()) {
    const name = `default.${family}`;
    if (store.parameterGroups.has(name)) continue;
    store.putParameterGroup({ name, family, description: `Default parameter group for ${family}`, isDefault: true, tags: [], values: {} });
  }
}

export function clusterSnapshotOf(
  cluster: ClusterRecord,
  identifier: string,
  type: ClusterSnapshotRecord['type'],
  now: number,
  vpcId: string,
  requestedTags: Tag[] | undefined,
): ClusterSnapshotRecord {
  // Tags given with the request win; otherwise CopyTagsToSnapshot decides, as for instances.
  const tags = requestedTags && requestedTags.length > 0 ? requestedTags : cluster.copyTagsToSnapshot ? cluster.tags : [];
  return {
    identifier,
    type,
    status: 'creating',
    clusterIdentifier: cluster.identifier,
    clusterResourceId: cluster.resourceId,
    createdAt: now,
    engine: cluster.engine,
    engineVersion: cluster.engineVersion,
    masterUsername: cluster.masterUsername,
    masterPassword: cluster.masterPassword,
    databaseName: cluster.databaseName,
    port: cluster.port,
    storageEncrypted: cluster.storageEncrypted,
    kmsKeyId: cluster.kmsKeyId,
    availabilityZones: [...cluster.availabilityZones],
    vpcId,
    clusterCreateTime: cluster.createdAt,
    tags: tags.map((t) => ({ ...t })),
  };
}
