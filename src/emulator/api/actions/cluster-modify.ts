/**
 * ModifyDBCluster. At once, without a status (as RDS applies them within seconds): backup
 * retention and window, maintenance window, deletion protection, CopyTagsToSnapshot, IAM
 * authentication, the cluster parameter group (members show it at once, as on RDS for a dynamic
 * change). Through `modifying`: the Serverless v2 capacity range. MasterUserPassword goes through
 * `resetting-master-credentials`, shown as `****`. EngineVersion goes through `upgrading` with
 * ApplyImmediately, otherwise it waits in PendingModifiedValues for the maintenance window; a major
 * version needs AllowMajorVersionUpgrade.
 */
import { SERVER_ENGINE, findClusterVersion } from '../../model/cluster-catalog.js';
import { actualClusterStatus, beginClusterTransition, clusterPhase, currentClusterView } from '../../model/cluster-lifecycle.js';
import type { ClusterPhase, ClusterRecord } from '../../model/cluster-types.js';
import type { ActionHandler } from '../context.js';
import { invalidClusterState, invalidCombination } from '../errors.js';
import { clusterResult } from '../render-cluster.js';
import * as v from '../validate.js';
import { nextMaintenanceStart } from '../../model/windows.js';
import { clusterRetention, clusterWindows } from './clusters.js';
import { commitCluster, findCluster, findClusterParameterGroup, serverlessScaling } from './cluster-common.js';

export const modifyDBCluster: ActionHandler = (ctx, params) => {
  const cluster = findCluster(ctx, params.required('DBClusterIdentifier'));
  if (params.has('NewDBClusterIdentifier')) throw invalidCombination('This emulator does not rename DB clusters (NewDBClusterIdentifier).');
  if (params.has('Port')) throw invalidCombination('This emulator does not change the port of a DB cluster.');
  const applyImmediately = params.boolean('ApplyImmediately') ?? false;
  const status = actualClusterStatus(cluster);
  if (status !== 'available') throw invalidClusterState(`DB cluster ${cluster.identifier} is not in available state (it is ${status}).`);

  const retention = clusterRetention(params.integer('BackupRetentionPeriod'));
  const windows = clusterWindows(params, { maintenance: cluster.preferredMaintenanceWindow, backup: cluster.preferredBackupWindow });
  const password = params.has('MasterUserPassword')
    ? v.masterPassword(SERVER_ENGINE[cluster.engine], params.string('MasterUserPassword'))
    : undefined;
  const serverlessV2 = serverlessScaling(params, cluster.serverlessV2);
  const current = findClusterVersion(cluster.engine, cluster.engineVersion);
  const requestedVersion = params.string('EngineVersion');
  const target = requestedVersion === undefined ? undefined : findClusterVersion(cluster.engine, requestedVersion);
  if (requestedVersion !== undefined && !target)
    throw invalidCombination(`Cannot find upgrade target from ${cluster.engineVersion} with requested version ${requestedVersion}.`);
  const upgrade = target && target.version !== cluster.engineVersion ? target : undefined;
  if (upgrade && current && upgrade.major !== current.major && !(params.boolean('AllowMajorVersionUpgrade') ?? false)) {
    throw invalidCombination('The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.');
  }
  const family = upgrade?.family ?? current?.family ?? '';
  const groupParam = params.string('DBClusterParameterGroupName');
  let clusterParameterGroupName = groupParam === undefined ? undefined : findClusterParameterGroup(ctx, groupParam, family);
  // A major upgrade moves a default group to the new family's default, as RDS does.
  if (upgrade && clusterParameterGroupName === undefined && current && upgrade.family !== current.family) {
    if (cluster.clusterParameterGroupName === `default.${current.family}`) clusterParameterGroupName = `default.${upgrade.family}`;
  }

  let next: ClusterRecord = {
    ...cluster,
    backupRetentionPeriod: retention ?? cluster.backupRetentionPeriod,
    preferredBackupWindow: windows.backup,
    preferredMaintenanceWindow: windows.maintenance,
    deletionProtection: params.boolean('DeletionProtection') ?? cluster.deletionProtection,
    copyTagsToSnapshot: params.boolean('CopyTagsToSnapshot') ?? cluster.copyTagsToSnapshot,
    iamDatabaseAuthenticationEnabled: params.boolean('EnableIAMDatabaseAuthentication') ?? cluster.iamDatabaseAuthenticationEnabled,
    vpcSecurityGroupIds: params.has('VpcSecurityGroupIds')
      ? v.securityGroupIds(params.list('VpcSecurityGroupIds', 'VpcSecurityGroupId') ?? [])
      : cluster.vpcSecurityGroupIds,
  };
  if (clusterParameterGroupName !== undefined && !upgrade) next.clusterParameterGroupName = clusterParameterGroupName;
  const phases: ClusterPhase[] = [];
  if (serverlessV2) phases.push(clusterPhase('modifying', { apply: { serverlessV2 } }));
  if (upgrade && applyImmediately) {
    phases.push(
      clusterPhase('upgrading', {
        work: { kind: 'upgrade', engineVersion: upgrade.version },
        apply: { engineVersion: upgrade.version, ...(clusterParameterGroupName ? { clusterParameterGroupName } : {}) },
        showsPending: { EngineVersion: upgrade.version },
      }),
    );
  } else if (upgrade) {
    next = {
      ...next,
      pending: { ...next.pending, EngineVersion: upgrade.version },
      maintenanceDueAt: nextMaintenanceStart(next.preferredMaintenanceWindow, ctx.now),
    };
  }
  if (password !== undefined) {
    phases.push(
      clusterPhase('resetting-master-credentials', {
        work: { kind: 'set-password', password },
        apply: { masterPassword: password },
        showsPending: { MasterUserPassword: true },
      }),
    );
  }
  if (phases.length > 0) next = beginClusterTransition(next, 'modify', phases, ctx.store.transitionId(), ctx.now, ctx.timing);
  commitCluster(ctx, next);
  return clusterResult(next, ctx, currentClusterView(next));
};
