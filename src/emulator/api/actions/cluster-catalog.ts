/**
 * The Aurora engines in the catalog calls: DescribeDBEngineVersions rows for aurora-postgresql and
 * aurora-mysql, and DescribeOrderableDBInstanceOptions for them (the classes a member may have,
 * Aurora storage, SupportsClusters).
 */
import {
  CLUSTER_ENGINE_DESCRIPTION,
  CLUSTER_LICENSE_MODEL,
  allClusterVersions,
  auroraClasses,
  clusterUpgradeTargets,
  type ClusterVersionInfo,
} from '../../model/cluster-catalog.js';
import type { ClusterEngine } from '../../model/cluster-types.js';
import type { ActionContext } from '../context.js';
import { markerXml, paginate } from '../paging.js';
import type { QueryParams } from '../query.js';
import { el, list, stringList } from '../xml.js';

export function renderClusterEngineVersion(info: ClusterVersionInfo): string {
  const description = `${CLUSTER_ENGINE_DESCRIPTION[info.engine]} ${info.version}`;
  return (
    el('Engine', info.engine) +
    el('MajorEngineVersion', info.major) +
    el('EngineVersion', info.version) +
    el('DBParameterGroupFamily', info.family) +
    el('DBEngineDescription', CLUSTER_ENGINE_DESCRIPTION[info.engine]) +
    el('DBEngineVersionDescription', description) +
    list(
      'ValidUpgradeTarget',
      'UpgradeTarget',
      clusterUpgradeTargets(info),
      (t) =>
        el('Engine', t.version.engine) +
        el('EngineVersion', t.version.version) +
        el('Description', `${CLUSTER_ENGINE_DESCRIPTION[t.version.engine]} ${t.version.version}`) +
        '<AutoUpgrade>false</AutoUpgrade>' +
        el('IsMajorVersionUpgrade', t.isMajorVersionUpgrade),
    ) +
    '<ExportableLogTypes/>' +
    '<SupportsLogExportsToCloudwatchLogs>true</SupportsLogExportsToCloudwatchLogs>' +
    '<SupportsReadReplica>false</SupportsReadReplica>' +
    stringList('SupportedEngineModes', 'member', ['provisioned']) +
    '<Status>available</Status>' +
    '<SupportsGlobalDatabases>false</SupportsGlobalDatabases>' +
    '<TagList/>'
  );
}

const STORAGE_TYPES = ['aurora', 'aurora-iopt1'];

/** DescribeOrderableDBInstanceOptions for an Aurora engine: one row per version, class and Aurora storage type. */
export function clusterOrderable(ctx: ActionContext, params: QueryParams, engine: ClusterEngine, max: number): string {
  const version = params.string('EngineVersion');
  const instanceClass = params.string('DBInstanceClass');
  const licenseModel = params.string('LicenseModel');
  if (params.boolean('Vpc') === false || params.has('AvailabilityZoneGroup')) return '<OrderableDBInstanceOptions/>';
  const rows = allClusterVersions()
    .filter((v) => v.engine === engine)
    .flatMap((v) => auroraClasses().flatMap((cls) => STORAGE_TYPES.map((storage) => ({ v, cls, storage }))));
  const keys = rows.map((_, i) => String(i).padStart(7, '0'));
  if (licenseModel !== undefined && licenseModel !== CLUSTER_LICENSE_MODEL[engine]) return '<OrderableDBInstanceOptions/>';
  const page = paginate(keys, params.string('Marker'), max, (key) => {
    const row = rows[Number(key)]!;
    return (version === undefined || row.v.version === version) && (instanceClass === undefined || row.cls === instanceClass);
  });
  const zones = ['a', 'b', 'c'].map((z) => `${ctx.region}${z}`);
  let xml = '<OrderableDBInstanceOptions>';
  for (const key of page.keys) {
    const row = rows[Number(key)]!;
    xml +=
      '<OrderableDBInstanceOption>' +
      el('Engine', engine) +
      el('EngineVersion', row.v.version) +
      el('DBInstanceClass', row.cls) +
      el('LicenseModel', CLUSTER_LICENSE_MODEL[engine]) +
      list('AvailabilityZones', 'AvailabilityZone', zones, (z) => el('Name', z)) +
      '<MultiAZCapable>true</MultiAZCapable><ReadReplicaCapable>false</ReadReplicaCapable><Vpc>true</Vpc>' +
      '<SupportsStorageEncryption>true</SupportsStorageEncryption>' +
      el('StorageType', row.storage) +
      '<SupportsIops>false</SupportsIops><SupportsStorageThroughput>false</SupportsStorageThroughput>' +
      '<SupportsIAMDatabaseAuthentication>true</SupportsIAMDatabaseAuthentication>' +
      '<SupportsPerformanceInsights>true</SupportsPerformanceInsights>' +
      stringList('SupportedEngineModes', 'member', ['provisioned']) +
      '<SupportsStorageAutoscaling>false</SupportsStorageAutoscaling>' +
      '<SupportsClusters>true</SupportsClusters>' +
      stringList('SupportedNetworkTypes', 'member', ['IPV4', 'DUAL']) +
      '</OrderableDBInstanceOption>';
  }
  return `${xml}</OrderableDBInstanceOptions>${markerXml(page.nextMarker)}`;
}
