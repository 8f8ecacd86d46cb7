import { parseStep, pendingSteps, Step, Tag, type StepState, type StepTag, type Tags } from '../reconcile/tags.js';

/**
 * Step names as operators type them: the tag name RDS shows (PendingReboot) or a short alias
 * (reboot). Pure.
 */

export const STEP_ALIASES: Readonly<Record<StepTag, string>> = {
  [Step.delete]: 'delete',
  [Step.updateSettings]: 'update-settings',
  [Step.reboot]: 'reboot',
  [Step.resetMasterPassword]: 'reset-master-password',
  [Step.neutraliseUsers]: 'neutralise-users',
  [Step.extensions]: 'extensions',
  [Step.readReplicas]: 'read-replicas',
};

const ALL_STEPS = Object.keys(STEP_ALIASES) as StepTag[];

export function aliasOf(step: StepTag): string {
  return STEP_ALIASES[step];
}

/** The step a name means (tag name or alias, any letter case), or undefined. */
export function resolveStepName(name: string): StepTag | undefined {
  const wanted = name.trim().toLowerCase();
  return ALL_STEPS.find((step) => step.toLowerCase() === wanted || STEP_ALIASES[step] === wanted);
}

/** Every name `resolveStepName` accepts, for error messages and help. */
export function stepNameList(): string {
  return ALL_STEPS.map((step) => `${STEP_ALIASES[step]} (${step})`).join(', ');
}

/**
 * The pending steps in the order the broker will take them: a pending delete first (it preempts
 * every other step), then the operation's steps in their fixed order.
 */
export function allPendingSteps(tags: Tags): StepState[] {
  const deletion = parseStep(Step.delete, tags[Step.delete]);
  return [...(deletion ? [deletion] : []), ...pendingSteps(tags)];
}

/** Tags a skip removes along with the step's own: the same ones the broker removes when the step completes. */
export function tagsRemovedBySkip(step: StepTag, tags: Tags): string[] {
  const keys: string[] = step === Step.updateSettings ? [step, Tag.previousPlanId] : [step];
  return keys.filter((key) => tags[key] !== undefined);
}

/** What an operator accepts by skipping a step: printed with the skip, so nobody skips blind. */
export function skipConsequence(step: StepTag): string {
  switch (step) {
    case Step.delete:
      return 'the broker stops trying to delete the RDS instance; it stays, and keeps costing money, until deleted by hand or deprovisioned again';
    case Step.updateSettings:
      return "the plan's settings (class, storage, parameter group, backups) are not applied; the instance keeps what RDS shows now";
    case Step.reboot:
      return 'a parameter group change waiting for a reboot stays pending until the next reboot RDS or an operator makes';
    case Step.resetMasterPassword:
      return 'the master password is not reset to the one the broker derives; later steps that log in as the master user may fail';
    case Step.neutraliseUsers:
      return "the users that came with the restored data keep their access: credentials of the source database's bindings work on this instance";
    case Step.extensions:
      return 'the requested extensions are not created; applications that need them will fail until they exist';
    case Step.readReplicas:
      return 'the instance keeps the read replicas it has now, not the number its Read Replicas tag asks for; bindings offer those that exist';
  }
}
