import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import type { PlanConfig, ServiceConfig } from '../config/schema.js';
import { acceptedParameters, parameterHints, parametersSchema, type JsonSchema, type ParameterKind } from './parameters.js';

// ajv-formats is CommonJS with an ES-style default export; under NodeNext the plugin sits on .default.
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv, formats: string[]) => Ajv;

function newAjv(): Ajv {
  // strictRequired off: `not: {required: [a, b]}` (a and b never both) names properties defined elsewhere.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, validateSchema: false });
  addFormats(ajv, ['date-time']);
  return ajv;
}

const ajv = newAjv();

/** Compiled validators by plan and kind: schemas depend only on the configuration, so compile once. */
const compiled = new WeakMap<PlanConfig, Map<ParameterKind, ValidateFunction>>();

function validatorFor(service: ServiceConfig, plan: PlanConfig, kind: ParameterKind): ValidateFunction {
  let byKind = compiled.get(plan);
  if (!byKind) {
    byKind = new Map();
    compiled.set(plan, byKind);
  }
  let validate = byKind.get(kind);
  if (!validate) {
    // The published schema declares draft-04 in $schema; the keywords it uses mean the same in the
    // draft ajv implements, so the declaration is dropped for compiling and nothing else changes.
    const { $schema: _declared, ...schema } = parametersSchema(service, plan, kind) as JsonSchema & { $schema?: string };
    validate = ajv.compile(schema);
    byKind.set(kind, validate);
  }
  return validate;
}

function parameterName(error: ErrorObject): string | undefined {
  const first = error.instancePath.split('/')[1];
  return first === undefined || first === '' ? undefined : first.replace(/~1/g, '/').replace(/~0/g, '~');
}

function describe(error: ErrorObject, accepted: string[], kind: ParameterKind): string {
  const name = parameterName(error);
  const hint = name ? parameterHints[name] : undefined;
  const acceptedText = accepted.length > 0 ? accepted.join(', ') : 'none';
  switch (error.keyword) {
    case 'additionalProperties': {
      const unknown = String((error.params as { additionalProperty: string }).additionalProperty);
      if (unknown === 'read_replicas' && !accepted.includes(unknown))
        return `parameter "read_replicas" is not accepted on ${kind} by this plan: it allows no read replicas`;
      if (STORAGE_PARAMETERS.has(unknown) && !accepted.includes(unknown))
        return `parameter ${JSON.stringify(unknown)} is not accepted on ${kind} by this plan: its storage is fixed by the plan`;
      return `parameter ${JSON.stringify(unknown)} is not accepted on ${kind} by this plan (accepted: ${acceptedText})`;
    }
    case 'type':
      if (!name) return 'parameters must be a JSON object';
      return `parameter ${name} must be ${articled(String((error.params as { type: string }).type))}`;
    case 'maximum':
    case 'minimum':
      if (name && STORAGE_PARAMETERS.has(name)) {
        const { comparison, limit } = error.params as { comparison: string; limit: number };
        return `parameter ${name} must be ${comparison === '<=' ? 'at most' : 'at least'} ${limit} GiB on this plan`;
      }
      if (error.keyword === 'maximum' && name === 'read_replicas') {
        const limit = (error.params as { limit: number }).limit;
        return `parameter read_replicas must be at most ${limit}: this plan allows up to ${limit} read replicas`;
      }
      return `parameter ${name} must be ${hint ?? 'as the catalog schema describes'}`;
    case 'pattern':
    case 'format':
    case 'minLength':
    case 'maxLength':
    case 'uniqueItems':
    case 'enum':
      if (error.keyword === 'enum' && error.instancePath.split('/').length > 2) {
        return `parameter ${name} holds a value that is not allowed (${hint ?? 'see the catalog schema'})`;
      }
      return `parameter ${name} must be ${hint ?? 'as the catalog schema describes'}`;
    case 'dependencies': {
      const params = error.params as { property: string; missingProperty: string };
      return `parameter ${params.property} needs parameter ${params.missingProperty}`;
    }
    case 'not':
      return 'parameters restore_from_latest_snapshot_of and restore_from_point_in_time_of cannot be used together';
    default:
      return `parameter ${name ?? '(parameters)'} is invalid: ${error.message ?? error.keyword}`;
  }
}

/** Their bounds depend on the plan, so a refusal says the bound. */
const STORAGE_PARAMETERS = new Set(['allocated_storage', 'max_allocated_storage']);

function articled(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * Problems with the user parameters of one request, each naming the parameter; empty when they are
 * acceptable. Validates against the schema the catalog publishes for this plan and kind.
 */
export function validateParameters(service: ServiceConfig, plan: PlanConfig, kind: ParameterKind, params: unknown): string[] {
  const validate = validatorFor(service, plan, kind);
  if (validate(params)) return [];
  const accepted = acceptedParameters(service, plan, kind);
  const problems = (validate.errors ?? []).map((error) => describe(error, accepted, kind));
  return [...new Set(problems)];
}

/** Compiles every plan's validators up front, so a schema problem stops start-up rather than a request. */
export function precompileParameterValidators(services: readonly ServiceConfig[]): void {
  for (const service of services) {
    for (const plan of service.plans) for (const kind of ['provision', 'update', 'bind'] as const) validatorFor(service, plan, kind);
  }
}
