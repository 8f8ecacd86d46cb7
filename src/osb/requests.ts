import type {
  BindingLastOperationRequest,
  BindRequest,
  DeprovisionRequest,
  FetchBindingRequest,
  FetchInstanceRequest,
  LastOperationRequest,
  MaintenanceInfo,
  ProvisionRequest,
  UnbindRequest,
  UpdateRequest,
} from '../broker/contract.js';
import { findPlan, findService, planBindable, validateParameters, type ParameterKind, type PlanMatch } from '../catalog/index.js';
import type { ParsedConfig, PlanConfig, ServiceConfig } from '../config/schema.js';
import { asyncRequired, badRequest, quote } from './errors.js';
import { idProblem, instanceIdProblem } from './ids.js';

/**
 * Pure translation of what arrived over HTTP (path parameters, query, JSON body) into the typed
 * requests of the broker contract. Everything the contract promises is checked here: IDs in the
 * documented alphabet, service and plan in the catalog, parameters valid for the plan. Any problem
 * is a 400 (or 422 AsyncRequired) thrown before the broker is asked anything.
 */

export type Query = Record<string, string | string[] | undefined>;
export type CatalogConfig = Pick<ParsedConfig, 'catalog'> & { broker: Pick<ParsedConfig['broker'], 'identifierPrefix'> };

/** Longest `operation` the spec allows a broker to hand out, and so the longest we take back. */
const MAX_OPERATION_LENGTH = 10_000;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw badRequest(`query parameter ${name} is given more than once`);
  return value;
}

function requiredQuery(query: Query, name: string): string {
  const value = single(query, name);
  if (value === undefined || value === '') throw badRequest(`query parameter ${name} is required`);
  return value;
}

function optionalQuery(query: Query, name: string): string | undefined {
  const value = single(query, name);
  if (value === '') throw badRequest(`query parameter ${name} must not be empty when present`);
  return value;
}

/** accepts_incomplete=true is required: every RDS operation takes minutes. */
export function requireAcceptsIncomplete(query: Query): void {
  const value = single(query, 'accepts_incomplete');
  if (value === undefined || value.toLowerCase() === 'false') throw asyncRequired();
  if (value.toLowerCase() !== 'true') throw badRequest('query parameter accepts_incomplete must be true or false');
}

export function checkInstanceId(config: CatalogConfig, id: string): string {
  const problem = instanceIdProblem(config.broker.identifierPrefix, id);
  if (problem) throw badRequest(problem);
  return id;
}

export function checkBindingId(id: string): string {
  const problem = idProblem('binding_id', id);
  if (problem) throw badRequest(problem);
  return id;
}

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * An optional object field. Some platforms' client libraries serialise an absent structure as `null`
 * or `{}`; the spec makes these fields optional as a whole, so both read as absent (never a 400).
 * `path` names the field in errors as the caller sent it (previous_values.maintenance_info).
 */
function objectField(body: Record<string, unknown>, name: string, path = name): Record<string, unknown> | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw badRequest(`${path} must be a JSON object`);
  if (Object.keys(value).length === 0) return undefined;
  return value;
}

function stringField(body: Record<string, unknown>, name: string, required: boolean, path = name): string | undefined {
  const value = body[name];
  if (value === undefined || (value === null && !required)) {
    if (required) throw badRequest(`${path} is required`);
    return undefined;
  }
  if (typeof value !== 'string' || value === '') throw badRequest(`${path} must be a non-empty string`);
  return value;
}

function maintenanceInfoField(body: Record<string, unknown>, path = 'maintenance_info'): MaintenanceInfo | undefined {
  const name = 'maintenance_info';
  const value = objectField(body, name, path);
  if (!value) return undefined;
  const version = value.version;
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(version)) {
    throw badRequest(`${path}.version must be a semantic version string`);
  }
  const description = value.description;
  if (description !== undefined && typeof description !== 'string') throw badRequest(`${path}.description must be a string`);
  return description === undefined ? { version } : { version, description };
}

function knownService(config: CatalogConfig, serviceId: string): ServiceConfig {
  const service = findService(config, serviceId);
  if (!service) throw badRequest(`service_id ${quote(serviceId)} is not in this broker's catalog`);
  return service;
}

function knownPlan(config: CatalogConfig, serviceId: string, planId: string): PlanMatch {
  const service = knownService(config, serviceId);
  const match = findPlan(config, serviceId, planId);
  if (!match) throw badRequest(`plan_id ${quote(planId)} is not a plan of service ${quote(service.name)}`);
  return match;
}

/** Optional service_id / plan_id hints (GET and last_operation): when sent, they must name the catalog. */
function checkHints(config: CatalogConfig, serviceId: string | undefined, planId: string | undefined): void {
  if (serviceId !== undefined && planId !== undefined) knownPlan(config, serviceId, planId);
  else if (serviceId !== undefined) knownService(config, serviceId);
  else if (planId !== undefined && !config.catalog.services.some((s) => s.plans.some((p) => p.id === planId))) {
    throw badRequest(`plan_id ${quote(planId)} is not in this broker's catalog`);
  }
}

function checkParameters(service: ServiceConfig, plans: PlanConfig[], kind: ParameterKind, parameters: Record<string, unknown>): void {
  if (Object.keys(parameters).length === 0) return;
  let firstProblems: string[] | undefined;
  for (const plan of plans) {
    const problems = validateParameters(service, plan, kind, parameters);
    if (problems.length === 0) return;
    firstProblems ??= problems;
  }
  throw badRequest(`invalid parameters: ${(firstProblems ?? []).join('; ')}`);
}

export function provisionRequest(config: CatalogConfig, instanceId: string, query: Query, body: Record<string, unknown>): ProvisionRequest {
  checkInstanceId(config, instanceId);
  requireAcceptsIncomplete(query);
  const serviceId = stringField(body, 'service_id', true)!;
  const planId = stringField(body, 'plan_id', true)!;
  const { service, plan } = knownPlan(config, serviceId, planId);
  const parameters = objectField(body, 'parameters') ?? {};
  checkParameters(service, [plan], 'provision', parameters);
  const request: ProvisionRequest = {
    instanceId,
    serviceId,
    planId,
    context: objectField(body, 'context') ?? {},
    parameters,
  };
  const organizationGuid = stringField(body, 'organization_guid', false);
  const spaceGuid = stringField(body, 'space_guid', false);
  const maintenanceInfo = maintenanceInfoField(body);
  if (organizationGuid !== undefined) request.organizationGuid = organizationGuid;
  if (spaceGuid !== undefined) request.spaceGuid = spaceGuid;
  if (maintenanceInfo) request.maintenanceInfo = maintenanceInfo;
  return request;
}

export function updateRequest(config: CatalogConfig, instanceId: string, query: Query, body: Record<string, unknown>): UpdateRequest {
  checkInstanceId(config, instanceId);
  requireAcceptsIncomplete(query);
  const serviceId = stringField(body, 'service_id', true)!;
  const service = knownService(config, serviceId);
  const planId = stringField(body, 'plan_id', false);
  if (planId !== undefined) knownPlan(config, serviceId, planId);
  const previous = objectField(body, 'previous_values');
  const previousValues: NonNullable<UpdateRequest['previousValues']> = {};
  if (previous) {
    for (const [field, key] of [
      ['service_id', 'serviceId'],
      ['plan_id', 'planId'],
      ['organization_id', 'organizationId'],
      ['space_id', 'spaceId'],
    ] as const) {
      const value = stringField(previous, field, false, `previous_values.${field}`);
      if (value !== undefined) previousValues[key] = value;
    }
    const previousMaintenance = maintenanceInfoField(previous, 'previous_values.maintenance_info');
    if (previousMaintenance) previousValues.maintenanceInfo = previousMaintenance;
  }
  const parameters = objectField(body, 'parameters') ?? {};
  // Validate against the plan the instance will have; when the request does not say which that is,
  // against any plan of the service (the broker knows the instance's plan and checks again).
  const targetPlan = service.plans.find((p) => p.id === (planId ?? previousValues.planId));
  checkParameters(service, targetPlan ? [targetPlan] : service.plans, 'update', parameters);
  const request: UpdateRequest = { instanceId, serviceId, context: objectField(body, 'context') ?? {}, parameters };
  if (planId !== undefined) request.planId = planId;
  if (previous) request.previousValues = previousValues;
  const maintenanceInfo = maintenanceInfoField(body);
  if (maintenanceInfo) request.maintenanceInfo = maintenanceInfo;
  return request;
}

export function deprovisionRequest(config: CatalogConfig, instanceId: string, query: Query): DeprovisionRequest {
  checkInstanceId(config, instanceId);
  requireAcceptsIncomplete(query);
  const serviceId = requiredQuery(query, 'service_id');
  const planId = requiredQuery(query, 'plan_id');
  knownPlan(config, serviceId, planId);
  return { instanceId, serviceId, planId };
}

function hints(config: CatalogConfig, query: Query): { serviceId?: string; planId?: string } {
  const serviceId = optionalQuery(query, 'service_id');
  const planId = optionalQuery(query, 'plan_id');
  checkHints(config, serviceId, planId);
  const out: { serviceId?: string; planId?: string } = {};
  if (serviceId !== undefined) out.serviceId = serviceId;
  if (planId !== undefined) out.planId = planId;
  return out;
}

function operation(query: Query): { operation?: string } {
  const value = optionalQuery(query, 'operation');
  if (value === undefined) return {};
  if (value.length > MAX_OPERATION_LENGTH) throw badRequest(`query parameter operation is longer than ${MAX_OPERATION_LENGTH} characters`);
  return { operation: value };
}

export function fetchInstanceRequest(config: CatalogConfig, instanceId: string, query: Query): FetchInstanceRequest {
  checkInstanceId(config, instanceId);
  return { instanceId, ...hints(config, query) };
}

export function lastOperationRequest(config: CatalogConfig, instanceId: string, query: Query): LastOperationRequest {
  checkInstanceId(config, instanceId);
  return { instanceId, ...hints(config, query), ...operation(query) };
}

export function bindRequest(config: CatalogConfig, instanceId: string, bindingId: string, body: Record<string, unknown>): BindRequest {
  checkInstanceId(config, instanceId);
  checkBindingId(bindingId);
  const serviceId = stringField(body, 'service_id', true)!;
  const planId = stringField(body, 'plan_id', true)!;
  const { service, plan } = knownPlan(config, serviceId, planId);
  if (!planBindable(service, plan)) throw badRequest(`plan ${quote(plan.name)} is not bindable`);
  const parameters = objectField(body, 'parameters') ?? {};
  checkParameters(service, [plan], 'bind', parameters);
  const request: BindRequest = { instanceId, bindingId, serviceId, planId, context: objectField(body, 'context') ?? {}, parameters };
  const bindResource = objectField(body, 'bind_resource');
  const appGuid = stringField(body, 'app_guid', false);
  // app_guid at the top level is the deprecated spelling of bind_resource.app_guid.
  if (bindResource) request.bindResource = bindResource;
  else if (appGuid !== undefined) request.bindResource = { app_guid: appGuid };
  const predecessor = stringField(body, 'predecessor_binding_id', false);
  if (predecessor !== undefined) {
    const problem = idProblem('binding_id', predecessor);
    if (problem) throw badRequest(`predecessor_binding_id: ${problem}`);
    if (predecessor === bindingId) throw badRequest('predecessor_binding_id must name another binding');
    request.predecessorBindingId = predecessor;
  }
  return request;
}

export function unbindRequest(config: CatalogConfig, instanceId: string, bindingId: string, query: Query): UnbindRequest {
  checkInstanceId(config, instanceId);
  checkBindingId(bindingId);
  const serviceId = requiredQuery(query, 'service_id');
  const planId = requiredQuery(query, 'plan_id');
  knownPlan(config, serviceId, planId);
  return { instanceId, bindingId, serviceId, planId };
}

export function fetchBindingRequest(config: CatalogConfig, instanceId: string, bindingId: string, query: Query): FetchBindingRequest {
  checkInstanceId(config, instanceId);
  checkBindingId(bindingId);
  return { instanceId, bindingId, ...hints(config, query) };
}

export function bindingLastOperationRequest(
  config: CatalogConfig,
  instanceId: string,
  bindingId: string,
  query: Query,
): BindingLastOperationRequest {
  return { ...fetchBindingRequest(config, instanceId, bindingId, query), ...operation(query) };
}
