/**
 * All records, indexed so every lookup the API makes is a Map access: describing 100 instances
 * by identifier costs 100 lookups whatever the fleet's size. Listings walk a sorted identifier
 * array that is rebuilt only when instances come or go.
 */
import { EventLog, instanceEvents, parameterGroupEvents, snapshotEvents, type EventLookups, type EventRecord } from './events.js';
import type { AutomatedBackupRecord, InstanceRecord, ParameterGroupRecord, SnapshotRecord, SubnetGroupRecord } from './types.js';
import type { ClusterRecord, ClusterSnapshotRecord } from './cluster-types.js';
import { clusterEvents, clusterSnapshotEvents } from './cluster-events.js';

export interface StateDocument {
  version: 1;
  vpcId: string;
  defaultSecurityGroupId: string;
  nextTransitionId: number;
  instances: InstanceRecord[];
  snapshots: SnapshotRecord[];
  automatedBackups: AutomatedBackupRecord[];
  parameterGroups: ParameterGroupRecord[];
  subnetGroups: SubnetGroupRecord[];
  /** Absent in state files written before events were kept. */
  events?: EventRecord[];
  /** Absent in state files written before clusters existed. */
  clusters?: ClusterRecord[];
  clusterSnapshots?: ClusterSnapshotRecord[];
  clusterParameterGroups?: ParameterGroupRecord[];
}

class SortedKeys<T> {
  private sorted: string[] | undefined;
  constructor(private readonly map: Map<string, T>) {}
  invalidate(): void {
    this.sorted = undefined;
  }
  get(): string[] {
    if (!this.sorted) this.sorted = [...this.map.keys()].sort();
    return this.sorted;
  }
}

export class Store {
  readonly instances = new Map<string, InstanceRecord>();
  private readonly instancesByResourceId = new Map<string, string>();
  /** Read replicas by their source's identifier (ReadReplicaDBInstanceIdentifiers). */
  private readonly replicasBySource = new Map<string, Set<string>>();
  readonly snapshots = new Map<string, SnapshotRecord>();
  /** Snapshot identifiers by the DbiResourceId they were taken from: a describe looks at its own only. */
  private readonly snapshotsByResource = new Map<string, Set<string>>();
  /** Keyed by DbiResourceId (one automated backup per instance lifetime). */
  readonly automatedBackups = new Map<string, AutomatedBackupRecord>();
  private readonly backupsById = new Map<string, string>();
  readonly parameterGroups = new Map<string, ParameterGroupRecord>();
  readonly subnetGroups = new Map<string, SubnetGroupRecord>();
  readonly clusters = new Map<string, ClusterRecord>();
  /** Member instances by their cluster's identifier (DBClusterMembers). */
  private readonly membersByCluster = new Map<string, Set<string>>();
  readonly clusterSnapshots = new Map<string, ClusterSnapshotRecord>();
  readonly clusterParameterGroups = new Map<string, ParameterGroupRecord>();
  private readonly clusterOrder = new SortedKeys(this.clusters);
  private readonly clusterSnapshotOrder = new SortedKeys(this.clusterSnapshots);
  private readonly instanceOrder = new SortedKeys(this.instances);
  private readonly snapshotOrder = new SortedKeys(this.snapshots);
  private nextTransition = 1;
  /** Bumped on every change, so the persister knows when to write. */
  revision = 0;
  /** What happened, as DescribeEvents tells it: recorded as records change (events.ts). */
  readonly events = new EventLog();
  /** The time events are stamped with: the emulator's clock once it is set. */
  eventTime: () => number = () => Date.now();
  private readonly lookups: EventLookups = {
    instanceOfResource: (dbi) => this.instanceByResourceId(dbi)?.identifier ?? this.automatedBackups.get(dbi)?.instanceIdentifier,
  };

  constructor(
    readonly vpcId: string,
    readonly defaultSecurityGroupId: string,
  ) {}

  transitionId(): number {
    return this.nextTransition++;
  }

  instance(identifier: string): InstanceRecord | undefined {
    return this.instances.get(identifier);
  }

  instanceByResourceId(dbiResourceId: string): InstanceRecord | undefined {
    const id = this.instancesByResourceId.get(dbiResourceId);
    return id === undefined ? undefined : this.instances.get(id);
  }

  putInstance(record: InstanceRecord): void {
    const previous = this.instances.get(record.identifier);
    this.events.record(instanceEvents(previous, record, this.lookups), this.eventTime());
    if (!previous) this.instanceOrder.invalidate();
    if (previous?.readReplicaSource !== record.readReplicaSource) {
      if (previous?.readReplicaSource) this.forgetReplica(previous.readReplicaSource, record.identifier);
      if (record.readReplicaSource) {
        let replicas = this.replicasBySource.get(record.readReplicaSource);
        if (!replicas) {
          replicas = new Set();
          this.replicasBySource.set(record.readReplicaSource, replicas);
        }
        replicas.add(record.identifier);
      }
    }
    if (previous?.cluster?.identifier !== record.cluster?.identifier) {
      if (previous?.cluster) this.forgetMember(previous.cluster.identifier, record.identifier);
      if (record.cluster) {
        let members = this.membersByCluster.get(record.cluster.identifier);
        if (!members) {
          members = new Set();
          this.membersByCluster.set(record.cluster.identifier, members);
        }
        members.add(record.identifier);
      }
    }
    this.instances.set(record.identifier, record);
    this.instancesByResourceId.set(record.dbiResourceId, record.identifier);
    this.revision++;
  }

  private forgetMember(cluster: string, member: string): void {
    const members = this.membersByCluster.get(cluster);
    members?.delete(member);
    if (members?.size === 0) this.membersByCluster.delete(cluster);
  }

  /** The cluster's member instances, sorted by identifier. */
  membersOf(clusterIdentifier: string): InstanceRecord[] {
    const ids = this.membersByCluster.get(clusterIdentifier);
    return ids ? [...ids].sort().map((id) => this.instances.get(id)!) : [];
  }

  cluster(identifier: string): ClusterRecord | undefined {
    return this.clusters.get(identifier);
  }

  putCluster(record: ClusterRecord): void {
    this.events.record(clusterEvents(this.clusters.get(record.identifier), record), this.eventTime());
    if (!this.clusters.has(record.identifier)) this.clusterOrder.invalidate();
    this.clusters.set(record.identifier, record);
    this.revision++;
  }

  removeCluster(identifier: string): void {
    const record = this.clusters.get(identifier);
    if (!record) return;
    this.events.record(clusterEvents(record, undefined), this.eventTime());
    this.clusters.delete(identifier);
    this.clusterOrder.invalidate();
    this.revision++;
  }

  sortedClusterIds(): string[] {
    return this.clusterOrder.get();
  }

  putClusterSnapshot(record: ClusterSnapshotRecord): void {
    this.events.record(clusterSnapshotEvents(this.clusterSnapshots.get(record.identifier), record), this.eventTime());
    if (!this.clusterSnapshots.has(record.identifier)) this.clusterSnapshotOrder.invalidate();
    this.clusterSnapshots.set(record.identifier, record);
    this.revision++;
  }

  removeClusterSnapshot(identifier: string): void {
    const record = this.clusterSnapshots.get(identifier);
    if (!record) return;
    this.events.record(clusterSnapshotEvents(record, undefined), this.eventTime());
    this.clusterSnapshots.delete(identifier);
    this.clusterSnapshotOrder.invalidate();
    this.revision++;
  }

  sortedClusterSnapshotIds(): string[] {
    return this.clusterSnapshotOrder.get();
  }

  putClusterParameterGroup(record: ParameterGroupRecord): void {
    this.clusterParameterGroups.set(record.name, record);
    this.revision++;
  }

  removeClusterParameterGroup(name: string): void {
    if (this.clusterParameterGroups.delete(name)) this.revision++;
  }

  removeInstance(identifier: string): void {
    const record = this.instances.get(identifier);
    if (!record) return;
    this.events.record(instanceEvents(record, undefined, this.lookups), this.eventTime());
    this.instances.delete(identifier);
    this.instancesByResourceId.delete(record.dbiResourceId);
    if (record.readReplicaSource) this.forgetReplica(record.readReplicaSource, identifier);
    if (record.cluster) this.forgetMember(record.cluster.identifier, identifier);
    this.instanceOrder.invalidate();
    this.revision++;
  }

  private forgetReplica(source: string, replica: string): void {
    const replicas = this.replicasBySource.get(source);
    replicas?.delete(replica);
    if (replicas?.size === 0) this.replicasBySource.delete(source);
  }

  /** Identifiers of the instance's read replicas, sorted. */
  replicasOf(identifier: string): string[] {
    const replicas = this.replicasBySource.get(identifier);
    return replicas ? [...replicas].sort() : [];
  }

  sortedInstanceIds(): string[] {
    return this.instanceOrder.get();
  }

  putSnapshot(record: SnapshotRecord): void {
    const previous = this.snapshots.get(record.identifier);
    this.events.record(snapshotEvents(previous, record), this.eventTime());
    if (!previous) this.snapshotOrder.invalidate();
    this.snapshots.set(record.identifier, record);
    let ids = this.snapshotsByResource.get(record.dbiResourceId);
    if (!ids) {
      ids = new Set();
      this.snapshotsByResource.set(record.dbiResourceId, ids);
    }
    ids.add(record.identifier);
    this.revision++;
  }

  removeSnapshot(identifier: string): void {
    const record = this.snapshots.get(identifier);
    if (!record) return;
    this.events.record(snapshotEvents(record, undefined), this.eventTime());
    this.snapshots.delete(identifier);
    const ids = this.snapshotsByResource.get(record.dbiResourceId);
    ids?.delete(identifier);
    if (ids?.size === 0) this.snapshotsByResource.delete(record.dbiResourceId);
    this.snapshotOrder.invalidate();
    this.revision++;
  }

  sortedSnapshotIds(): string[] {
    return this.snapshotOrder.get();
  }

  snapshotsOfResource(dbiResourceId: string): SnapshotRecord[] {
    const ids = this.snapshotsByResource.get(dbiResourceId);
    return ids ? [...ids].map((id) => this.snapshots.get(id)!) : [];
  }

  automatedBackup(dbiResourceId: string): AutomatedBackupRecord | undefined {
    return this.automatedBackups.get(dbiResourceId);
  }

  automatedBackupById(backupId: string): AutomatedBackupRecord | undefined {
    const dbi = this.backupsById.get(backupId);
    return dbi === undefined ? undefined : this.automatedBackups.get(dbi);
  }

  putAutomatedBackup(record: AutomatedBackupRecord): void {
    this.automatedBackups.set(record.dbiResourceId, record);
    this.backupsById.set(record.backupId, record.dbiResourceId);
    this.revision++;
  }

  removeAutomatedBackup(dbiResourceId: string): void {
    const record = this.automatedBackups.get(dbiResourceId);
    if (!record) return;
    this.automatedBackups.delete(dbiResourceId);
    this.backupsById.delete(record.backupId);
    this.revision++;
  }

  putParameterGroup(record: ParameterGroupRecord): void {
    this.events.record(parameterGroupEvents(this.parameterGroups.get(record.name), record), this.eventTime());
    this.parameterGroups.set(record.name, record);
    this.revision++;
  }

  putSubnetGroup(record: SubnetGroupRecord): void {
    this.subnetGroups.set(record.name, record);
    this.revision++;
  }

  toDocument(): StateDocument {
    return {
      version: 1,
      vpcId: this.vpcId,
      defaultSecurityGroupId: this.defaultSecurityGroupId,
      nextTransitionId: this.nextTransition,
      instances: [...this.instances.values()],
      snapshots: [...this.snapshots.values()],
      automatedBackups: [...this.automatedBackups.values()],
      parameterGroups: [...this.parameterGroups.values()],
      subnetGroups: [...this.subnetGroups.values()],
      events: [...this.events.all()],
      clusters: [...this.clusters.values()],
      clusterSnapshots: [...this.clusterSnapshots.values()],
      clusterParameterGroups: [...this.clusterParameterGroups.values()],
    };
  }

  static fromDocument(doc: StateDocument): Store {
    const store = new Store(doc.vpcId, doc.defaultSecurityGroupId);
    store.nextTransition = doc.nextTransitionId;
    // Loading is no change: the saved events tell what happened.
    store.events.recording = false;
    for (const r of doc.instances) store.putInstance(r);
    for (const r of doc.snapshots) store.putSnapshot(r);
    for (const r of doc.automatedBackups) store.putAutomatedBackup(r);
    for (const r of doc.parameterGroups) store.putParameterGroup(r);
    for (const r of doc.subnetGroups) store.putSubnetGroup(r);
    for (const r of doc.clusters ?? []) store.putCluster(r);
    for (const r of doc.clusterSnapshots ?? []) store.putClusterSnapshot(r);
    for (const r of doc.clusterParameterGroups ?? []) store.putClusterParameterGroup(r);
    store.events.load(doc.events ?? []);
    store.events.recording = true;
    return store;
  }
}
