import { buildConfig, type Config } from '../../src/config/load.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { Tag } from '../../src/reconcile/tags.js';

/**
 * A real, validated configuration with known values for the pure operator tests. Written out here
 * rather than taken from local mode's catalog, so these tests do not move when that catalog does.
 */
export const DERIVATION_SECRET = 'operator-tests-derivation-secret-0123';
export const SERVICE_ID = 'svc-operator-tests';
export const PLANS = { small: 'plan-small', medium: 'plan-medium', old: 'plan-pg16' } as const;

export function testConfig(change?: (document: Record<string, any>) => void): Config {
  const plan = (id: string, name: string, instanceClass: string, engineVersion: string) => ({
    id,
    name,
    description: `${name} plan`,
    rds: {
      engine: 'postgres',
      engineVersion,
      instanceClass,
      allocatedStorage: 20,
      backupRetentionPeriod: 7,
      vpcSecurityGroupIds: ['sg-1'],
    },
  });
  const document: Record<string, any> = {
    auth: { credentials: [{ username: 'platform', password: 'platform-password-for-tests' }] },
    broker: { name: 'rds-broker-local', identifierPrefix: 'local', derivationSecrets: [{ id: 'local1', value: DERIVATION_SECRET }] },
    aws: {
      region: 'eu-west-1',
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local-emulator-secret' },
    },
    catalog: {
      services: [
        {
          id: SERVICE_ID,
          name: 'postgres',
          description: 'PostgreSQL',
          plans: [
            plan(PLANS.small, 'small', 'db.t4g.micro', '17.4'),
            plan(PLANS.medium, 'medium', 'db.t4g.small', '17.4'),
            plan(PLANS.old, 'small-16', 'db.t4g.micro', '16.4'),
          ],
        },
      ],
    },
  };
  change?.(document);
  return buildConfig(document, {});
}

export const NOW = new Date('2026-03-10T12:00:00Z');
export const secondsBefore = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

/** An instance as the gateway observes it, owned by the local broker unless tags say otherwise. */
export function observedInstance(
  instanceId: string,
  overrides: Partial<ObservedInstance> = {},
  tags: Record<string, string | undefined> = {},
): ObservedInstance {
  const allTags: Record<string, string> = {};
  const base: Record<string, string | undefined> = {
    [Tag.brokerName]: 'rds-broker-local',
    [Tag.instanceId]: instanceId,
    [Tag.serviceId]: SERVICE_ID,
    [Tag.planId]: PLANS.small,
    [Tag.platform]: 'cloudfoundry',
    [Tag.organizationId]: 'org-1',
    [Tag.spaceId]: 'space-1',
    ...tags,
  };
  for (const [key, value] of Object.entries(base)) if (value !== undefined) allTags[key] = value;
  return {
    identifier: `local-${instanceId}`,
    arn: `arn:aws:rds:eu-west-1:000000000000:db:local-${instanceId}`,
    status: 'available',
    engine: 'postgres',
    engineVersion: '17.4',
    instanceClass: 'db.t4g.micro',
    allocatedStorage: 20,
    storageType: 'gp3',
    multiAz: false,
    vpcSecurityGroupIds: ['sg-1'],
    parameterGroups: [{ name: 'default.postgres17', applyStatus: 'in-sync' }],
    backupRetentionPeriod: 7,
    pendingModifications: [],
    endpoint: { address: `local-${instanceId}.emulator.internal`, port: 5432 },
    masterUsername: 'rdsadmin_broker',
    dbName: 'appdb',
    ...overrides,
    tags: allTags,
  };
}
