import type { ObservedInstance } from './observed.js';
import { decideDeletion } from './deletion.js';
import { statusPhase } from './phase.js';
import { isEmptyChange, matchesPlanShape, settingsDiff, type DesiredSettings, type SettingsChange } from './settings.js';
import { parseStep, pendingSteps, Step, Tag, type OperationKind, type StepTag } from './tags.js';
import { statusDescription } from './describe.js';
import { RetryAfter } from './retry-after.js';
import { decideReplicaStep } from './replicas.js';

/**
 * The heart of the broker: a pure function from what RDS shows now to what to do next.
 * Level-based, after controller-runtime's Reconcile: it never trusts what an earlier request did,
 * only the observation, and returns at most one action. No I/O, no clock (now is passed in).
 */

export type Action =
  /** Remove the step's tag: its effect is visible in RDS (synchronous). */
  | { kind: 'complete-step'; step: StepTag }
  /**
   * ModifyDBInstance with the changes (asynchronous). Scheduled for the maintenance window
   * (applyImmediately false), RDS holds them as pending modified values and the step is done.
   */
  | { kind: 'modify-settings'; step: StepTag; change: SettingsChange; applyImmediately: boolean }
  /** RebootDBInstance: for a parameter group waiting for it, or because an update asked (`requested`: done once issued). */
  | { kind: 'reboot'; step: StepTag; forceFailover: boolean; requested: boolean }
  | { kind: 'reset-master-password'; step: StepTag }
  /** Log in with the derived master password, to learn whether the reset has taken (synchronous). */
  | { kind: 'probe-master-login'; step: StepTag }
  /** Drop the binding users that came with the restored data (synchronous, SQL). */
  | { kind: 'neutralise-users'; step: StepTag }
  | { kind: 'ensure-extensions'; step: StepTag }
  /** ModifyDBInstance DeletionProtection=false, a precondition of the delete (takes effect at once). */
  | { kind: 'lift-deletion-protection'; step: StepTag; resource: string }
  /** DeleteDBInstance of `resource` (asynchronous). */
  | { kind: 'delete'; step: StepTag; resource: string }
  /** A plan change RDS did not carry out: put the plan tag back to the previous plan (synchronous). */
  | { kind: 'rollback-plan'; step: StepTag }
  /** CreateDBInstanceReadReplica of `resource` from the primary (asynchronous). */
  | { kind: 'create-replica'; step: StepTag; resource: string; instanceClass: string }
  /** DeleteDBInstance of the read replica `resource`, without a final snapshot (asynchronous). */
  | { kind: 'delete-replica'; step: StepTag; resource: string };

export const ASYNC_ACTIONS: ReadonlySet<Action['kind']> = new Set([
  'modify-settings',
  'reboot',
  'reset-master-password',
  'delete',
  'create-replica',
  'delete-replica',
]);

export type OperationState = 'in progress' | 'succeeded' | 'failed' | 'gone';

export interface Decision {
  state: OperationState;
  description: string;
  retryAfterSeconds?: number;
  action?: Action;
}

export interface ReconcileInput {
  /** Undefined when RDS no longer knows the instance. */
  observed: ObservedInstance | undefined;
  /** Settings of the plan in the plan tag, with the user's recorded parameters. */
  desired?: DesiredSettings;
  /** Settings of the plan in the previous-plan tag, during a plan change. */
  previousDesired?: DesiredSettings;
  /** The operation the platform is polling, when it said. */
  operation?: OperationKind;
  /** Results of synchronous probes made during this poll. */
  facts: { masterLogin?: 'ok' | 'refused' };
  /** How long a just-issued asynchronous change may stay invisible before it is issued again. */
  settleSeconds: number;
  /** Instance class of the read replicas of the plan in the plan tag. */
  replicaInstanceClass?: string;
  /** Derived identifiers of the replicas the Read Replicas tag asks for (naming/derive.ts). */
  replicaSlots?: readonly string[];
}

const inProgress = (description: string, retryAfterSeconds: number, action?: Action): Decision => ({
  state: 'in progress',
  description,
  retryAfterSeconds,
  ...(action ? { action } : {}),
});

function settled(startedAt: Date | undefined, now: Date, settleSeconds: number): boolean {
  return startedAt === undefined || now.getTime() - startedAt.getTime() >= settleSeconds * 1000;
}

export function reconcile(input: ReconcileInput, now: Date): Decision {
  const { observed } = input;
  if (!observed) {
    return input.operation === 'deprovision'
      ? { state: 'gone', description: 'the instance has been deleted' }
      : { state: 'failed', description: 'the RDS instance no longer exists: it was deleted outside the broker; ask an operator' };
  }
  const status = observed.status;
  const statusClass = statusPhase(status);

  const pendingDelete = parseStep(Step.delete, observed.tags[Step.delete]);
  if (pendingDelete) return decideDeletion(observed, pendingDelete, now, input.settleSeconds);
  if (input.operation === 'deprovision') {
    // Only an accepted deprovision (its tag) deletes. A poll that merely names "deprovision" — stale,
    // mistaken or hostile — must never delete a database, nor report a deletion that is not happening.
    if (statusClass === 'deleting') return inProgress('deleting the RDS instance', RetryAfter.forStatus('deleting'));
    return {
      state: 'failed',
      description:
        'no deprovision of this instance is under way: the instance exists and no deletion was requested; send the deprovision request again',
    };
  }

  if (status === 'storage-full') {
    const growth = storageGrowth(input, now);
    if (growth) return growth;
  }
  if (statusClass === 'failed') {
    return { state: 'failed', description: `RDS reports the instance as ${status}; ask an operator` };
  }
  if (statusClass === 'deleting') {
    return { state: 'failed', description: 'the RDS instance is being deleted outside the broker' };
  }
  const steps = pendingSteps(observed.tags);
  if (statusClass === 'busy') {
    return inProgress(statusDescription(status, observed.tags, steps[0]?.step), RetryAfter.forStatus(status));
  }
  if (observed.pendingModifications.length > 0) {
    return inProgress(`RDS is applying: ${observed.pendingModifications.join(', ')}`, RetryAfter.forStatus('modifying'));
  }
  const current = steps[0];
  if (!current) return { state: 'succeeded', description: succeededDescription(input.operation) };

  const isSettled = settled(current.startedAt, now, input.settleSeconds);
  switch (current.step) {
    case Step.updateSettings: {
      if (!input.desired) return { state: 'failed', description: `the plan in tag "${Tag.planId}" is not in the catalog; ask an operator` };
      const change = settingsDiff(observed, input.desired);
      if (isEmptyChange(change))
        return inProgress('applying settings', RetryAfter.nextStepNow, { kind: 'complete-step', step: current.step });
      if (current.request === 'maintenance-window') {
        // Handed to RDS for its maintenance window: nothing to wait for here.
        return inProgress('scheduling settings for the maintenance window', RetryAfter.nextStepNow, {
          kind: 'modify-settings',
          step: current.step,
          change,
          applyImmediately: false,
        });
      }
      if (!isSettled) return inProgress('applying settings', RetryAfter.forStatus('modifying'));
      if (current.startedAt && input.previousDesired) {
        // A plan change RDS accepted but did not carry out.
        if (matchesPlanShape(observed, input.previousDesired)) {
          return {
            state: 'failed',
            description: 'RDS did not apply the plan change; the instance stays on its previous plan',
            action: { kind: 'rollback-plan', step: current.step },
          };
        }
        return {
          state: 'failed',
          description: 'the instance matches neither the previous nor the requested plan after the plan change; ask an operator',
        };
      }
      return inProgress('applying settings', RetryAfter.forStatus('modifying'), {
        kind: 'modify-settings',
        step: current.step,
        change,
        applyImmediately: true,
      });
    }
    case Step.reboot: {
      if (current.request === 'reboot' || current.request === 'failover') {
        // Asked for by an update: one reboot, however the parameter group stands.
        return inProgress('rebooting', RetryAfter.forStatus('rebooting'), {
          kind: 'reboot',
          step: current.step,
          forceFailover: current.request === 'failover' && observed.multiAz,
          requested: true,
        });
      }
      const applyStatus = observed.parameterGroups[0]?.applyStatus;
      if (applyStatus === 'applying') return inProgress('applying the parameter group', RetryAfter.forStatus('modifying'));
      if (applyStatus !== 'pending-reboot')
        return inProgress('rebooting', RetryAfter.nextStepNow, { kind: 'complete-step', step: current.step });
      if (!isSettled) return inProgress('rebooting', RetryAfter.forStatus('rebooting'));
      return inProgress('rebooting', RetryAfter.forStatus('rebooting'), {
        kind: 'reboot',
        step: current.step,
        forceFailover: false,
        requested: false,
      });
    }
    case Step.resetMasterPassword: {
      const login = input.facts.masterLogin;
      if (login === 'ok')
        return inProgress('resetting the master password', RetryAfter.nextStepNow, { kind: 'complete-step', step: current.step });
      if (login === undefined)
        return inProgress('resetting the master password', RetryAfter.nextStepNow, { kind: 'probe-master-login', step: current.step });
      if (!isSettled) return inProgress('resetting the master password', RetryAfter.forStatus('resetting-master-credentials'));
      return inProgress('resetting the master password', RetryAfter.forStatus('resetting-master-credentials'), {
        kind: 'reset-master-password',
        step: current.step,
      });
    }
    case Step.neutraliseUsers:
      return inProgress("removing the source database's credentials", RetryAfter.nextStepNow, {
        kind: 'neutralise-users',
        step: current.step,
      });
    case Step.extensions:
      return inProgress('creating extensions', RetryAfter.nextStepNow, { kind: 'ensure-extensions', step: current.step });
    case Step.readReplicas:
      return decideReplicaStep(observed, input.replicaSlots ?? [], input.replicaInstanceClass);
    default:
      return inProgress(`pending step ${current.step}`, RetryAfter.unknownStep);
  }
}

/**
 * On a storage-full instance RDS takes one change: more storage. An update that asked for it (its
 * settings step pending, the change nothing but storage growth) goes ahead; anything else stays
 * failed, for an operator.
 */
function storageGrowth(input: ReconcileInput, now: Date): Decision | undefined {
  const observed = input.observed!;
  const current = pendingSteps(observed.tags)[0];
  if (current?.step !== Step.updateSettings || !input.desired) return undefined;
  const change = settingsDiff(observed, input.desired);
  const onlyStorage = Object.keys(change).every((field) => field === 'AllocatedStorage' || field === 'MaxAllocatedStorage');
  if (change.AllocatedStorage === undefined || !onlyStorage) return undefined;
  const description = `increasing the allocated storage to ${change.AllocatedStorage} GiB (RDS reports the instance storage-full)`;
  if (!settled(current.startedAt, now, input.settleSeconds)) return inProgress(description, RetryAfter.forStatus('modifying'));
  return inProgress(description, RetryAfter.forStatus('modifying'), {
    kind: 'modify-settings',
    step: current.step,
    change,
    applyImmediately: true,
  });
}

function succeededDescription(operation: OperationKind | undefined): string {
  switch (operation) {
    case 'restore':
      return 'restored and ready';
    case 'update':
    case 'upgrade':
      return 'updated';
    default:
      return 'ready';
  }
}
