import type { ObservedSnapshot } from '../aws/observe.js';
import type { BrokerDeps } from '../broker/deps.js';
import { replicaIdentifiersToObserve } from '../broker/replicas.js';
import { databaseTarget, newestSecret } from '../broker/deps.js';
import { databaseNameOf } from '../broker/database-errors.js';
import { recordAndReconcile } from '../broker/intent.js';
import { reconcileInstance } from '../broker/operate.js';
import { secretById } from '../naming/derive.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { hasPendingWork, phase } from '../reconcile/phase.js';
import { PENDING, Step, Tag } from '../reconcile/tags.js';
import type { HousekeepingJob } from './scheduler.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface SnapshotRetention {
  brokerName: string;
  retentionDays: number;
  finalSnapshotRetentionDays: number;
}

/**
 * Pure: which snapshots housekeeping deletes. Only this broker's (its name tag), only manual ones
 * older than their retention; a deleted instance's final snapshot (it carries "Deleted at") is kept
 * for its own, longer retention, counted from the deletion.
 */
export function snapshotsToDelete(snapshots: readonly ObservedSnapshot[], retention: SnapshotRetention, now: Date): ObservedSnapshot[] {
  return snapshots.filter((snapshot) => {
    if (snapshot.tags[Tag.brokerName] !== retention.brokerName) return false;
    if (snapshot.type !== 'manual' || snapshot.status !== 'available') return false;
    const deletedAt = snapshot.tags[Tag.deletedAt] ? new Date(snapshot.tags[Tag.deletedAt]!) : undefined;
    const isFinal = deletedAt !== undefined && !Number.isNaN(deletedAt.getTime());
    const since = isFinal ? deletedAt! : snapshot.createdAt;
    if (!since) return false;
    const days = isFinal ? retention.finalSnapshotRetentionDays : retention.retentionDays;
    return now.getTime() - since.getTime() > days * DAY_MS;
  });
}

export function ownedInstances(deps: BrokerDeps, instances: readonly ObservedInstance[]): ObservedInstance[] {
  return instances.filter((i) => i.tags[Tag.brokerName] === deps.config.broker.name && i.tags[Tag.instanceId] !== undefined);
}

export async function cleanUpSnapshots(deps: BrokerDeps, signal?: AbortSignal): Promise<string[]> {
  const snapshots = await deps.rds.listAllSnapshots('manual');
  const doomed = snapshotsToDelete(snapshots, { brokerName: deps.config.broker.name, ...deps.config.snapshots }, deps.now());
  const deleted: string[] = [];
  for (const snapshot of doomed) {
    if (signal?.aborted) break;
    await deps.rds.deleteSnapshot(snapshot.identifier);
    deleted.push(snapshot.identifier);
    deps.log.info({ snapshot: snapshot.identifier }, 'deleted a snapshot past its retention');
  }
  return deleted;
}

/**
 * Master credentials that no longer log in (changed by hand in the console), or derived from an
 * older secret, are due for a reset to the newest derived password. Housekeeping only finds them and
 * records the reset step (PendingResetMasterPassword); the same reconcile pass a poll runs decides
 * and performs it, and the requeue finishes it. Instances with an operation under way are left to it.
 */
export async function checkMasterCredentials(deps: BrokerDeps, signal?: AbortSignal): Promise<string[]> {
  const repaired: string[] = [];
  const instances = ownedInstances(deps, await deps.rds.listInstances());
  for (const observed of instances) {
    if (signal?.aborted) break;
    if (phase(observed) !== 'idle' || !observed.endpoint) continue;
    const instanceId = observed.tags[Tag.instanceId]!;
    const reason = await credentialProblem(deps, observed, instanceId);
    if (!reason) continue;
    // A refusal leaves the step recorded: the next pass tries again.
    await recordAndReconcile(deps, observed, instanceId, { [Step.resetMasterPassword]: PENDING }, () => false);
    repaired.push(instanceId);
    deps.log.warn({ instanceId, reason }, 'reset the master password');
  }
  return repaired;
}

/** Why the master credentials need a reset, or undefined when they log in with the newest secret. */
async function credentialProblem(deps: BrokerDeps, observed: ObservedInstance, instanceId: string): Promise<string | undefined> {
  const recorded = secretById(deps.config.broker.derivationSecrets, observed.tags[Tag.masterSecretId]);
  if (!recorded) return 'master password does not log in';
  const target = databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed), recorded);
  const works = await deps.sql.canLogin(target, target.masterUsername, target.masterPassword).catch(() => false);
  if (!works) return 'master password does not log in';
  return recorded.id === newestSecret(deps).id ? undefined : 'older derivation secret';
}

/** Runs the poll's own reconcile for every instance with work pending, so nothing waits for a platform's poll. */
export async function resyncPendingSteps(
  deps: BrokerDeps,
  signal?: AbortSignal,
): Promise<Array<{ instanceId: string; state: string; description: string }>> {
  const results: Array<{ instanceId: string; state: string; description: string }> = [];
  const listed = await deps.rds.listInstances();
  const instances = ownedInstances(deps, listed);
  for (const listedInstance of instances) {
    if (signal?.aborted) break;
    if (!hasPendingWork(listedInstance)) continue;
    // The list holds every instance: the replicas the pass needs come from it, no further read.
    const members = replicaIdentifiersToObserve(listedInstance);
    const observed = members.length
      ? { ...listedInstance, replicas: listed.filter((i) => members.some((id) => id.toLowerCase() === i.identifier.toLowerCase())) }
      : listedInstance;
    const instanceId = observed.tags[Tag.instanceId]!;
    try {
      const decision = await reconcileInstance(deps, observed, instanceId);
      results.push({ instanceId, state: decision.state, description: decision.description });
    } catch (error) {
      deps.log.warn({ instanceId, err: (error as Error).message }, 'resync of an instance failed; it is retried on the next run');
    }
  }
  return results;
}

export function housekeepingJobs(deps: BrokerDeps): HousekeepingJob[] {
  const schedules = deps.config.housekeeping;
  return [
    { name: 'snapshot-cleanup', schedule: schedules.snapshotCleanup, run: async (signal) => void (await cleanUpSnapshots(deps, signal)) },
    {
      name: 'credential-check',
      schedule: schedules.credentialCheck,
      run: async (signal) => void (await checkMasterCredentials(deps, signal)),
    },
    { name: 'resync', schedule: schedules.resync, run: async (signal) => void (await resyncPendingSteps(deps, signal)) },
  ];
}
