import { Step, Tag, type StepTag, type Tags } from './tags.js';

/**
 * When a platform should poll again, from how long RDS usually spends in a status. Platforms that
 * honour Retry-After (Cloud Foundry waits the longer of this and its own interval) poll less, and
 * the broker's RDS budget goes further.
 */
const EXPECTED_SECONDS: Record<string, number> = {
  creating: 60,
  'backing-up': 30,
  modifying: 30,
  rebooting: 20,
  'resetting-master-credentials': 15,
  deleting: 60,
  upgrading: 120,
  'configuring-enhanced-monitoring': 30,
  maintenance: 60,
  starting: 30,
  renaming: 20,
  'storage-optimization': 60,
};

export function retryAfterFor(status: string): number {
  return EXPECTED_SECONDS[status] ?? 30;
}

/** What RDS is doing, in the words a platform user reads in `cf service`. */
export function statusDescription(status: string, tags: Tags, nextStep: StepTag | undefined): string {
  if (status === 'creating') {
    if (tags[Tag.restoredFromSnapshot]) return `restoring from snapshot ${tags[Tag.restoredFromSnapshot]}`;
    if (tags[Tag.restoredFromPointInTime]) return `restoring to ${tags[Tag.restoredFromPointInTime]}`;
    return 'creating the RDS instance';
  }
  if (status === 'rebooting' && nextStep === Step.reboot) return 'rebooting';
  if (status === 'resetting-master-credentials') return 'resetting the master password';
  if (status === 'modifying' && nextStep === Step.updateSettings) return 'applying settings';
  return `RDS status: ${status}`;
}
