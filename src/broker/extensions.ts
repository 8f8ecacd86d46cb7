import { createHash } from 'node:crypto';
import { RdsError } from '../aws/errors.js';
import type { PlanConfig } from '../config/schema.js';
import { Tag } from '../reconcile/tags.js';
import { badRequest } from './contract.js';
import type { BrokerDeps } from './deps.js';
import type { DesiredSettings } from '../reconcile/settings.js';
import { desiredSettings, engineFamily, type RequestedSettings } from './plans.js';

/**
 * PostgreSQL extensions. Most are a CREATE EXTENSION away; a few need their library in
 * shared_preload_libraries, which on RDS lives in a parameter group and takes a reboot. Those go
 * through parameter groups the broker manages: one per engine family and set of libraries, created
 * on demand and shared by every instance that needs the same set.
 */

/** Extensions whose library must be preloaded, and that library's name. */
export const PRELOAD_LIBRARIES: Readonly<Record<string, string>> = {
  pg_stat_statements: 'pg_stat_statements',
  pg_cron: 'pg_cron',
  pgaudit: 'pgaudit',
  pg_hint_plan: 'pg_hint_plan',
  pglogical: 'pglogical',
  timescaledb: 'timescaledb',
};

export function encodeExtensions(names: readonly string[]): string {
  return [...new Set(names)].sort().join(':');
}

export function decodeExtensions(value: string | undefined): string[] {
  return (value ?? '').split(':').filter(Boolean);
}

export function preloadLibraries(extensions: readonly string[]): string[] {
  return [...new Set(extensions.map((e) => PRELOAD_LIBRARIES[e]).filter((l): l is string => l !== undefined))].sort();
}

/**
 * Pure: how every managed group of a family begins, whatever its libraries. The IAM policy scopes
 * the broker's own parameter groups by it (`pg:rdsbroker-postgres17-*`), so both names come from here.
 */
export function managedParameterGroupPrefix(family: string): string {
  return `rdsbroker-${family
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+$/, '')}-`;
}

/** Pure: the name of the managed group for a family and library set (RDS: letters, digits, single hyphens). */
export function managedParameterGroupName(family: string, libraries: readonly string[]): string {
  const readable = `${managedParameterGroupPrefix(family)}${libraries.join('-')}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+$/, '');
  if (readable.length <= 200) return readable;
  return `${managedParameterGroupPrefix(family)}${createHash('sha256').update(libraries.join(',')).digest('hex').slice(0, 16)}`;
}

/** The parameter group an instance of the plan with these extensions should use, if not the plan's own. */
export function parameterGroupFor(plan: PlanConfig, extensions: readonly string[]): string | undefined {
  const libraries = preloadLibraries(extensions);
  return libraries.length > 0 ? managedParameterGroupName(engineFamily(plan), libraries) : undefined;
}

/** Pure: the extension set after a request, checked against the plan. */
export function nextExtensions(plan: PlanConfig, current: readonly string[], enable: unknown, disable: unknown): string[] {
  const list = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  const toEnable = list(enable);
  const toDisable = list(disable);
  for (const name of [...toEnable, ...toDisable]) {
    if (!plan.extensions.allowed.includes(name))
      throw badRequest(`extension ${name} is not allowed on plan ${plan.name}; allowed: ${plan.extensions.allowed.join(', ') || 'none'}`);
  }
  const both = toEnable.filter((name) => toDisable.includes(name));
  if (both.length > 0) throw badRequest(`extension ${both.join(', ')} cannot be enabled and disabled at once`);
  return [...new Set([...current, ...toEnable])].filter((name) => !toDisable.includes(name)).sort();
}

/**
 * Makes sure the managed group exists with the libraries preloaded. Idempotent, and safe when two
 * replicas race: an existing group is simply (re)written with the same values.
 */
export async function ensureManagedParameterGroup(
  deps: BrokerDeps,
  plan: PlanConfig,
  extensions: readonly string[],
): Promise<string | undefined> {
  const name = parameterGroupFor(plan, extensions);
  if (!name) return undefined;
  try {
    await deps.rds.createParameterGroup(
      name,
      engineFamily(plan),
      `rds-broker: ${engineFamily(plan)} with ${preloadLibraries(extensions).join(', ')} preloaded`,
      { [Tag.brokerName]: deps.config.broker.name },
    );
  } catch (error) {
    if (!(error instanceof RdsError && error.kind === 'already-exists')) throw error;
  }
  await deps.rds.setParameters(name, { shared_preload_libraries: preloadLibraries(extensions).join(',') }, 'pending-reboot');
  return name;
}

/** The plan's desired settings, with the managed parameter group when the extensions need one. */
export function desiredWithExtensions(plan: PlanConfig, requested: RequestedSettings, extensions: readonly string[]): DesiredSettings {
  const desired = desiredSettings(plan, requested);
  const group = parameterGroupFor(plan, extensions);
  return group ? { ...desired, dbParameterGroupName: group } : desired;
}
