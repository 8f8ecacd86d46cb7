/**
 * What a cluster's phases do to the servers behind it. Aurora keeps data in the cluster, not in its
 * instances; here the data lives in the writer member's server (an instance the fleet runs), and
 * the cluster's work reaches it through the fleet. Without databases every work item is nothing.
 */
import type { ClusterRecord, ClusterWork } from '../model/cluster-types.js';
import type { Store } from '../model/store.js';
import type { ClusterPerformer, ClusterWorkResult } from './cluster-scheduler.js';
import type { Fleet } from './fleet.js';

export class ClusterServers implements ClusterPerformer {
  constructor(
    private readonly fleet: Fleet,
    private readonly store: Store,
  ) {}

  async perform(cluster: ClusterRecord, work: ClusterWork): Promise<ClusterWorkResult> {
    if (!this.fleet.usesDisk) return {};
    switch (work.kind) {
      case 'open':
      case 'restore':
      case 'restore-point-in-time':
      case 'destroy':
      case 'upgrade':
        return {};
      case 'set-password':
      case 'snapshot':
        throw new Error(
          `cluster ${work.kind} needs the writer's server, which this emulator does not run yet for ${cluster.identifier} (${this.store.membersOf(cluster.identifier).length} members)`,
        );
    }
  }

  removeData(relativePath: string | undefined): Promise<void> {
    return this.fleet.removeData(relativePath);
  }
}
