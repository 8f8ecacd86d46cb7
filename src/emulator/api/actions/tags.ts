/** AddTagsToResource, RemoveTagsFromResource, ListTagsForResource: by ARN, on instances, snapshots and groups. */
import type { Tag } from '../../model/types.js';
import type { ActionContext, ActionHandler } from '../context.js';
import {
  clusterNotFound,
  clusterParameterGroupNotFound,
  clusterSnapshotNotFound,
  instanceNotFound,
  invalidValue,
  missingParameter,
  parameterGroupNotFound,
  snapshotNotFound,
  subnetGroupNotFound,
} from '../errors.js';
import { tagList } from '../xml.js';
import * as v from '../validate.js';

interface Taggable {
  tags: Tag[];
  save(tags: Tag[]): void;
}

function resource(ctx: ActionContext, arn: string): Taggable {
  const parsed = ctx.arns.parse(arn);
  if (!parsed) throw invalidValue(`The specified resource name does not match an RDS resource in this region: ${arn}`);
  const { store } = ctx;
  switch (parsed.kind) {
    case 'db': {
      const inst = store.instance(parsed.name.toLowerCase());
      if (!inst) throw instanceNotFound(parsed.name);
      return { tags: inst.tags, save: (tags) => store.putInstance({ ...store.instance(inst.identifier)!, tags }) };
    }
    case 'snapshot': {
      const id = parsed.name.startsWith('rds:') ? parsed.name : parsed.name.toLowerCase();
      const snapshot = store.snapshots.get(id);
      if (!snapshot) throw snapshotNotFound(parsed.name);
      return { tags: snapshot.tags, save: (tags) => store.putSnapshot({ ...snapshot, tags }) };
    }
    case 'pg': {
      const group = store.parameterGroups.get(parsed.name.toLowerCase());
      if (!group) throw parameterGroupNotFound(parsed.name);
      return { tags: group.tags, save: (tags) => store.putParameterGroup({ ...group, tags }) };
    }
    case 'subgrp': {
      const group = store.subnetGroups.get(parsed.name.toLowerCase());
      if (!group) throw subnetGroupNotFound(parsed.name);
      return { tags: group.tags, save: (tags) => store.putSubnetGroup({ ...group, tags }) };
    }
    case 'cluster': {
      const cluster = store.cluster(parsed.name.toLowerCase());
      if (!cluster) throw clusterNotFound(parsed.name);
      return { tags: cluster.tags, save: (tags) => store.putCluster({ ...store.cluster(cluster.identifier)!, tags }) };
    }
    case 'cluster-snapshot': {
      const id = parsed.name.startsWith('rds:') ? parsed.name : parsed.name.toLowerCase();
      const snapshot = store.clusterSnapshots.get(id);
      if (!snapshot) throw clusterSnapshotNotFound(parsed.name);
      return { tags: snapshot.tags, save: (tags) => store.putClusterSnapshot({ ...store.clusterSnapshots.get(id)!, tags }) };
    }
    case 'cluster-pg': {
      const group = store.clusterParameterGroups.get(parsed.name.toLowerCase());
      if (!group) throw clusterParameterGroupNotFound(parsed.name);
      return { tags: group.tags, save: (tags) => store.putClusterParameterGroup({ ...group, tags }) };
    }
    default:
      throw invalidValue(`Resources of type ${parsed.kind} cannot be tagged here: ${arn}`);
  }
}

export const addTagsToResource: ActionHandler = (ctx, params) => {
  const target = resource(ctx, params.required('ResourceName'));
  const tags = params.tags();
  if (tags === undefined) throw missingParameter('Tags');
  target.save(v.mergeTags(target.tags, v.tags(tags)));
  ctx.changed();
  return undefined;
};

export const removeTagsFromResource: ActionHandler = (ctx, params) => {
  const target = resource(ctx, params.required('ResourceName'));
  const keys = params.list('TagKeys');
  if (keys === undefined) throw missingParameter('TagKeys');
  const removed = new Set(keys);
  target.save(target.tags.filter((t) => !removed.has(t.Key)));
  ctx.changed();
  return undefined;
};

export const listTagsForResource: ActionHandler = (ctx, params) => {
  const target = resource(ctx, params.required('ResourceName'));
  return tagList('TagList', target.tags);
};
