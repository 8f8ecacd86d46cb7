/**
 * CreateDBClusterParameterGroup, DescribeDBClusterParameterGroups, DeleteDBClusterParameterGroup.
 * `default.<family>` groups (default.aurora-postgresql16, default.aurora-mysql8.0…) exist and cannot
 * be deleted. The groups hold no parameter values here (ModifyDBClusterParameterGroup is not offered).
 */
import { clusterFamilies } from '../../model/cluster-catalog.js';
import type { ParameterGroupRecord } from '../../model/types.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { RdsError, clusterParameterGroupNotFound, invalidValue } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import { el } from '../xml.js';
import * as v from '../validate.js';

function renderGroup(g: ParameterGroupRecord, ctx: ActionContext): string {
  return (
    el('DBClusterParameterGroupName', g.name) +
    el('DBParameterGroupFamily', g.family) +
    el('Description', g.description) +
    el('DBClusterParameterGroupArn', ctx.arns.of('cluster-pg', g.name))
  );
}

export const createDBClusterParameterGroup: ActionHandler = (ctx, params) => {
  const name = v.parameterGroupName(params.required('DBClusterParameterGroupName'), 'DBClusterParameterGroupName');
  const family = params.required('DBParameterGroupFamily');
  const description = params.required('Description');
  const tags = v.tags(params.tags() ?? []);
  if (!clusterFamilies().includes(family))
    throw invalidValue(`ParameterGroupFamily ${family} is not a valid DB cluster parameter group family`);
  if (ctx.store.clusterParameterGroups.has(name))
    throw new RdsError('DBParameterGroupAlreadyExists', `Parameter group ${name} already exists`);
  const group: ParameterGroupRecord = { name, family, description, isDefault: false, tags, values: {} };
  ctx.store.putClusterParameterGroup(group);
  ctx.changed();
  return `<DBClusterParameterGroup>${renderGroup(group, ctx)}</DBClusterParameterGroup>`;
};

export const describeDBClusterParameterGroups: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const name = params.string('DBClusterParameterGroupName');
  let keys: string[];
  if (name !== undefined) {
    const key = name.toLowerCase();
    if (!ctx.store.clusterParameterGroups.has(key)) throw clusterParameterGroupNotFound(name);
    keys = [key];
  } else {
    keys = [...ctx.store.clusterParameterGroups.keys()].sort();
  }
  const page = paginate(keys, params.string('Marker'), max);
  let xml = '<DBClusterParameterGroups>';
  for (const key of page.keys)
    xml += `<DBClusterParameterGroup>${renderGroup(ctx.store.clusterParameterGroups.get(key)!, ctx)}</DBClusterParameterGroup>`;
  return `${xml}</DBClusterParameterGroups>${markerXml(page.nextMarker)}`;
};

export const deleteDBClusterParameterGroup: ActionHandler = (ctx, params) => {
  const name = params.required('DBClusterParameterGroupName');
  const group = ctx.store.clusterParameterGroups.get(name.toLowerCase());
  if (!group) throw clusterParameterGroupNotFound(name);
  if (group.isDefault) throw invalidValue(`Default DBClusterParameterGroup ${group.name} cannot be deleted.`);
  for (const cluster of ctx.store.clusters.values()) {
    if (cluster.clusterParameterGroupName === group.name) {
      throw new RdsError(
        'InvalidDBParameterGroupState',
        `Cannot delete the DB cluster parameter group ${group.name}: DB cluster ${cluster.identifier} uses it.`,
      );
    }
  }
  ctx.store.removeClusterParameterGroup(group.name);
  ctx.changed();
  return undefined;
};
