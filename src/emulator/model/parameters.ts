/**
 * The parameters of the emulated parameter groups: every setting of the real servers (their own
 * catalogs, read from the binaries: see src/emulator/parameters/) with RDS's own parameters, defaults
 * and validation. `rds.force_ssl` and `require_secure_transport` matter most: the database layer
 * enforces them on the real servers.
 */
import type { ParameterDefinition } from '../parameters/definition.js';
import { familyParameters } from '../parameters/families.js';
import { FormulaError, checkFormula, classResources, evaluateFormula, looksLikeFormula } from '../parameters/formulas.js';
import type { EngineCatalogs } from '../parameters/settings-cache.js';
import { engineOfFamily, majorOfFamily } from './catalog.js';
import { serverFamilyOf } from './cluster-catalog.js';

export type { ParameterDefinition } from '../parameters/definition.js';

let catalogs: EngineCatalogs = {};
const CACHE = new Map<string, ParameterDefinition[]>();
const BY_NAME = new Map<string, Map<string, ParameterDefinition>>();

/** The engines' catalogs the families are built from (once, at emulator start). */
export function installEngineCatalogs(next: EngineCatalogs): void {
  catalogs = next;
  CACHE.clear();
  BY_NAME.clear();
}

export function engineCatalogs(): EngineCatalogs {
  return catalogs;
}

export function parametersOfFamily(family: string): ParameterDefinition[] {
  const cached = CACHE.get(family);
  if (cached) return cached;
  const engine = engineOfFamily(family);
  // An Aurora family has the parameters of the server that stands in for it (aurora-postgresql16: postgres16).
  const aurora = engine ? undefined : serverFamilyOf(family);
  const defs = engine
    ? familyParameters(engine, majorOfFamily(family), catalogs)
    : aurora
      ? familyParameters(aurora.engine, aurora.major, catalogs)
      : [];
  CACHE.set(family, defs);
  BY_NAME.set(family, new Map(defs.map((d) => [d.name, d])));
  return defs;
}

/** Parameter names are matched as the engines match them: without regard to case. */
export function findParameter(family: string, name: string): ParameterDefinition | undefined {
  parametersOfFamily(family);
  return BY_NAME.get(family)?.get(name.toLowerCase()) ?? BY_NAME.get(family)?.get(name);
}

function allowedList(def: ParameterDefinition): string[] | undefined {
  return def.allowedValues?.split(',').map((v) => v.trim().toLowerCase());
}

/** Why `value` is not acceptable for the parameter (RDS's message), or undefined when it is. */
export function checkParameterValue(def: ParameterDefinition, value: string): string | undefined {
  if (!def.isModifiable) return `The parameter ${def.name} cannot be modified.`;
  const allowed = def.allowedValues;
  const refuse = () => `Value: ${value} is not allowed for parameter: ${def.name}. Allowed values are: ${allowed}`;
  if ((def.dataType === 'integer' || def.dataType === 'float') && looksLikeFormula(value)) {
    try {
      checkFormula(value);
      return undefined;
    } catch (error) {
      return error instanceof FormulaError ? error.message : String(error);
    }
  }
  switch (def.dataType) {
    case 'boolean':
    case 'string':
      if (allowed && !allowedList(def)!.includes(value.trim().toLowerCase())) return refuse();
      return undefined;
    case 'list': {
      if (!allowed || value.trim() === '') return undefined;
      const list = allowedList(def)!;
      return value.split(',').every((item) => list.includes(item.trim().toLowerCase())) ? undefined : refuse();
    }
    case 'integer':
    case 'float': {
      const pattern = def.dataType === 'integer' ? /^-?\d+$/ : /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
      if (!pattern.test(value.trim()))
        return `Value: ${value} is not ${def.dataType === 'integer' ? 'an integer' : 'a number'} for parameter: ${def.name}`;
      const range = allowed?.match(/^(-?[\d.e+]+)-(-?[\d.e+]+)$/);
      if (range && (Number(value) < Number(range[1]) || Number(value) > Number(range[2]))) {
        return `Value: ${value} is outside of range: ${allowed} for parameter: ${def.name}`;
      }
      return undefined;
    }
  }
}

/**
 * A value as the server receives it: a formula evaluated for the instance's class (and port), a
 * literal as it is. Undefined when a formula cannot be evaluated (an unknown class).
 */
export function resolveValue(
  value: string,
  instance: { instanceClass?: string; port?: number; allocatedStorage?: number },
): string | undefined {
  if (!looksLikeFormula(value)) return value;
  const resources = instance.instanceClass ? classResources(instance.instanceClass) : undefined;
  if (!resources) return undefined;
  try {
    return String(
      evaluateFormula(value, {
        DBInstanceClassMemory: resources.memoryBytes,
        DBInstanceVCPU: resources.vcpu,
        AllocatedStorage: (instance.allocatedStorage ?? 20) * 1024 ** 3,
        EndPointPort: instance.port ?? 0,
      }),
    );
  } catch {
    return undefined;
  }
}

/**
 * The values the database layer receives: defaults it acts on (rds.force_ssl,
 * require_secure_transport, timezone), overlaid with the group's user-set values, formulas
 * evaluated for the instance. RDS's formula defaults (shared_buffers of a quarter of the class's
 * memory) are not passed: emulated servers share one machine and keep the database layer's sizes.
 */
export function serverParameters(
  family: string,
  userValues: Record<string, { value: string }>,
  instance: { instanceClass?: string; port?: number; allocatedStorage?: number } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of parametersOfFamily(family)) {
    if (def.forServer && def.defaultValue !== undefined) out[def.name] = def.defaultValue;
  }
  for (const [name, { value }] of Object.entries(userValues)) {
    const resolved = resolveValue(value, instance);
    if (resolved !== undefined) out[name] = resolved;
  }
  return out;
}
