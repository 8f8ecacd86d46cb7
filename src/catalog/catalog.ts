import type { ParsedConfig, PlanConfig, ServiceConfig } from '../config/schema.js';
import { parametersSchema } from './parameters.js';

/**
 * The OSB catalog (GET /v2/catalog), built from the configuration. Pure: the same configuration
 * always gives the same catalog, which is what lets several replicas answer alike.
 */

export interface MaintenanceInfo {
  version: string;
  description?: string;
}

/** How long a platform should poll an operation when the plan does not say: restores of large snapshots take hours. */
export const DEFAULT_MAXIMUM_POLLING_DURATION_SECONDS = 2 * 24 * 60 * 60;

const engineDisplayNames: Record<string, string> = { postgres: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB' };

/**
 * maintenance_info from an engine version: OSB wants semantic versioning 2.0, RDS versions are
 * "17.4", "8.0.39" or "5.7.44-rds.20240408". Missing components become 0 and anything after the
 * numbers becomes build metadata (after "+"), which semver ignores for ordering, as it should: it is
 * the same engine release.
 */
export function deriveMaintenanceInfo(engine: string, engineVersion: string): MaintenanceInfo {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(.*)$/.exec(engineVersion);
  const engineName = engineDisplayNames[engine] ?? engine;
  const description = `${engineName} engine version ${engineVersion}`;
  if (!match) return { version: `0.0.0+${sanitizeBuild(engineVersion)}`, description };
  const [, major, minor = '0', patch = '0', rest = ''] = match;
  const build = sanitizeBuild(rest.replace(/^[^0-9A-Za-z]+/, ''));
  return { version: `${Number(major)}.${Number(minor)}.${Number(patch)}${build ? `+${build}` : ''}`, description };
}

function sanitizeBuild(text: string): string {
  return text
    .replace(/[^0-9A-Za-z.-]/g, '-')
    .split('.')
    .filter((part) => part.length > 0)
    .join('.');
}

/** The plan's maintenance_info: as configured, else derived from its engine version. */
export function planMaintenanceInfo(plan: PlanConfig): MaintenanceInfo {
  return plan.maintenance_info ?? deriveMaintenanceInfo(plan.rds.engine, plan.rds.engineVersion);
}

export function planBindable(service: ServiceConfig, plan: PlanConfig): boolean {
  return plan.bindable ?? service.bindable;
}

export function planUpdateable(service: ServiceConfig, plan: PlanConfig): boolean {
  return plan.plan_updateable ?? service.plan_updateable;
}

/** Bullets a marketplace can show, unless the configuration brings its own. */
function planBullets(plan: PlanConfig): string[] {
  const rds = plan.rds;
  const bullets = [
    `${engineDisplayNames[rds.engine] ?? rds.engine} ${rds.engineVersion}`,
    `${rds.instanceClass}`,
    `${rds.allocatedStorage} GB ${rds.storageType} storage${rds.storageEncrypted ? ', encrypted' : ''}`,
    rds.multiAz ? 'Multi-AZ' : 'Single-AZ',
    `${rds.backupRetentionPeriod} days of automated backups`,
  ];
  const replicas = plan.readReplicas;
  if (replicas)
    bullets.push(
      `Read replicas: ${replicas.default} by default, up to ${replicas.max}${replicas.instanceClass ? ` (${replicas.instanceClass})` : ''}`,
    );
  return bullets;
}

function catalogPlan(service: ServiceConfig, plan: PlanConfig): Record<string, unknown> {
  const bindable = planBindable(service, plan);
  const metadata = { bullets: planBullets(plan), ...(plan.metadata ?? {}) };
  const schemas: Record<string, unknown> = {
    service_instance: {
      create: { parameters: parametersSchema(service, plan, 'provision') },
      update: { parameters: parametersSchema(service, plan, 'update') },
    },
  };
  if (bindable) schemas.service_binding = { create: { parameters: parametersSchema(service, plan, 'bind') } };
  return {
    id: plan.id,
    name: plan.name,
    description: plan.description,
    metadata,
    free: plan.free,
    bindable,
    binding_rotatable: bindable,
    plan_updateable: planUpdateable(service, plan),
    schemas,
    maximum_polling_duration: plan.maximum_polling_duration ?? DEFAULT_MAXIMUM_POLLING_DURATION_SECONDS,
    maintenance_info: planMaintenanceInfo(plan),
  };
}

function catalogService(service: ServiceConfig): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: service.id,
    name: service.name,
    description: service.description,
    tags: [...service.tags],
    bindable: service.bindable,
    instances_retrievable: true,
    bindings_retrievable: true,
    allow_context_updates: true,
    plan_updateable: service.plan_updateable,
    plans: service.plans.map((plan) => catalogPlan(service, plan)),
  };
  if (service.requires) body.requires = [...service.requires];
  if (service.metadata) body.metadata = service.metadata;
  return body;
}

export interface CatalogBody {
  services: Array<Record<string, unknown>>;
}

export function buildCatalog(config: Pick<ParsedConfig, 'catalog'>): CatalogBody {
  return { services: config.catalog.services.map(catalogService) };
}

export interface PlanMatch {
  service: ServiceConfig;
  plan: PlanConfig;
}

export function findService(config: Pick<ParsedConfig, 'catalog'>, serviceId: string): ServiceConfig | undefined {
  return config.catalog.services.find((service) => service.id === serviceId);
}

/** The plan `planId` of service `serviceId`; undefined when either is unknown or the plan belongs to another service. */
export function findPlan(config: Pick<ParsedConfig, 'catalog'>, serviceId: string, planId: string): PlanMatch | undefined {
  const service = findService(config, serviceId);
  const plan = service?.plans.find((candidate) => candidate.id === planId);
  return service && plan ? { service, plan } : undefined;
}
