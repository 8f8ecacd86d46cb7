/** What a fresh RDS account already has: default parameter groups per family and a `default` subnet group. */
import { allFamilies } from './catalog.js';
import { newSecurityGroupId, newSubnetId, newVpcId } from './ids.js';
import { Store } from './store.js';
import { seedClusterDefaults } from './cluster-records.js';

export function defaultParameterGroupName(family: string): string {
  return `default.${family}`;
}

export function newStore(region: string): Store {
  const store = new Store(newVpcId(), newSecurityGroupId());
  seedDefaults(store, region);
  return store;
}

/** Idempotent: a store loaded from an older state gains groups for families added since. */
export function seedDefaults(store: Store, region: string): void {
  for (const family of allFamilies()) {
    const name = defaultParameterGroupName(family);
    if (store.parameterGroups.has(name)) continue;
    store.putParameterGroup({
      name,
      family,
      description: `Default parameter group for ${family}`,
      isDefault: true,
      tags: [],
      values: {},
    });
  }
  seedClusterDefaults(store);
  if (!store.subnetGroups.has('default')) {
    store.putSubnetGroup({
      name: 'default',
      description: 'default',
      vpcId: store.vpcId,
      subnets: ['a', 'b', 'c'].map((zone) => ({ id: newSubnetId(), availabilityZone: `${region}${zone}` })),
      tags: [],
    });
  }
}
