import * as k8s from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

/**
 * Validation of rendered manifests against Kubernetes' own schemas, in two passes, like kubeconform
 * in strict mode:
 * 1. the JSON schemas generated from the Kubernetes OpenAPI document (kubernetes-models; the
 *    prometheus-operator CRD schemas for ServiceMonitor and PrometheusRule): types, enums, required fields, formats;
 * 2. unknown fields, which those schemas let through (the OpenAPI document does not close its
 *    objects): every key must be a field of the type in @kubernetes/client-node's models, which
 *    are generated from the same OpenAPI document.
 */

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

const models: Record<string, { model: ModelClass; clientType?: string }> = {
  'apps/v1/Deployment': { model: Deployment as unknown as ModelClass, clientType: 'V1Deployment' },
  'v1/ConfigMap': { model: ConfigMap as unknown as ModelClass, clientType: 'V1ConfigMap' },
  'v1/Secret': { model: Secret as unknown as ModelClass, clientType: 'V1Secret' },
  'v1/Service': { model: Service as unknown as ModelClass, clientType: 'V1Service' },
  'v1/ServiceAccount': { model: ServiceAccount as unknown as ModelClass, clientType: 'V1ServiceAccount' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget as unknown as ModelClass, clientType: 'V1PodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/Role': { model: Role as unknown as ModelClass, clientType: 'V1Role' },
  'rbac.authorization.k8s.io/v1/RoleBinding': { model: RoleBinding as unknown as ModelClass, clientType: 'V1RoleBinding' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy as unknown as ModelClass, clientType: 'V1NetworkPolicy' },
  'monitoring.coreos.com/v1/ServiceMonitor': { model: ServiceMonitor as unknown as ModelClass },
  'monitoring.coreos.com/v1/PrometheusRule': { model: PrometheusRule as unknown as ModelClass },
};

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** Every problem with one manifest, each naming its path; empty when it is valid. */
export function manifestProblems(manifest: Manifest): string[] {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const entry = models[key];
  if (!entry) return [`${key}: no schema known for this kind`];
  const problems: string[] = [];
  try {
    new entry.model(manifest as never).validate();
  } catch (error) {
    const details = (error as { errors?: Array<{ instancePath: string; message?: string }> }).errors;
    if (details) problems.push(...details.map((d) => `${key} ${manifest.metadata?.name}${d.instancePath}: ${d.message}`));
    else problems.push(`${key} ${manifest.metadata?.name}: ${(error as Error).message}`);
  }
  if (entry.clientType) problems.push(...unknownFields(manifest, entry.clientType, `${key} ${manifest.metadata?.name}`));
  return problems;
}

type AttributeMap = Array<{ baseName: string; type: string }>;
const arrayType = /^Array<(.+)>$/;
const mapType = /^\{ \[key: string\]: (.+); \}$/;

function unknownFields(value: unknown, type: string, path: string): string[] {
  if (value === null || value === undefined) return [];
  const array = arrayType.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`)) : [];
  const map = mapType.exec(type);
  if (map) return typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1]!, `${path}.${k}`)) : [];
  const model = (k8s as unknown as Record<string, { getAttributeTypeMap?: () => AttributeMap }>)[type];
  if (!model?.getAttributeTypeMap || typeof value !== 'object') return [];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value as Record<string, unknown>).flatMap(([field, child]) => {
    const attribute = attributes.find((a) => a.baseName === field);
    return attribute ? unknownFields(child, attribute.type, `${path}.${field}`) : [`${path}.${field}: unknown field`];
  });
}
