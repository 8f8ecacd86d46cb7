import { Step, Tag, type StepTag, type Tags } from './tags.js';

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
