import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../../src/config/schema.js';

/**
 * The chart's values.schema.json, built from two parts: the chart's own values, described here, and
 * the broker configuration under `config`, generated from the broker's zod schema so that `helm
 * install` refuses what the broker would refuse at start-up. The chart fills `auth` and
 * `broker.derivationSecrets` itself, so they are taken out of `config`.
 *
 * Regenerate after changing either: `node --import tsx test/helm/valuesSchema.ts`
 * (the chart test fails while the committed file differs).
 */

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

export function brokerConfigSchema(): JsonSchema {
  // draft-07: understood by Helm 3's validator as well as Helm 4's.
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
  delete schema.$schema;
  delete schema.properties!.auth;
  schema.required = schema.required!.filter((key) => key !== 'auth');
  const broker = schema.properties!.broker!;
  delete broker.properties!.derivationSecrets;
  broker.required = broker.required!.filter((key) => key !== 'derivationSecrets');
  schema.description = 'The broker configuration (CONFIGURATION.md) without auth and broker.derivationSecrets, which the chart fills in.';
  return schema;
}

const str = { type: 'string' };
const bool = { type: 'boolean' };
const obj = { type: 'object' };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
const positiveInt = { type: 'integer', minimum: 1 };
const strict = (properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  properties,
  required,
});
const positiveNumber = { type: 'number', exclusiveMinimum: 0 };
/** A Prometheus duration, as a rule's `for` takes it (0m, 90s, 1h30m). */
const duration = { type: 'string', pattern: '^([0-9]+(ms|s|m|h|d|w|y))+$' };
/** One alert's values: on or off, how long before it fires, its severity label, and its thresholds. */
const alert = (thresholds: Record<string, unknown>) =>
  strict({ enabled: bool, for: duration, severity: { type: 'string', minLength: 1 }, ...thresholds });

export function valuesSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'rds-broker chart values',
    ...strict(
      {
        replicaCount: { type: 'integer', minimum: 1, description: 'Broker replicas; two or more for availability.' },
        rdsBudget: strict({
          accountBurst: { type: 'number', minimum: 1 },
          accountRatePerSecond: { type: 'number', exclusiveMinimum: 0 },
          share: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
        }),
        image: strict(
          { repository: { type: 'string', minLength: 1 }, tag: str, pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] } },
          ['repository'],
        ),
        imagePullSecrets: { type: 'array', items: strict({ name: { type: 'string', minLength: 1 } }, ['name']) },
        nameOverride: str,
        fullnameOverride: str,
        auth: strict({ username: { type: 'string', minLength: 1 }, password: str }, ['username']),
        derivationSecrets: {
          type: 'array',
          minItems: 1,
          description: 'Newest first. Never change or remove a value still in use.',
          items: strict(
            { id: { type: 'string', pattern: '^[a-z0-9]{1,8}$' }, value: { type: 'string', anyOf: [{ maxLength: 0 }, { minLength: 16 }] } },
            ['id'],
          ),
        },
        existingSecret: str,
        serviceAccount: strict({ create: bool, name: str, annotations: stringMap }),
        rbac: strict({ create: bool }),
        podAnnotations: stringMap,
        podLabels: stringMap,
        podSecurityContext: obj,
        securityContext: obj,
        service: strict({
          type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
          port: { type: 'integer', minimum: 1, maximum: 65535 },
        }),
        resources: obj,
        livenessProbe: obj,
        readinessProbe: obj,
        terminationGracePeriodSeconds: { type: 'integer', minimum: 0 },
        topologySpread: strict({
          enabled: bool,
          maxSkew: positiveInt,
          whenUnsatisfiable: { enum: ['ScheduleAnyway', 'DoNotSchedule'] },
          topologyKeys: { type: 'array', items: str },
        }),
        podDisruptionBudget: strict({ enabled: bool, maxUnavailable: { type: ['integer', 'string'] } }),
        nodeSelector: stringMap,
        tolerations: { type: 'array', items: obj },
        affinity: obj,
        extraEnv: { type: 'array', items: { type: 'object', required: ['name'] } },
        databaseCaBundle: strict({ pem: str, existingConfigMap: str, key: { type: 'string', minLength: 1 } }),
        tls: strict({ enabled: bool, secretName: str }),
        metrics: strict({
          serviceMonitor: strict({ enabled: bool, interval: str, scrapeTimeout: str, labels: stringMap }),
          selector: { type: 'string', description: 'PromQL label matchers for the alerts and dashboard; empty: this release.' },
          prometheusRule: strict({
            enabled: bool,
            labels: stringMap,
            alertLabels: stringMap,
            alerts: strict({
              operationStuck: alert({ maxAgeSeconds: positiveInt }),
              rdsThrottling: alert({ callsPerSecond: positiveNumber }),
              rdsErrors: alert({ callsPerSecond: positiveNumber, ignoredCodes: str }),
              databaseTls: alert({}),
              noHousekeepingLeader: alert({}),
              resyncBehind: alert({ maxAgeSeconds: positiveInt }),
            }),
          }),
          grafanaDashboard: strict({ enabled: bool, labels: stringMap, annotations: stringMap, namespace: str }),
        }),
        networkPolicy: strict({ enabled: bool, ingressFrom: { type: 'array', items: obj }, egress: { type: 'array', items: obj } }),
        config: brokerConfigSchema(),
      },
      ['replicaCount', 'image', 'auth', 'derivationSecrets', 'config'],
    ),
  };
}

export const valuesSchemaPath = fileURLToPath(new URL('../../helm/rds-broker/values.schema.json', import.meta.url));

export function valuesSchemaText(): string {
  return `${JSON.stringify(valuesSchema(), null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(valuesSchemaPath, valuesSchemaText());
  process.stdout.write(`wrote ${valuesSchemaPath}\n`);
}
