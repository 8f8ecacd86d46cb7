/** Action name → handler. Anything else is InvalidAction, as on RDS. */
import type { ActionHandler } from './context.js';
import { deleteDBInstanceAutomatedBackup, describeDBInstanceAutomatedBackups } from './actions/backups.js';
import { describeCertificates } from './actions/certificates.js';
import { createDBSubnetGroup, deleteDBSubnetGroup, describeDBEngineVersions, describeDBSubnetGroups } from './actions/catalog.js';
import { createDBInstance, deleteDBInstance, describeDBInstances, rebootDBInstance } from './actions/instances.js';
import { modifyDBInstance } from './actions/modify.js';
import { describeOrderableDBInstanceOptions } from './actions/orderable.js';
import {
  createDBParameterGroup,
  deleteDBParameterGroup,
  describeDBParameterGroups,
  describeDBParameters,
  describeEngineDefaultParameters,
  modifyDBParameterGroup,
  resetDBParameterGroup,
} from './actions/parameter-groups.js';
import { describeEvents } from './actions/events.js';
import { createDBInstanceReadReplica, promoteReadReplica } from './actions/replicas.js';
import { restoreDBInstanceFromDBSnapshot, restoreDBInstanceToPointInTime } from './actions/restore.js';
import { createDBSnapshot, deleteDBSnapshot, describeDBSnapshots } from './actions/snapshots.js';
import { createDBCluster, deleteDBCluster, describeDBClusters } from './actions/clusters.js';
import { modifyDBCluster } from './actions/cluster-modify.js';
import { createDBClusterSnapshot, deleteDBClusterSnapshot, describeDBClusterSnapshots } from './actions/cluster-snapshots.js';
import { restoreDBClusterFromSnapshot, restoreDBClusterToPointInTime } from './actions/cluster-restore.js';
import {
  createDBClusterParameterGroup,
  deleteDBClusterParameterGroup,
  describeDBClusterParameterGroups,
} from './actions/cluster-parameter-groups.js';
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from './actions/tags.js';

export const ACTIONS: ReadonlyMap<string, ActionHandler> = new Map<string, ActionHandler>([
  ['CreateDBInstance', createDBInstance],
  ['DescribeDBInstances', describeDBInstances],
  ['ModifyDBInstance', modifyDBInstance],
  ['RebootDBInstance', rebootDBInstance],
  ['DeleteDBInstance', deleteDBInstance],
  ['CreateDBInstanceReadReplica', createDBInstanceReadReplica],
  ['PromoteReadReplica', promoteReadReplica],
  ['CreateDBSnapshot', createDBSnapshot],
  ['DescribeDBSnapshots', describeDBSnapshots],
  ['DeleteDBSnapshot', deleteDBSnapshot],
  ['RestoreDBInstanceFromDBSnapshot', restoreDBInstanceFromDBSnapshot],
  ['RestoreDBInstanceToPointInTime', restoreDBInstanceToPointInTime],
  ['DescribeDBInstanceAutomatedBackups', describeDBInstanceAutomatedBackups],
  ['DeleteDBInstanceAutomatedBackup', deleteDBInstanceAutomatedBackup],
  ['AddTagsToResource', addTagsToResource],
  ['RemoveTagsFromResource', removeTagsFromResource],
  ['ListTagsForResource', listTagsForResource],
  ['DescribeDBEngineVersions', describeDBEngineVersions],
  ['DescribeOrderableDBInstanceOptions', describeOrderableDBInstanceOptions],
  ['CreateDBParameterGroup', createDBParameterGroup],
  ['ModifyDBParameterGroup', modifyDBParameterGroup],
  ['ResetDBParameterGroup', resetDBParameterGroup],
  ['DeleteDBParameterGroup', deleteDBParameterGroup],
  ['DescribeDBParameterGroups', describeDBParameterGroups],
  ['DescribeDBParameters', describeDBParameters],
  ['DescribeEngineDefaultParameters', describeEngineDefaultParameters],
  ['DescribeEvents', describeEvents],
  ['DescribeCertificates', describeCertificates],
  ['DescribeDBSubnetGroups', describeDBSubnetGroups],
  ['CreateDBSubnetGroup', createDBSubnetGroup],
  ['DeleteDBSubnetGroup', deleteDBSubnetGroup],
  ['CreateDBCluster', createDBCluster],
  ['DescribeDBClusters', describeDBClusters],
  ['ModifyDBCluster', modifyDBCluster],
  ['DeleteDBCluster', deleteDBCluster],
  ['CreateDBClusterSnapshot', createDBClusterSnapshot],
  ['DescribeDBClusterSnapshots', describeDBClusterSnapshots],
  ['DeleteDBClusterSnapshot', deleteDBClusterSnapshot],
  ['RestoreDBClusterFromSnapshot', restoreDBClusterFromSnapshot],
  ['RestoreDBClusterToPointInTime', restoreDBClusterToPointInTime],
  ['CreateDBClusterParameterGroup', createDBClusterParameterGroup],
  ['DescribeDBClusterParameterGroups', describeDBClusterParameterGroups],
  ['DeleteDBClusterParameterGroup', deleteDBClusterParameterGroup],
]);
