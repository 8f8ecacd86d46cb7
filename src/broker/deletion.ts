import type { DeleteOptions } from '../aws/gateway.js';
import { snapshotIdentifier } from '../naming/derive.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import { statusPhase } from '../reconcile/phase.js';
import { Tag } from '../reconcile/tags.js';

/**
 * Pure: how an instance is deleted. A final snapshot unless the instance opted out — except for an
 * instance RDS reports failed, which cannot be snapshotted (RDS refuses the delete otherwise); its
 * retained automated backups, unless opted out too, still allow a point-in-time recovery.
 */
export function deleteOptions(observed: ObservedInstance, now: Date): DeleteOptions {
  const optedOut = observed.tags[Tag.skipFinalSnapshot] === 'true';
  const cannotSnapshot = statusPhase(observed.status) === 'failed';
  const stamp = now
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  return {
    skipFinalSnapshot: optedOut || cannotSnapshot,
    ...(optedOut || cannotSnapshot ? {} : { finalSnapshotIdentifier: snapshotIdentifier(observed.identifier, `final-${stamp}`) }),
    deleteAutomatedBackups: observed.tags[Tag.deleteAutomatedBackups] === 'true',
  };
}
