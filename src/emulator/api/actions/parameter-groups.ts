/**
 * Parameter groups. Changing a group reaches every instance using it: `applying`, then `in-sync`
 * for dynamic values applied at once, or `pending-reboot` for static ones until a reboot.
 */
import { allFamilies } from '../../model/catalog.js';
import { clusterFamilies } from '../../model/cluster-catalog.js';
import { beginParameterActivity } from '../../model/lifecycle.js';
import { checkParameterValue, findParameter, parametersOfFamily } from '../../model/parameters.js';
import type { ParameterGroupRecord } from '../../model/types.js';
import type { ActionContext, ActionHandler } from '../context.js';
import { RdsError, invalidCombination, invalidValue } from '../errors.js';
import { markerXml, paginate } from '../paging.js';
import { renderParameter, renderParameterGroup } from '../render-other.js';
import * as v from '../validate.js';
import { findParameterGroup } from './common.js';

export const createDBParameterGroup: ActionHandler = (ctx, params) => {
  const name = v.parameterGroupName(params.required('DBParameterGroupName'));
  const family = params.required('DBParameterGroupFamily');
  const description = params.required('Description');
  const tags = v.tags(params.tags() ?? []);
  if (!allFamilies().includes(family) && !clusterFamilies().includes(family)) {
    throw invalidValue(`ParameterGroupFamily ${family} is not a valid parameter group family`);
  }
  if (ctx.store.parameterGroups.has(name)) {
    throw new RdsError('DBParameterGroupAlreadyExists', `Parameter group ${name} already exists`);
  }
  const group: ParameterGroupRecord = { name, family, description, isDefault: false, tags, values: {} };
  ctx.store.putParameterGroup(group);
  ctx.changed();
  return `<DBParameterGroup>${renderParameterGroup(group, ctx)}</DBParameterGroup>`;
};

/** Let every instance using the group know: dynamic values applied now, static ones at the next reboot. */
function propagate(ctx: ActionContext, group: ParameterGroupRecord, dynamicValues: Record<string, string>, needsReboot: boolean): void {
  for (const inst of ctx.store.instances.values()) {
    if (inst.parameterGroupName !== group.name) continue;
    const next = beginParameterActivity(inst, needsReboot ? 'pending-reboot' : 'in-sync', dynamicValues, ctx.now, ctx.timing);
    ctx.store.putInstance(next);
    ctx.scheduler.kick(inst.identifier);
  }
}

export const modifyDBParameterGroup: ActionHandler = (ctx, params) => {
  const group = findParameterGroup(ctx, params.required('DBParameterGroupName'));
  const entries = params.structures('Parameters', 'Parameter', ['ParameterName', 'ParameterValue', 'ApplyMethod']) ?? [];
  if (entries.length === 0) throw invalidValue('At least one parameter must be specified.');
  if (entries.length > 20) throw invalidValue('At most 20 parameters can be modified in one request.');
  if (group.isDefault) throw invalidValue(`The parameter group ${group.name} is a default group and cannot be modified.`);
  const values = { ...group.values };
  const dynamicValues: Record<string, string> = {};
  let needsReboot = false;
  for (const entry of entries) {
    const name = entry.ParameterName;
    if (!name) throw invalidValue('Every parameter must have a ParameterName.');
    const def = findParameter(group.family, name);
    if (!def) throw invalidValue(`Could not find parameter with name: ${name}`);
    const value = entry.ParameterValue;
    if (value === undefined) throw invalidValue(`The parameter ${name} needs a ParameterValue.`);
    const problem = checkParameterValue(def, value);
    if (problem) throw invalidValue(problem);
    const method = entry.ApplyMethod ?? (def.applyType === 'dynamic' ? 'immediate' : 'pending-reboot');
    if (method !== 'immediate' && method !== 'pending-reboot') throw invalidValue(`Invalid ApplyMethod: ${method}`);
    if (method === 'immediate' && def.applyType === 'static') {
      throw invalidCombination('cannot use immediate apply method for static parameter');
    }
    values[def.name] = { value, method };
    if (method === 'immediate') dynamicValues[def.name] = value;
    else needsReboot = true;
  }
  const updated = { ...group, values };
  ctx.store.putParameterGroup(updated);
  propagate(ctx, updated, dynamicValues, needsReboot);
  ctx.changed();
  return `<DBParameterGroupName>${group.name}</DBParameterGroupName>`;
};

export const resetDBParameterGroup: ActionHandler = (ctx, params) => {
  const group = findParameterGroup(ctx, params.required('DBParameterGroupName'));
  if (group.isDefault) throw invalidValue(`The parameter group ${group.name} is a default group and cannot be modified.`);
  const all = params.boolean('ResetAllParameters') ?? false;
  const named = (params.structures('Parameters', 'Parameter', ['ParameterName']) ?? []).map((e) => e.ParameterName ?? '');
  if (!all && named.length === 0) throw invalidCombination('Specify ResetAllParameters or at least one parameter.');
  const reset = all ? Object.keys(group.values) : named;
  const values = { ...group.values };
  const dynamicValues: Record<string, string> = {};
  let needsReboot = false;
  for (const name of reset) {
    const def = findParameter(group.family, name);
    if (!def) throw invalidValue(`Could not find parameter with name: ${name}`);
    delete values[def.name];
    if (def.applyType === 'static') needsReboot = true;
    // The server takes the group's whole set again, where this value is now absent (its default).
    else dynamicValues[def.name] = def.defaultValue ?? '';
  }
  const updated = { ...group, values };
  ctx.store.putParameterGroup(updated);
  propagate(ctx, updated, dynamicValues, needsReboot);
  ctx.changed();
  return `<DBParameterGroupName>${group.name}</DBParameterGroupName>`;
};

export const deleteDBParameterGroup: ActionHandler = (ctx, params) => {
  const group = findParameterGroup(ctx, params.required('DBParameterGroupName'));
  if (group.isDefault) throw invalidValue(`Default parameter group ${group.name} cannot be deleted.`);
  for (const inst of ctx.store.instances.values()) {
    if (inst.parameterGroupName === group.name) {
      throw new RdsError('InvalidDBParameterGroupState', `Parameter group ${group.name} is in use by DB instance ${inst.identifier}.`);
    }
  }
  ctx.store.parameterGroups.delete(group.name);
  ctx.store.revision++;
  ctx.changed();
  return undefined;
};

export const describeDBParameterGroups: ActionHandler = (ctx, params) => {
  const max = v.maxRecords(params.integer('MaxRecords'));
  const name = params.string('DBParameterGroupName');
  const keys = name !== undefined ? [findParameterGroup(ctx, name).name] : [...ctx.store.parameterGroups.keys()].sort();
  const page = paginate(keys, params.string('Marker'), max);
  let xml = '<DBParameterGroups>';
  for (const key of page.keys)
    xml += `<DBParameterGroup>${renderParameterGroup(ctx.store.parameterGroups.get(key)!, ctx)}</DBParameterGroup>`;
  return `${xml}</DBParameterGroups>${markerXml(page.nextMarker)}`;
};

export const describeDBParameters: ActionHandler = (ctx, params) => {
  const group = findParameterGroup(ctx, params.required('DBParameterGroupName'));
  const max = v.maxRecords(params.integer('MaxRecords'));
  const source = params.string('Source');
  if (source !== undefined && !['user', 'system', 'engine-default'].includes(source)) throw invalidValue(`Invalid Source: ${source}`);
  const defs = new Map(parametersOfFamily(group.family).map((d) => [d.name, d]));
  const page = paginate([...defs.keys()], params.string('Marker'), max, (name) => {
    if (source === undefined) return true;
    const shown = group.values[name] ? 'user' : defs.get(name)!.source;
    return shown === source;
  });
  let xml = '<Parameters>';
  for (const name of page.keys) xml += `<Parameter>${renderParameter(defs.get(name)!, group)}</Parameter>`;
  return `${xml}</Parameters>${markerXml(page.nextMarker)}`;
};

/** The parameters of a family as its default group has them, without any group (RDS's EngineDefaults). */
export const describeEngineDefaultParameters: ActionHandler = (_ctx, params) => {
  const family = params.required('DBParameterGroupFamily');
  if (!allFamilies().includes(family) && !clusterFamilies().includes(family)) {
    throw invalidValue(`ParameterGroupFamily ${family} is not a valid parameter group family`);
  }
  const max = v.maxRecords(params.integer('MaxRecords'));
  const defs = new Map(parametersOfFamily(family).map((d) => [d.name, d]));
  const page = paginate([...defs.keys()], params.string('Marker'), max);
  const none: ParameterGroupRecord = { name: '', family, description: '', isDefault: true, tags: [], values: {} };
  let xml = `<EngineDefaults><DBParameterGroupFamily>${family}</DBParameterGroupFamily>${markerXml(page.nextMarker)}<Parameters>`;
  for (const name of page.keys) xml += `<Parameter>${renderParameter(defs.get(name)!, none)}</Parameter>`;
  return `${xml}</Parameters></EngineDefaults>`;
};
