import {
  AddTagsToResourceCommand,
  CreateDBParameterGroupCommand,
  ModifyDBParameterGroupCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeCertificatesCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstanceAutomatedBackupsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBSnapshotsCommand,
  DescribeDBSubnetGroupsCommand,
  DescribeEventsCommand,
  DescribeOrderableDBInstanceOptionsCommand,
  ModifyDBInstanceCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RemoveTagsFromResourceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type Certificate,
  type CreateDBInstanceCommandInput,
  type CreateDBInstanceReadReplicaCommandInput,
  type DBInstance,
  type DBInstanceAutomatedBackup,
  type DBEngineVersion,
  type DBParameterGroup,
  type DBSubnetGroup,
  type Event,
  type OrderableDBInstanceOption,
  type ModifyDBInstanceCommandInput,
  type RestoreDBInstanceFromDBSnapshotCommandInput,
  type RestoreDBInstanceToPointInTimeCommandInput,
} from '@aws-sdk/client-rds';
import type { ObservedInstance } from '../reconcile/observed.js';
import { currentBudgetContext, RequestBudget, type BudgetObserver, type BudgetSettings } from './budget.js';
import { Coalescer } from './coalesce.js';
import { GroupReader } from './group-read.js';
import { RdsError } from './errors.js';
import { observeInstance, observeSnapshot, recordToTags, type ObservedSnapshot } from './observe.js';
import { withRetry, type RetryPolicy } from './retry.js';

export interface RdsGatewayOptions {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  retry: RetryPolicy;
  coalesce: { enabled: boolean; windowMs: number; maxIdentifiers: number };
  /** The client-side request budget every call takes a token from (src/aws/budget.ts); none: unpaced. */
  budget?: BudgetSettings;
  budgetObserver?: BudgetObserver;
  /** Called once per HTTP call made to RDS (retries included), for metrics; a failed call carries RDS's error code. */
  onCall?: (action: string, outcome: 'ok' | 'throttled' | 'error', seconds: number, code?: string) => void;
}

/** Actions that change nothing in RDS. */
const READ_ONLY = /^(Describe|List)/;

/** The Marker field of a page request, when there is one. */
const markerOf = (marker: string | undefined) => (marker ? { Marker: marker } : {});

export interface DeleteOptions {
  skipFinalSnapshot: boolean;
  finalSnapshotIdentifier?: string;
  deleteAutomatedBackups: boolean;
}

/**
 * The only module that talks to RDS. Every call goes through one retry policy and one error
 * classification; reads of single instances are coalesced into batched describes.
 */
export class RdsGateway {
  private readonly client: RDSClient;
  readonly budget: RequestBudget | undefined;
  private readonly coalescer: Coalescer<string, DBInstance> | undefined;
  private readonly groups = new GroupReader((ids) => this.describeInstances(ids));
  private lastSuccess = 0;

  constructor(private readonly options: RdsGatewayOptions) {
    this.client = new RDSClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
      // Retries are ours (withRetry), bounded in count and time; the SDK's own would multiply them.
      maxAttempts: 1,
    });
    if (options.budget) this.budget = new RequestBudget(options.budget, undefined, options.budgetObserver);
    if (options.coalesce.enabled) {
      this.coalescer = new Coalescer((ids) => this.describeBatch(ids), options.coalesce.windowMs, options.coalesce.maxIdentifiers);
    }
  }

  /** Milliseconds since RDS last answered successfully (Infinity if never). */
  sinceLastSuccess(): number {
    return this.lastSuccess === 0 ? Infinity : Date.now() - this.lastSuccess;
  }

  private async send<T>(action: string, call: () => Promise<T>): Promise<T> {
    const budgetContext = currentBudgetContext();
    const budget = this.budget;
    const paced = budget
      ? async () => {
          await budget.take(budgetContext.priority, budgetContext.committed, budgetContext.startedAt);
          return call();
        }
      : call;
    try {
      const result = await withRetry(action, this.options.retry, paced, (outcome, seconds, code) => {
        if (outcome === 'throttled') budget?.onThrottled();
        this.options.onCall?.(action, outcome, seconds, code);
      });
      this.lastSuccess = Date.now();
      // Once an operation has changed something in RDS, its remaining calls wait for budget however
      // long it takes: refusing them would leave half of it (a created instance without its tags).
      if (!READ_ONLY.test(action)) budgetContext.committed = true;
      return result;
    } catch (error) {
      // A refusal is still an answer: RDS is reachable and the credentials work.
      if (error instanceof RdsError && !error.retryable) this.lastSuccess = Date.now();
      throw error;
    }
  }

  /** Every page of a Describe* call: `call(marker)` sends one page (one RDS call, retried as any), `items` picks its entries. */
  private async allPages<P extends { Marker?: string | undefined }, T>(
    action: string,
    call: (marker: string | undefined) => Promise<P>,
    items: (page: P) => T[] | undefined,
  ): Promise<T[]> {
    const out: T[] = [];
    let marker: string | undefined;
    do {
      const current = marker;
      const page = await this.send(action, () => call(current));
      out.push(...(items(page) ?? []));
      marker = page.Marker;
    } while (marker);
    return out;
  }

  private async describeBatch(identifiers: string[]): Promise<Map<string, DBInstance>> {
    const found = new Map<string, DBInstance>();
    const instances = await this.allPages(
      'DescribeDBInstances',
      (marker) =>
        this.client.send(
          new DescribeDBInstancesCommand({
            Filters: [{ Name: 'db-instance-id', Values: identifiers }],
            MaxRecords: 100,
            ...markerOf(marker),
          }),
        ),
      (page) => page.DBInstances,
    );
    for (const instance of instances) if (instance.DBInstanceIdentifier) found.set(instance.DBInstanceIdentifier.toLowerCase(), instance);
    return found;
  }

  /** One instance with its tags (TagList), or undefined when RDS does not know it. */
  async describeInstance(identifier: string): Promise<ObservedInstance | undefined> {
    if (this.coalescer) {
      // RDS identifiers are case-insensitive and answered in lowercase: the batch is keyed so, as a
      // single describe would find "Local-Abc" too.
      const instance = await this.coalescer.get(identifier.toLowerCase());
      return instance ? observeInstance(instance) : undefined;
    }
    try {
      const page = await this.send('DescribeDBInstances', () =>
        this.client.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })),
      );
      const instance = page.DBInstances?.[0];
      return instance ? observeInstance(instance) : undefined;
    } catch (error) {
      if (error instanceof RdsError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }

  /**
   * Several instances in one read (the coalesced batch, or one filtered describe), keyed by
   * lowercase identifier; those RDS does not know are absent.
   */
  async describeInstances(identifiers: string[]): Promise<Map<string, ObservedInstance>> {
    const keys = [...new Set(identifiers.map((id) => id.toLowerCase()))];
    const out = new Map<string, ObservedInstance>();
    if (this.coalescer) {
      // Asked for in the same turn, so they share one batch.
      const found = await Promise.all(keys.map((key) => this.coalescer!.get(key)));
      keys.forEach((key, i) => {
        const instance = found[i];
        if (instance) out.set(key, observeInstance(instance));
      });
      return out;
    }
    for (let i = 0; i < keys.length; i += 100)
      for (const [key, instance] of await this.describeBatch(keys.slice(i, i + 100))) out.set(key, observeInstance(instance));
    return out;
  }

  /**
   * An instance with the members of its group (read replicas) that `membersOf` says the caller
   * needs, in `replicas`; one read while the members needed stay the same (src/aws/group-read.ts).
   */
  async describeGroup(identifier: string, membersOf: (primary: ObservedInstance) => string[]): Promise<ObservedInstance | undefined> {
    return this.groups.read(identifier, membersOf);
  }

  /** Tells the group reader which members the next read of `identifier` will need. */
  expectMembers(identifier: string, members: string[]): void {
    this.groups.remember(identifier, members);
  }

  /** Every instance in the account and region, page by page (100 a call). */
  async listInstances(): Promise<ObservedInstance[]> {
    const out: ObservedInstance[] = await this.allPages(
      'DescribeDBInstances',
      (marker) => this.client.send(new DescribeDBInstancesCommand({ MaxRecords: 100, ...markerOf(marker) })),
      (page) => (page.DBInstances ?? []).map(observeInstance),
    );
    return out;
  }

  async createInstance(input: CreateDBInstanceCommandInput): Promise<ObservedInstance> {
    const result = await this.send('CreateDBInstance', () => this.client.send(new CreateDBInstanceCommand(input)));
    return observeInstance(result.DBInstance ?? {});
  }

  async createReadReplica(input: CreateDBInstanceReadReplicaCommandInput): Promise<void> {
    await this.send('CreateDBInstanceReadReplica', () => this.client.send(new CreateDBInstanceReadReplicaCommand(input)));
  }

  async restoreFromSnapshot(input: RestoreDBInstanceFromDBSnapshotCommandInput): Promise<ObservedInstance> {
    const result = await this.send('RestoreDBInstanceFromDBSnapshot', () =>
      this.client.send(new RestoreDBInstanceFromDBSnapshotCommand(input)),
    );
    return observeInstance(result.DBInstance ?? {});
  }

  async restoreToPointInTime(input: RestoreDBInstanceToPointInTimeCommandInput): Promise<ObservedInstance> {
    const result = await this.send('RestoreDBInstanceToPointInTime', () =>
      this.client.send(new RestoreDBInstanceToPointInTimeCommand(input)),
    );
    return observeInstance(result.DBInstance ?? {});
  }

  async modifyInstance(input: ModifyDBInstanceCommandInput): Promise<void> {
    await this.send('ModifyDBInstance', () => this.client.send(new ModifyDBInstanceCommand(input)));
  }

  async rebootInstance(identifier: string, forceFailover = false): Promise<void> {
    await this.send('RebootDBInstance', () =>
      this.client.send(
        new RebootDBInstanceCommand({ DBInstanceIdentifier: identifier, ...(forceFailover ? { ForceFailover: true } : {}) }),
      ),
    );
  }

  async deleteInstance(identifier: string, options: DeleteOptions): Promise<void> {
    await this.send('DeleteDBInstance', () =>
      this.client.send(
        new DeleteDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          SkipFinalSnapshot: options.skipFinalSnapshot,
          ...(options.skipFinalSnapshot ? {} : { FinalDBSnapshotIdentifier: options.finalSnapshotIdentifier }),
          DeleteAutomatedBackups: options.deleteAutomatedBackups,
        }),
      ),
    );
  }

  async addTags(arn: string, tags: Record<string, string>): Promise<void> {
    if (Object.keys(tags).length === 0) return;
    await this.send('AddTagsToResource', () =>
      this.client.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: recordToTags(tags) })),
    );
  }

  async removeTags(arn: string, keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.send('RemoveTagsFromResource', () =>
      this.client.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: keys })),
    );
  }

  /** Snapshots of one instance identifier (the instance may be gone), newest first, with tags. */
  async listSnapshots(instanceIdentifier: string, snapshotType?: 'manual' | 'automated'): Promise<ObservedSnapshot[]> {
    const out: ObservedSnapshot[] = await this.allPages(
      'DescribeDBSnapshots',
      (marker) =>
        this.client.send(
          new DescribeDBSnapshotsCommand({
            DBInstanceIdentifier: instanceIdentifier,
            MaxRecords: 100,
            ...(snapshotType ? { SnapshotType: snapshotType } : {}),
            ...markerOf(marker),
          }),
        ),
      (page) => (page.DBSnapshots ?? []).map(observeSnapshot),
    );
    return out.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  }

  /** Every manual snapshot in the account, for housekeeping. */
  async listAllSnapshots(snapshotType: 'manual' | 'automated' = 'manual'): Promise<ObservedSnapshot[]> {
    const out: ObservedSnapshot[] = await this.allPages(
      'DescribeDBSnapshots',
      (marker) => this.client.send(new DescribeDBSnapshotsCommand({ SnapshotType: snapshotType, MaxRecords: 100, ...markerOf(marker) })),
      (page) => (page.DBSnapshots ?? []).map(observeSnapshot),
    );
    return out;
  }

  async createSnapshot(instanceIdentifier: string, snapshotIdentifier: string, tags: Record<string, string>): Promise<ObservedSnapshot> {
    const result = await this.send('CreateDBSnapshot', () =>
      this.client.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: instanceIdentifier,
          DBSnapshotIdentifier: snapshotIdentifier,
          Tags: recordToTags(tags),
        }),
      ),
    );
    return observeSnapshot(result.DBSnapshot ?? {});
  }

  async deleteSnapshot(snapshotIdentifier: string): Promise<void> {
    await this.send('DeleteDBSnapshot', () => this.client.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshotIdentifier })));
  }

  /** Automated backups, retained ones of deleted instances included, of one instance identifier. */
  async listAutomatedBackups(instanceIdentifier: string): Promise<DBInstanceAutomatedBackup[]> {
    try {
      const out: DBInstanceAutomatedBackup[] = await this.allPages(
        'DescribeDBInstanceAutomatedBackups',
        (marker) =>
          this.client.send(
            new DescribeDBInstanceAutomatedBackupsCommand({
              DBInstanceIdentifier: instanceIdentifier,
              ...markerOf(marker),
            }),
          ),
        (page) => page.DBInstanceAutomatedBackups,
      );
      return out;
    } catch (error) {
      if (error instanceof RdsError && error.kind === 'not-found') return [];
      throw error;
    }
  }

  async describeEngineVersions(engine: string, engineVersion?: string): Promise<DBEngineVersion[]> {
    const out: DBEngineVersion[] = await this.allPages(
      'DescribeDBEngineVersions',
      (marker) =>
        this.client.send(
          new DescribeDBEngineVersionsCommand({
            Engine: engine,
            ...(engineVersion ? { EngineVersion: engineVersion } : {}),
            ...markerOf(marker),
          }),
        ),
      (page) => page.DBEngineVersions,
    );
    return out;
  }

  /**
   * The (class, storage type) options RDS offers for an engine version, optionally for one class only:
   * an empty answer for a class means RDS would refuse to create an instance of it.
   */
  async describeOrderableOptions(engine: string, engineVersion?: string, instanceClass?: string): Promise<OrderableDBInstanceOption[]> {
    const out: OrderableDBInstanceOption[] = await this.allPages(
      'DescribeOrderableDBInstanceOptions',
      (marker) =>
        this.client.send(
          new DescribeOrderableDBInstanceOptionsCommand({
            Engine: engine,
            ...(engineVersion ? { EngineVersion: engineVersion } : {}),
            ...(instanceClass ? { DBInstanceClass: instanceClass } : {}),
            MaxRecords: 1000,
            ...markerOf(marker),
          }),
        ),
      (page) => page.OrderableDBInstanceOptions,
    );
    return out;
  }

  /**
   * The certificate authorities RDS offers this account (no PEM: identifier, thumbprint, validity),
   * and the one new instances get when they name none (operator checks).
   */
  async describeCertificates(): Promise<{ certificates: Certificate[]; defaultForNewLaunches?: string }> {
    let defaultForNewLaunches: string | undefined;
    const certificates: Certificate[] = await this.allPages(
      'DescribeCertificates',
      (marker) => this.client.send(new DescribeCertificatesCommand({ MaxRecords: 100, ...markerOf(marker) })),
      (page) => {
        defaultForNewLaunches ??= page.DefaultCertificateForNewLaunches;
        return page.Certificates;
      },
    );
    return { certificates, ...(defaultForNewLaunches ? { defaultForNewLaunches } : {}) };
  }

  close(): void {
    this.coalescer?.close();
    this.budget?.close();
    this.client.destroy();
  }

  /** One DB parameter group by name, or undefined when RDS has none (operator checks). */
  async describeParameterGroup(name: string): Promise<DBParameterGroup | undefined> {
    return this.describeOne(
      'DescribeDBParameterGroups',
      async () => (await this.client.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: name }))).DBParameterGroups?.[0],
    );
  }

  /** One DB subnet group by name, or undefined when RDS has none (operator checks). */
  async describeSubnetGroup(name: string): Promise<DBSubnetGroup | undefined> {
    return this.describeOne(
      'DescribeDBSubnetGroups',
      async () => (await this.client.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: name }))).DBSubnetGroups?.[0],
    );
  }

  /** Tagged on creation: a policy that lets the broker change only its own groups needs the tag there from the start. */
  async createParameterGroup(name: string, family: string, description: string, tags: Record<string, string>): Promise<void> {
    await this.send('CreateDBParameterGroup', () =>
      this.client.send(
        new CreateDBParameterGroupCommand({
          DBParameterGroupName: name,
          DBParameterGroupFamily: family,
          Description: description,
          Tags: recordToTags(tags),
        }),
      ),
    );
  }

  async setParameters(group: string, values: Record<string, string>, applyMethod: 'immediate' | 'pending-reboot'): Promise<void> {
    await this.send('ModifyDBParameterGroup', () =>
      this.client.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: group,
          Parameters: Object.entries(values).map(([ParameterName, ParameterValue]) => ({
            ParameterName,
            ParameterValue,
            ApplyMethod: applyMethod,
          })),
        }),
      ),
    );
  }

  /** An instance's events of the last `minutes` (at most RDS's 14 days), oldest first, every page. */
  async describeEvents(instanceIdentifier: string, minutes: number): Promise<Event[]> {
    const out: Event[] = await this.allPages(
      'DescribeEvents',
      (marker) =>
        this.client.send(
          new DescribeEventsCommand({
            SourceType: 'db-instance',
            SourceIdentifier: instanceIdentifier,
            Duration: Math.min(Math.max(1, Math.round(minutes)), 20160),
            MaxRecords: 100,
            ...markerOf(marker),
          }),
        ),
      (page) => page.Events,
    );
    return out;
  }

  private async describeOne<T>(action: string, call: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await this.send(action, call);
    } catch (error) {
      if (error instanceof RdsError && error.kind === 'not-found') return undefined;
      throw error;
    }
  }
}
