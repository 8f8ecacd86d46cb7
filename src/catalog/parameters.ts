import {
  bindParameterNames,
  provisionParameterNames,
  updateParameterNames,
  type PlanConfig,
  type ServiceConfig,
} from '../config/schema.js';
import { leastMaxAllocatedStorage } from '../config/storage.js';
import { ID_MAX_LENGTH, ID_PATTERN_SOURCE } from '../osb/ids.js';

/**
 * The user parameters (`cf create-service … -c '{…}'`) as JSON Schema. The catalog publishes these
 * schemas and the front end validates requests against the very same objects, so what a platform is
 * told and what the broker accepts cannot drift apart. Only keywords that mean the same in draft-04
 * and later drafts are used (type, properties, pattern, minimum/maximum, enum, items, uniqueItems,
 * format), because the spec obliges platforms to understand draft-04 and we validate with a newer one.
 */

export type ParameterKind = 'provision' | 'update' | 'bind';
export type JsonSchema = Record<string, unknown>;

export const JSON_SCHEMA_DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

const hhmm = '([01][0-9]|2[0-3]):[0-5][0-9]';
const day = '(mon|tue|wed|thu|fri|sat|sun|Mon|Tue|Wed|Thu|Fri|Sat|Sun)';

const boolean = (description: string): JsonSchema => ({ type: 'boolean', description });
const instanceReference = (description: string): JsonSchema => ({
  type: 'string',
  minLength: 1,
  maxLength: ID_MAX_LENGTH,
  pattern: ID_PATTERN_SOURCE,
  description,
});
const dateTime = (description: string): JsonSchema => ({ type: 'string', format: 'date-time', description });

/** What a value must look like, for error messages; keyed by parameter name. */
export const parameterHints: Record<string, string> = {
  db_name: 'a database name: a letter, then up to 62 letters, digits or underscores',
  backup_retention_period: 'an integer number of days from 0 to 35',
  preferred_backup_window: 'a UTC time range hh24:mi-hh24:mi, e.g. 03:00-03:30',
  preferred_maintenance_window: 'a UTC weekly range ddd:hh24:mi-ddd:hh24:mi, e.g. sun:05:00-sun:05:30',
  restore_from_latest_snapshot_of: 'the ID of a service instance (letters, digits, - and _)',
  restore_from_point_in_time_of: 'the ID of a service instance (letters, digits, - and _)',
  restore_from_latest_snapshot_before: 'an RFC 3339 date-time, e.g. 2025-01-31T12:00:00Z',
  restore_from_point_in_time_before: 'an RFC 3339 date-time, e.g. 2025-01-31T12:00:00Z',
  enable_extensions: 'a list of distinct extension names this plan allows',
  disable_extensions: 'a list of distinct extension names this plan allows',
  read_only: 'true or false',
  read_replicas: "an integer number of read replicas from 0 to the plan's maximum",
  allocated_storage: "an integer number of GiB within the plan's bounds (see the catalog schema)",
  max_allocated_storage:
    "an integer number of GiB, at least 10% above the allocated storage and within the plan's bound (see the catalog schema)",
};

function extensionList(plan: PlanConfig, description: string): JsonSchema {
  return {
    type: 'array',
    items: { type: 'string', enum: [...plan.extensions.allowed] },
    uniqueItems: true,
    description: `${description} Allowed: ${plan.extensions.allowed.join(', ')}.`,
  };
}

/** The schema of one parameter; extension lists depend on the plan. */
function parameterSchema(name: string, plan: PlanConfig): JsonSchema {
  switch (name) {
    case 'db_name':
      return { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$', description: 'Name of the database created in the instance.' };
    case 'backup_retention_period':
      return { type: 'integer', minimum: 0, maximum: 35, description: 'Days automated backups are kept; 0 disables them.' };
    case 'preferred_backup_window':
      return { type: 'string', pattern: `^${hhmm}-${hhmm}$`, description: 'Daily UTC time range for automated backups, hh24:mi-hh24:mi.' };
    case 'preferred_maintenance_window':
      return {
        type: 'string',
        pattern: `^${day}:${hhmm}-${day}:${hhmm}$`,
        description: 'Weekly UTC time range for maintenance, ddd:hh24:mi-ddd:hh24:mi.',
      };
    case 'skip_final_snapshot':
      return boolean('When true, deprovisioning takes no final snapshot.');
    case 'delete_automated_backups':
      return boolean('When true, automated backups are deleted with the instance.');
    case 'apply_at_maintenance_window':
      return boolean('When true, changes wait for the next maintenance window instead of applying now.');
    case 'reboot':
      return boolean('When true, the instance is rebooted.');
    case 'force_failover':
      return boolean('With reboot on a Multi-AZ instance: fail over to the standby while rebooting.');
    case 'upgrade_minor_version':
      return boolean("When true, the instance is upgraded to the plan's engine version.");
    case 'read_only':
      return boolean('When true, the binding can read but not change data.');
    case 'restore_from_latest_snapshot_of':
      return instanceReference('Create the instance from the latest snapshot of this service instance.');
    case 'restore_from_point_in_time_of':
      return instanceReference('Create the instance as this service instance was at a point in time.');
    case 'restore_from_latest_snapshot_before':
      return dateTime('With restore_from_latest_snapshot_of: use the latest snapshot taken before this time.');
    case 'restore_from_point_in_time_before':
      return dateTime('With restore_from_point_in_time_of: the point in time; absent means the latest restorable time.');
    case 'enable_extensions':
      return extensionList(plan, 'PostgreSQL extensions to create.');
    case 'disable_extensions':
      return extensionList(plan, 'PostgreSQL extensions to drop.');
    case 'read_replicas': {
      const replicas = plan.readReplicas!;
      return {
        type: 'integer',
        minimum: 0,
        maximum: replicas.max,
        description: `Number of read replicas of the instance, 0 to ${replicas.max}; absent: ${replicas.default} on provision, unchanged on update.`,
      };
    }
    case 'allocated_storage': {
      const { min, max } = plan.userStorage!.allocatedStorage!;
      return {
        type: 'integer',
        minimum: min,
        maximum: max,
        description: `Storage in GiB, ${min} to ${max}; absent: ${plan.rds.allocatedStorage} on provision, unchanged on update. Storage only grows: an update cannot ask for less than the instance has.`,
      };
    }
    case 'max_allocated_storage': {
      const { max } = plan.userStorage!.maxAllocatedStorage!;
      const least = leastMaxAllocatedStorage(plan.userStorage?.allocatedStorage?.min ?? plan.rds.allocatedStorage);
      return {
        type: 'integer',
        minimum: least,
        maximum: max,
        description: `Storage autoscaling ceiling in GiB, up to ${max} and at least 10% above the allocated storage: RDS grows the storage up to it when free space runs low.${plan.rds.maxAllocatedStorage ? ` Absent: ${plan.rds.maxAllocatedStorage} on provision.` : ''}`,
      };
    }
    default:
      throw new Error(`no schema for parameter ${name}`);
  }
}

const allNames: Record<ParameterKind, readonly string[]> = {
  provision: provisionParameterNames,
  update: updateParameterNames,
  bind: bindParameterNames,
};

const extensionParameters = new Set(['enable_extensions', 'disable_extensions']);

/**
 * The parameter names a request of `kind` accepts for this plan: the plan's selection, else the
 * service's, else every name the broker understands. Extension parameters are dropped for a plan
 * that allows no extension, read_replicas for a plan that allows no replicas, and the storage
 * parameters for a plan that sets no bounds on them (userStorage), since there would be nothing
 * valid to send.
 */
export function acceptedParameters(service: ServiceConfig, plan: PlanConfig, kind: ParameterKind): string[] {
  const selected: readonly string[] = plan.parameters?.[kind] ?? service.parameters?.[kind] ?? allNames[kind];
  return selected.filter(
    (name) =>
      (!extensionParameters.has(name) || plan.extensions.allowed.length > 0) &&
      (name !== 'read_replicas' || plan.readReplicas !== undefined) &&
      (name !== 'allocated_storage' || plan.userStorage?.allocatedStorage !== undefined) &&
      (name !== 'max_allocated_storage' || plan.userStorage?.maxAllocatedStorage !== undefined),
  );
}

/** Parameters that mean nothing without another one: `dependencies` in draft-04 and draft-07 alike. */
const companions: Record<string, string> = {
  restore_from_latest_snapshot_before: 'restore_from_latest_snapshot_of',
  restore_from_point_in_time_before: 'restore_from_point_in_time_of',
  force_failover: 'reboot',
};

/** Pairs that cannot be sent together: an instance is restored one way or the other. */
const exclusive: Array<[string, string]> = [['restore_from_latest_snapshot_of', 'restore_from_point_in_time_of']];

/** The JSON Schema (draft-04 compatible) of the `parameters` object of one kind of request. */
export function parametersSchema(service: ServiceConfig, plan: PlanConfig, kind: ParameterKind): JsonSchema {
  const names = acceptedParameters(service, plan, kind);
  const properties: Record<string, JsonSchema> = {};
  for (const name of names) properties[name] = parameterSchema(name, plan);
  const schema: JsonSchema = { $schema: JSON_SCHEMA_DRAFT_04, type: 'object', properties, additionalProperties: false };
  const dependencies: Record<string, string[]> = {};
  for (const [name, needs] of Object.entries(companions)) {
    if (names.includes(name) && names.includes(needs)) dependencies[name] = [needs];
  }
  if (Object.keys(dependencies).length > 0) schema.dependencies = dependencies;
  const forbidden = exclusive.filter(([a, b]) => names.includes(a) && names.includes(b)).map((pair) => ({ required: pair }));
  if (forbidden.length > 0) schema.not = { anyOf: forbidden };
  return schema;
}
