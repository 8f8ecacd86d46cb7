/** DescribeOrderableDBInstanceOptions: the classes and storage types RDS offers per engine version. */
import { allEngineVersions, LICENSE_MODEL, type EngineVersionInfo } from '../../model/catalog.js';
import { orderableOptions, type OrderableOption } from '../../model/instance-classes.js';
import type { EngineName } from '../../model/types.js';
import type { ActionHandler } from '../context.js';
import { invalidValue } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import * as v from '../validate.js';
import { isClusterEngine } from '../../model/cluster-catalog.js';
import { clusterOrderable } from './cluster-catalog.js';
import { el, list, stringList } from '../xml.js';

interface Row {
  version: EngineVersionInfo;
  option: OrderableOption;
}

const ROWS = new Map<EngineName, Row[]>();

/** Every row for an engine, in RDS's order (version, then class, then storage type); built once. */
function rowsOf(engine: EngineName): Row[] {
  let rows = ROWS.get(engine);
  if (!rows) {
    const options = orderableOptions(engine);
    rows = allEngineVersions()
      .filter((info) => info.engine === engine)
      .flatMap((version) => options.map((option) => ({ version, option })));
    ROWS.set(engine, rows);
  }
  return rows;
}

/** RDS allows 20 to 1000 records per page for this call (100 by default), more than for most. */
function maxRecords(value: number | undefined): number {
  if (value === undefined) return 100;
  if (value < 20 || value > 1000) throw invalidValue(`Invalid value ${value} for MaxRecords. Must be between 20 and 1000.`);
  return value;
}

function renderRow(row: Row, zones: string[]): string {
  const s = row.option.storage;
  return (
    el('Engine', row.version.engine) +
    el('EngineVersion', row.version.version) +
    el('DBInstanceClass', row.option.instanceClass) +
    el('LicenseModel', LICENSE_MODEL[row.version.engine]) +
    '<AvailabilityZoneGroup/>' +
    list('AvailabilityZones', 'AvailabilityZone', zones, (z) => el('Name', z)) +
    '<MultiAZCapable>true</MultiAZCapable>' +
    '<ReadReplicaCapable>true</ReadReplicaCapable>' +
    '<Vpc>true</Vpc>' +
    '<SupportsStorageEncryption>true</SupportsStorageEncryption>' +
    el('StorageType', s.storageType) +
    el('SupportsIops', s.supportsIops) +
    el('SupportsStorageThroughput', s.supportsStorageThroughput) +
    '<SupportsEnhancedMonitoring>true</SupportsEnhancedMonitoring>' +
    '<SupportsIAMDatabaseAuthentication>true</SupportsIAMDatabaseAuthentication>' +
    '<SupportsPerformanceInsights>true</SupportsPerformanceInsights>' +
    el('MinStorageSize', s.minStorageSize) +
    el('MaxStorageSize', s.maxStorageSize) +
    el('MinIopsPerDbInstance', s.minIopsPerDbInstance) +
    el('MaxIopsPerDbInstance', s.maxIopsPerDbInstance) +
    el('MinIopsPerGib', s.minIopsPerGib) +
    el('MaxIopsPerGib', s.maxIopsPerGib) +
    el('MinStorageThroughputPerDbInstance', s.minStorageThroughputPerDbInstance) +
    el('MaxStorageThroughputPerDbInstance', s.maxStorageThroughputPerDbInstance) +
    el('MinStorageThroughputPerIops', s.minStorageThroughputPerIops) +
    el('MaxStorageThroughputPerIops', s.maxStorageThroughputPerIops) +
    stringList('SupportedEngineModes', 'member', ['provisioned']) +
    '<SupportsStorageAutoscaling>true</SupportsStorageAutoscaling>' +
    '<SupportsKerberosAuthentication>true</SupportsKerberosAuthentication>' +
    '<OutpostCapable>false</OutpostCapable>' +
    '<SupportsGlobalDatabases>false</SupportsGlobalDatabases>' +
    '<SupportsClusters>false</SupportsClusters>' +
    stringList('SupportedNetworkTypes', 'member', ['IPV4', 'DUAL']) +
    '<SupportsDedicatedLogVolume>false</SupportsDedicatedLogVolume>'
  );
}

export const describeOrderableDBInstanceOptions: ActionHandler = (ctx, params) => {
  const requested = params.required('Engine').toLowerCase();
  const max = maxRecords(params.integer('MaxRecords'));
  if (isClusterEngine(requested)) return clusterOrderable(ctx, params, requested, max);
  const engine = v.engineName(requested);
  const version = params.string('EngineVersion');
  const instanceClass = params.string('DBInstanceClass');
  const licenseModel = params.string('LicenseModel');
  const vpc = params.boolean('Vpc');
  const zoneGroup = params.string('AvailabilityZoneGroup');
  const rows = rowsOf(engine);
  // Keys that sort in row order, so pages follow version, class and storage order.
  const keys = rows.map((_, i) => String(i).padStart(7, '0'));
  const page = paginate(keys, params.string('Marker'), max, (key) => {
    const row = rows[Number(key)]!;
    if (version !== undefined && row.version.version !== version) return false;
    if (instanceClass !== undefined && row.option.instanceClass !== instanceClass) return false;
    if (licenseModel !== undefined && LICENSE_MODEL[engine] !== licenseModel) return false;
    // Every emulated instance is in a VPC (EC2-Classic is gone); zone groups are a Local Zones notion.
    if (vpc === false || zoneGroup !== undefined) return false;
    return true;
  });
  const zones = ['a', 'b', 'c'].map((z) => `${ctx.region}${z}`);
  let xml = '<OrderableDBInstanceOptions>';
  for (const key of page.keys) xml += `<OrderableDBInstanceOption>${renderRow(rows[Number(key)]!, zones)}</OrderableDBInstanceOption>`;
  return `${xml}</OrderableDBInstanceOptions>${markerXml(page.nextMarker)}`;
};
