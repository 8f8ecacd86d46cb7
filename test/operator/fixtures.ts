import { buildConfig, type Config } from '../../src/config/load.js';
import { localConfigDocument, LOCAL_PLANS } from '../../src/local/config.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { Tag } from '../../src/reconcile/tags.js';

/** A real, validated configuration (the local catalog) with known values, for the pure operator tests. */
export const DERIVATION_SECRET = 'operator-tests-derivation-secret-0123';

export function testConfig(change?: (document: Record<string, any>) => void): Config {
  const document = localConfigDocument({
    port: 0,
    emulatorUrl: 'http://127.0.0.1:9',
    caFile: '/nonexistent/ca.pem',
    username: 'platform',
    password: 'platform-password-for-tests',
    derivationSecret: DERIVATION_SECRET,
  });
  change?.(document);
  return buildConfig(document, {});
}

export const NOW = new Date('2026-03-10T12:00:00Z');
export const secondsBefore = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

/** An instance as the gateway observes it, owned by the local broker unless tags say otherwise. */
export function observedInstance(instanceId: string, overrides: Partial<ObservedInstance> = {}, tags: Record<string, string | undefined> = {}): ObservedInstance {
  const allTags: Record<string, string> = {};
  const base: Record<string, string | undefined> = {
    [Tag.brokerName]: 'rds-broker-local',
    [Tag.instanceId]: instanceId,
    [Tag.serviceId]: 'b9a4f6a0-5b0e-4f57-9a43-7b7d0c2f0001',
    [Tag.planId]: LOCAL_PLANS.small,
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
    vpcSecurityGroupIds: ['sg-0local00000000001'],
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
