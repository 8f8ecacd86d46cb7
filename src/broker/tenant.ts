import { badRequest } from './contract.js';
import { Tag, type Tags } from '../reconcile/tags.js';

/**
 * Who owns an instance: (platform, organization, space) on Cloud Foundry, (platform, cluster,
 * namespace) on Kubernetes. Recorded in tags at provision; restore compares it, so a tenant can
 * never reach another tenant's data.
 */
export interface Tenant {
  platform: string;
  organizationId?: string;
  spaceId?: string;
  clusterId?: string;
  namespace?: string;
  organizationName?: string;
  spaceName?: string;
  instanceName?: string;
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value.length > 0 ? value : undefined);

export function tenantFromRequest(context: Record<string, unknown>, organizationGuid?: string, spaceGuid?: string): Tenant {
  const platform = str(context.platform) ?? (organizationGuid || spaceGuid ? 'cloudfoundry' : 'unknown');
  if (platform === 'kubernetes') {
    return {
      platform,
      ...(str(context.clusterid) ? { clusterId: str(context.clusterid)! } : {}),
      ...(str(context.namespace) ? { namespace: str(context.namespace)! } : {}),
      ...(str(context.instance_name) ? { instanceName: str(context.instance_name)! } : {}),
    };
  }
  const contextOrg = str(context.organization_guid);
  const contextSpace = str(context.space_guid);
  // The deprecated top-level fields must agree with the context when both are sent.
  if (organizationGuid && contextOrg && organizationGuid !== contextOrg)
    throw badRequest('organization_guid differs from context.organization_guid');
  if (spaceGuid && contextSpace && spaceGuid !== contextSpace) throw badRequest('space_guid differs from context.space_guid');
  const organizationId = contextOrg ?? organizationGuid;
  const spaceId = contextSpace ?? spaceGuid;
  return {
    platform,
    ...(organizationId ? { organizationId } : {}),
    ...(spaceId ? { spaceId } : {}),
    ...(str(context.organization_name) ? { organizationName: str(context.organization_name)! } : {}),
    ...(str(context.space_name) ? { spaceName: str(context.space_name)! } : {}),
    ...(str(context.instance_name) ? { instanceName: str(context.instance_name)! } : {}),
  };
}

export function tenantTags(tenant: Tenant, clean: (value: string) => string): Record<string, string> {
  const tags: Record<string, string> = { [Tag.platform]: clean(tenant.platform) };
  const put = (key: string, value: string | undefined) => {
    if (value) tags[key] = clean(value);
  };
  put(Tag.organizationId, tenant.organizationId);
  put(Tag.spaceId, tenant.spaceId);
  put(Tag.clusterId, tenant.clusterId);
  put(Tag.namespace, tenant.namespace);
  put(Tag.organizationName, tenant.organizationName);
  put(Tag.spaceName, tenant.spaceName);
  put(Tag.instanceName, tenant.instanceName);
  return tags;
}

export function tenantFromTags(tags: Tags): Tenant {
  // Instances of the established broker carry organization and space but no platform tag.
  const platform = tags[Tag.platform] ?? (tags[Tag.organizationId] || tags[Tag.spaceId] ? 'cloudfoundry' : 'unknown');
  const out: Tenant = { platform };
  if (tags[Tag.organizationId]) out.organizationId = tags[Tag.organizationId];
  if (tags[Tag.spaceId]) out.spaceId = tags[Tag.spaceId];
  if (tags[Tag.clusterId]) out.clusterId = tags[Tag.clusterId];
  if (tags[Tag.namespace]) out.namespace = tags[Tag.namespace];
  return out;
}

/** The identifying part, as one string: what isolation compares, and what operators filter on. */
export function tenantKey(tenant: Tenant): string | undefined {
  if (tenant.platform === 'kubernetes') return tenant.namespace ? `kubernetes/${tenant.clusterId ?? ''}/${tenant.namespace}` : undefined;
  if (tenant.organizationId && tenant.spaceId) return `${tenant.platform}/${tenant.organizationId}/${tenant.spaceId}`;
  return undefined;
}

/** Same tenant only when both are identifiable and equal: an unknown tenant matches nobody. */
export function sameTenant(a: Tenant, b: Tenant): boolean {
  const ka = tenantKey(a);
  return ka !== undefined && ka === tenantKey(b);
}
