/** Lookups and record creation shared by the actions. */
import { automatedSnapshotId } from '../../model/ids.js';
import { snapshotOf } from '../../model/records.js';
import type { InstanceRecord, SnapshotRecord, SnapshotType, Tag } from '../../model/types.js';
import type { ActionContext } from '../context.js';
import { instanceNotFound, invalidValue, parameterGroupNotFound, snapshotNotFound } from '../errors.js';

/** An identifier or an ARN naming a resource of `kind`, as RDS accepts either in most places. */
export function nameFromIdOrArn(ctx: ActionContext, value: string, kind: 'db' | 'snapshot' | 'pg'): string {
  if (!value.startsWith('arn:')) return value.toLowerCase();
  const parsed = ctx.arns.parse(value);
  if (!parsed || parsed.kind !== kind) throw invalidValue(`Invalid resource name: ${value}`);
  return kind === 'snapshot' && parsed.name.startsWith('rds:') ? parsed.name : parsed.name.toLowerCase();
}

export function findInstance(ctx: ActionContext, idOrArn: string): InstanceRecord {
  const id = nameFromIdOrArn(ctx, idOrArn, 'db');
  const inst = ctx.store.instance(id);
  if (!inst) throw instanceNotFound(id);
  return inst;
}

export function findSnapshot(ctx: ActionContext, idOrArn: string): SnapshotRecord {
  const id = idOrArn.startsWith('arn:') || idOrArn.startsWith('rds:') ? nameFromIdOrArn(ctx, idOrArn, 'snapshot') : idOrArn.toLowerCase();
  const snapshot = ctx.store.snapshots.get(id);
  if (!snapshot) throw snapshotNotFound(idOrArn);
  return snapshot;
}

export function findParameterGroup(ctx: ActionContext, name: string) {
  const group = ctx.store.parameterGroups.get(name.toLowerCase());
  if (!group) throw parameterGroupNotFound(name);
  return group;
}

/** A free `rds:<id>-<time>` name: two automated snapshots in one minute get a suffix. */
export function newAutomatedSnapshotId(ctx: ActionContext, inst: InstanceRecord): string {
  const base = automatedSnapshotId(inst.identifier, ctx.now);
  let id = base;
  for (let n = 2; ctx.store.snapshots.has(id); n++) id = `${base}-${n}`;
  return id;
}

export function addSnapshotRecord(
  ctx: ActionContext,
  inst: InstanceRecord,
  identifier: string,
  type: SnapshotType,
  tags: Tag[] | undefined,
): SnapshotRecord {
  const record = snapshotOf(inst, identifier, type, ctx.now, ctx.store.vpcId, tags);
  ctx.store.putSnapshot(record);
  return record;
}

/** Store the new record and let the scheduler drive it. */
export function commitInstance(ctx: ActionContext, inst: InstanceRecord): void {
  ctx.store.putInstance(inst);
  ctx.changed();
  ctx.scheduler.kick(inst.identifier);
}
