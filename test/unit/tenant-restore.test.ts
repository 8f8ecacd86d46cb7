import { expect } from 'chai';
import { BrokerError } from '../../src/broker/contract.js';
import { parseRestoreRequest } from '../../src/broker/restore-source.js';
import { sameTenant, tenantFromRequest, tenantFromTags, tenantTags } from '../../src/broker/tenant.js';
import { tagValue } from '../../src/reconcile/tags.js';

describe('tenants', () => {
  const cf = tenantFromRequest({ platform: 'cloudfoundry', organization_guid: 'o1', space_guid: 's1' });
  const k8s = tenantFromRequest({ platform: 'kubernetes', clusterid: 'c1', namespace: 'n1' });

  it('compares Cloud Foundry tenants by organization and space, Kubernetes ones by cluster and namespace', () => {
    expect(sameTenant(cf, tenantFromRequest({ platform: 'cloudfoundry', organization_guid: 'o1', space_guid: 's1' }))).to.equal(true);
    expect(sameTenant(cf, tenantFromRequest({ platform: 'cloudfoundry', organization_guid: 'o1', space_guid: 's2' }))).to.equal(false);
    expect(sameTenant(k8s, tenantFromRequest({ platform: 'kubernetes', clusterid: 'c1', namespace: 'n2' }))).to.equal(false);
    expect(sameTenant(k8s, tenantFromRequest({ platform: 'kubernetes', clusterid: 'c2', namespace: 'n1' }))).to.equal(false);
    expect(sameTenant(k8s, cf)).to.equal(false);
  });

  it('never matches an unidentifiable tenant, not even itself', () => {
    const unknown = tenantFromRequest({});
    expect(sameTenant(unknown, unknown)).to.equal(false);
  });

  it("round-trips through tags, and reads the established broker's tags without a platform tag", () => {
    expect(sameTenant(tenantFromTags(tenantTags(cf, tagValue)), cf)).to.equal(true);
    expect(sameTenant(tenantFromTags(tenantTags(k8s, tagValue)), k8s)).to.equal(true);
    expect(sameTenant(tenantFromTags({ 'Organization ID': 'o1', 'Space ID': 's1' }), cf)).to.equal(true);
  });

  it('accepts the deprecated organization_guid and space_guid only when they agree with the context', () => {
    expect(tenantFromRequest({}, 'o1', 's1')).to.include({ platform: 'cloudfoundry', organizationId: 'o1', spaceId: 's1' });
    expect(() => tenantFromRequest({ platform: 'cloudfoundry', organization_guid: 'o1', space_guid: 's1' }, 'o1', 's9')).to.throw(
      BrokerError,
    );
  });
});

describe('restore parameters', () => {
  it('reads each kind of restore', () => {
    expect(parseRestoreRequest({})).to.equal(undefined);
    expect(parseRestoreRequest({ restore_from_latest_snapshot_of: 'a' })).to.deep.equal({ kind: 'snapshot', sourceInstanceId: 'a' });
    const at = '2026-01-01T00:00:00Z';
    expect(parseRestoreRequest({ restore_from_point_in_time_of: 'a', restore_from_point_in_time_before: at })).to.deep.equal({
      kind: 'point-in-time',
      sourceInstanceId: 'a',
      before: new Date(at),
    });
  });
  it('refuses both kinds at once, a time without its source, and a malformed time', () => {
    const status = (parameters: Record<string, unknown>) => {
      try {
        parseRestoreRequest(parameters);
        return 0;
      } catch (error) {
        return (error as BrokerError).status;
      }
    };
    expect(status({ restore_from_latest_snapshot_of: 'a', restore_from_point_in_time_of: 'a' })).to.equal(400);
    expect(status({ restore_from_latest_snapshot_before: '2026-01-01T00:00:00Z' })).to.equal(400);
    expect(status({ restore_from_point_in_time_of: 'a', restore_from_point_in_time_before: 'yesterday' })).to.equal(400);
  });
});
