/** DescribeDBEngineVersions, and the subnet groups: DescribeDBSubnetGroups, CreateDBSubnetGroup, DeleteDBSubnetGroup. */
import { allEngineVersions, type EngineVersionInfo } from '../../model/catalog.js';
import { allClusterVersions, isClusterEngine, type ClusterVersionInfo } from '../../model/cluster-catalog.js';
import { renderClusterEngineVersion } from './cluster-catalog.js';
import type { SubnetGroupRecord } from '../../model/types.js';
import type { ActionHandler } from '../context.js';
import { RdsError, invalidValue, missingParameter, subnetGroupNotFound } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import { renderEngineVersion } from '../render-other.js';
import { subnetGroupXml } from '../render-instance.js';
import * as v from '../validate.js';

export const describeDBEngineVersions: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const engine = params.string('Engine')?.toLowerCase();
  const version = params.string('EngineVersion');
  const family = params.string('DBParameterGroupFamily');
  const defaultOnly = params.boolean('DefaultOnly') ?? false;
  const filters = params.filters();
  // Aurora's engines after the instance engines, in the same order rules.
  const all: (EngineVersionInfo | ClusterVersionInfo)[] = [...allEngineVersions(), ...allClusterVersions()];
  // Keys that sort in catalog order, so pages follow engine and version order.
  const keys = all.map((_, i) => String(i).padStart(6, '0'));
  const page = paginate(keys, params.string('Marker'), max, (key) => {
    const info = all[Number(key)]!;
    if (engine !== undefined && info.engine !== engine) return false;
    if (version !== undefined && info.version !== version && info.major !== version) return false;
    if (family !== undefined && info.family !== family) return false;
    if (defaultOnly && !info.isDefault) return false;
    for (const f of filters) {
      if (f.Name === 'engine' && !f.Values.includes(info.engine)) return false;
      if (f.Name === 'engine-version' && !f.Values.includes(info.version)) return false;
      if (f.Name === 'db-parameter-group-family' && !f.Values.includes(info.family)) return false;
    }
    return true;
  });
  let xml = '<DBEngineVersions>';
  for (const key of page.keys) {
    const info = all[Number(key)]!;
    const rendered = isClusterEngine(info.engine)
      ? renderClusterEngineVersion(info as ClusterVersionInfo)
      : renderEngineVersion(info as EngineVersionInfo);
    xml += `<DBEngineVersion>${rendered}</DBEngineVersion>`;
  }
  void ctx;
  return `${xml}</DBEngineVersions>${markerXml(page.nextMarker)}`;
};

export const describeDBSubnetGroups: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const name = params.string('DBSubnetGroupName');
  let keys: string[];
  if (name !== undefined) {
    if (!ctx.store.subnetGroups.has(name.toLowerCase())) throw subnetGroupNotFound(name);
    keys = [name.toLowerCase()];
  } else {
    keys = [...ctx.store.subnetGroups.keys()].sort();
  }
  const page = paginate(keys, params.string('Marker'), max);
  let xml = '<DBSubnetGroups>';
  for (const key of page.keys) {
    const group = ctx.store.subnetGroups.get(key)!;
    xml += `<DBSubnetGroup>${subnetGroupXml(group, ctx.arns.of('subgrp', group.name))}</DBSubnetGroup>`;
  }
  return `${xml}</DBSubnetGroups>${markerXml(page.nextMarker)}`;
};

export const createDBSubnetGroup: ActionHandler = (ctx, params) => {
  const name = v.subnetGroupName(params.required('DBSubnetGroupName'));
  const description = params.required('DBSubnetGroupDescription');
  const subnetIds = params.list('SubnetIds', 'SubnetIdentifier');
  if (!subnetIds || subnetIds.length === 0) throw missingParameter('SubnetIds');
  const tags = v.tags(params.tags() ?? []);
  if (name === 'default') throw invalidValue('The DB subnet group name default is reserved.');
  if (ctx.store.subnetGroups.has(name)) {
    throw new RdsError('DBSubnetGroupAlreadyExists', `The DB subnet group '${name}' already exists.`);
  }
  const known = new Map(ctx.store.subnetGroups.get('default')?.subnets.map((s) => [s.id, s.availabilityZone]));
  const zones = ['a', 'b', 'c'].map((z) => `${ctx.region}${z}`);
  const subnets = [...new Set(subnetIds)].map((id, i) => {
    if (!/^subnet-[0-9a-f]{8,17}$/.test(id)) throw new RdsError('InvalidSubnet', `The subnet ${id} does not exist.`);
    return { id, availabilityZone: known.get(id) ?? zones[i % zones.length]! };
  });
  if (new Set(subnets.map((s) => s.availabilityZone)).size < 2) {
    throw new RdsError(
      'DBSubnetGroupDoesNotCoverEnoughAZs',
      "The DB subnet group doesn't meet Availability Zone (AZ) coverage requirement. Current AZ coverage: 1. Add subnets to cover at least 2 AZs.",
    );
  }
  const group: SubnetGroupRecord = { name, description, vpcId: ctx.store.vpcId, subnets, tags };
  ctx.store.putSubnetGroup(group);
  ctx.changed();
  return `<DBSubnetGroup>${subnetGroupXml(group, ctx.arns.of('subgrp', name))}</DBSubnetGroup>`;
};

export const deleteDBSubnetGroup: ActionHandler = (ctx, params) => {
  const name = params.required('DBSubnetGroupName').toLowerCase();
  const group = ctx.store.subnetGroups.get(name);
  if (!group) throw subnetGroupNotFound(name);
  if (name === 'default') throw invalidValue('The default DB subnet group cannot be deleted.');
  for (const inst of ctx.store.instances.values()) {
    if (inst.subnetGroupName === name) {
      throw new RdsError('InvalidDBSubnetGroupStateFault', `DB subnet group ${name} is in use by DB instance ${inst.identifier}.`);
    }
  }
  ctx.store.subnetGroups.delete(name);
  ctx.store.revision++;
  ctx.changed();
  return undefined;
};
