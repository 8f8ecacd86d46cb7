import { masterPassword } from '../naming/derive.js';
import type { ObservedInstance } from '../reconcile/observed.js';
import type { Action, ReconcileInput } from '../reconcile/reconcile.js';
import { startedValue, Step, Tag } from '../reconcile/tags.js';
import { SqlError } from '../sql/errors.js';
import { databaseNameOf } from './database-errors.js';
import { deleteOptions } from './deletion.js';
import { databaseTarget, newestSecret, type BrokerDeps } from './deps.js';
import { decodeExtensions } from './extensions.js';
import { failpoint } from './failpoints.js';
import { replicaTags } from './replicas.js';
import { RdsError } from '../aws/errors.js';
import { recordToTags } from '../aws/observe.js';

/**
 * The performer: the one module that carries out what reconcile decided, through the AWS gateway
 * or the SQL gateway. It decides nothing — every "whether" and "which" was settled by reconcile —
 * and it is the only caller of the gateway's modifyInstance, rebootInstance and deleteInstance
 * outside aws/ (a test holds it to that). A new step's action is one more case here.
 *
 * Each case returns the observation updated with the action's known effect, so that after a
 * synchronous action the pass can decide again without reading RDS.
 */

function withoutTag(observed: ObservedInstance, ...keys: string[]): ObservedInstance {
  const tags = { ...observed.tags };
  for (const key of keys) delete tags[key];
  return { ...observed, tags };
}

export async function perform(
  deps: BrokerDeps,
  observed: ObservedInstance,
  instanceId: string,
  action: Action,
  facts: ReconcileInput['facts'],
): Promise<ObservedInstance> {
  const { rds, sql } = deps;
  const started = { [action.step]: startedValue(deps.now()) };
  switch (action.kind) {
    case 'complete-step': {
      const keys = action.step === Step.updateSettings ? [action.step, Tag.previousPlanId] : [action.step];
      const present = keys.filter((k) => observed.tags[k] !== undefined);
      failpoint(`before:complete-step:${action.step}`);
      // The master password logs in with the newest secret: record that it is the one in use.
      const newest = newestSecret(deps).id;
      if (action.step === Step.resetMasterPassword && observed.tags[Tag.masterSecretId] !== newest)
        await rds.addTags(observed.arn, { [Tag.masterSecretId]: newest });
      await rds.removeTags(observed.arn, present);
      return withoutTag(observed, ...present);
    }
    case 'modify-settings':
      await rds.modifyInstance({ DBInstanceIdentifier: observed.identifier, ApplyImmediately: action.applyImmediately, ...action.change });
      failpoint(`after:${action.kind}`);
      if (!action.applyImmediately) {
        // RDS holds the change for its maintenance window: the broker's part is done.
        await rds.removeTags(observed.arn, [action.step]);
        return withoutTag(observed, action.step);
      }
      await rds.addTags(observed.arn, started);
      return observed;
    case 'reboot':
      await rds.rebootInstance(observed.identifier, action.forceFailover);
      failpoint(`after:${action.kind}`);
      if (action.requested) {
        // A reboot an update asked for is done once RDS took it; the status shows the rest.
        await rds.removeTags(observed.arn, [action.step]);
        return withoutTag(observed, action.step);
      }
      await rds.addTags(observed.arn, started);
      return observed;
    case 'reset-master-password': {
      const secret = newestSecret(deps);
      await rds.modifyInstance({
        DBInstanceIdentifier: observed.identifier,
        ApplyImmediately: true,
        MasterUserPassword: masterPassword(secret, instanceId),
      });
      failpoint(`after:${action.kind}`);
      await rds.addTags(observed.arn, { ...started, [Tag.masterSecretId]: secret.id });
      return observed;
    }
    case 'probe-master-login': {
      // The step's goal is the password derived from the newest secret (rotation moves instances to it).
      const target = databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed), newestSecret(deps));
      const ok = await sql.canLogin(target, target.masterUsername, target.masterPassword).catch((error: unknown) => {
        if (error instanceof SqlError && error.kind === 'tls') throw error;
        return false;
      });
      facts.masterLogin = ok ? 'ok' : 'refused';
      return observed;
    }
    case 'neutralise-users': {
      const target = databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed));
      const dropped = await sql.neutraliseBindingUsers(target, []);
      deps.log.info({ instanceId, dropped: dropped.length }, 'removed the source database binding users');
      failpoint(`after:${action.kind}`);
      await rds.removeTags(observed.arn, [action.step]);
      return withoutTag(observed, action.step);
    }
    case 'ensure-extensions': {
      const target = databaseTarget(deps, observed, instanceId, databaseNameOf(deps, observed));
      const names = decodeExtensions(observed.tags[Tag.extensions]);
      // Dropped first (DROP … IF EXISTS: a repeat after a crash is harmless), then the wanted ones made.
      const toDrop = decodeExtensions(observed.tags[Tag.extensionsToDrop]).filter((name) => !names.includes(name));
      if (toDrop.length > 0) await sql.dropExtensions(target, toDrop);
      await sql.ensureExtensions(target, names);
      failpoint(`after:${action.kind}`);
      const done = observed.tags[Tag.extensionsToDrop] === undefined ? [action.step] : [action.step, Tag.extensionsToDrop];
      await rds.removeTags(observed.arn, done);
      return withoutTag(observed, ...done);
    }
    case 'lift-deletion-protection':
      await rds.modifyInstance({ DBInstanceIdentifier: action.resource, ApplyImmediately: true, DeletionProtection: false });
      return { ...observed, deletionProtection: false };
    case 'delete': {
      // Marked first: a crash after the delete must not lead a later poll to delete again at once.
      await rds.addTags(observed.arn, { ...started, [Tag.deletedAt]: deps.now().toISOString() });
      await rds.deleteInstance(action.resource, deleteOptions(observed, deps.now()));
      return observed;
    }
    case 'create-replica': {
      try {
        await rds.createReadReplica({
          DBInstanceIdentifier: action.resource,
          SourceDBInstanceIdentifier: observed.identifier,
          DBInstanceClass: action.instanceClass,
          // RDS would give the replica the VPC's default security group: it gets the primary's.
          ...(observed.vpcSecurityGroupIds.length > 0 ? { VpcSecurityGroupIds: observed.vpcSecurityGroupIds } : {}),
          Tags: recordToTags(replicaTags(observed, deps.now())),
        });
      } catch (error) {
        // Made by an earlier pass whose end a crash (or another broker replica) cut short.
        if (!(error instanceof RdsError && error.kind === 'already-exists')) throw error;
      }
      failpoint(`after:${action.kind}`);
      return observed;
    }
    case 'delete-replica': {
      try {
        // RDS takes no final snapshot of a read replica, and it has no automated backups to keep.
        await rds.deleteInstance(action.resource, { skipFinalSnapshot: true, deleteAutomatedBackups: true });
      } catch (error) {
        if (!(error instanceof RdsError && error.kind === 'not-found')) throw error;
      }
      failpoint(`after:${action.kind}`);
      return observed;
    }
    case 'rollback-plan': {
      const previous = observed.tags[Tag.previousPlanId];
      if (previous) await rds.addTags(observed.arn, { [Tag.planId]: previous });
      await rds.removeTags(observed.arn, [Tag.previousPlanId, action.step]);
      return withoutTag(observed, Tag.previousPlanId, action.step);
    }
  }
}
