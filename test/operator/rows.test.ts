import { expect } from 'chai';
import { instanceRows, renderInstanceTable } from '../../src/operator/rows.js';
import { Step, Tag } from '../../src/reconcile/tags.js';
import { NOW, observedInstance, PLANS, secondsBefore, testConfig } from './fixtures.js';

describe('instances: rows from one list call', () => {
  const config = testConfig();
  const restoring = observedInstance(
    'restoring',
    {},
    {
      [Tag.operation]: `restore@${secondsBefore(330).toISOString()}`,
      [Step.updateSettings]: 'true',
      [Step.reboot]: `started:${secondsBefore(45).toISOString()}`,
      [Step.neutraliseUsers]: 'true',
    },
  );
  const idle = observedInstance(
    'idle',
    {},
    { [Tag.operation]: `provision@${secondsBefore(86400 * 3).toISOString()}`, [Tag.planId]: PLANS.medium },
  );
  const otherSpace = observedInstance(
    'other-space',
    { status: 'modifying' },
    { [Tag.spaceId]: 'space-2', [Tag.operation]: `update@${secondsBefore(61).toISOString()}` },
  );
  const kube = observedInstance(
    'kube',
    {},
    {
      [Tag.platform]: 'kubernetes',
      [Tag.organizationId]: undefined,
      [Tag.spaceId]: undefined,
      [Tag.clusterId]: 'c1',
      [Tag.namespace]: 'ns',
    },
  );
  const foreign = observedInstance('foreign', {}, { [Tag.brokerName]: 'another-broker', [Step.reboot]: 'true' });
  const untagged = observedInstance('untagged', {}, { [Tag.brokerName]: undefined });
  const all = [restoring, idle, otherSpace, kube, foreign, untagged];

  it('lists only what this broker owns, sorted by RDS identifier', () => {
    const rows = instanceRows(config, all, {}, NOW);
    expect(rows.map((r) => r.identifier)).to.deep.equal(['local-idle', 'local-kube', 'local-other-space', 'local-restoring']);
  });

  it('shows the broker’s read replicas on their primary’s row, not as instances of their own', () => {
    const replica = (n: number, overrides: Record<string, unknown>) =>
      observedInstance(`idle-r${n}`, overrides, { [Tag.replicaOf]: 'local-idle', [Tag.instanceId]: undefined });
    const listing = [...all, replica(2, { status: 'creating' }), replica(1, { replication: { status: 'replicating', normal: true } })];
    const rows = instanceRows(config, listing, {}, NOW);
    expect(rows.map((r) => r.identifier)).to.deep.equal(['local-idle', 'local-kube', 'local-other-space', 'local-restoring']);
    expect(rows[0]!.replicas).to.deep.equal([
      { identifier: 'local-idle-r1', status: 'available', replication: 'replicating' },
      { identifier: 'local-idle-r2', status: 'creating', replication: null },
    ]);
    expect(renderInstanceTable(rows, NOW)).to.contain('local-idle-r1 available/replicating, local-idle-r2 creating');
  });

  it('fills every column from tags and the observation', () => {
    const row = instanceRows(config, all, {}, NOW).find((r) => r.instanceId === 'restoring')!;
    expect(row).to.deep.include({
      identifier: 'local-restoring',
      planName: 'small',
      serviceName: 'postgres',
      tenant: 'cloudfoundry/org-1/space-1',
      status: 'available',
      activity: 'in progress',
    });
    expect(row.pendingSteps).to.deep.equal([
      { step: 'PendingUpdateSettings', alias: 'update-settings' },
      { step: 'PendingReboot', alias: 'reboot', issuedAt: secondsBefore(45).toISOString() },
      { step: 'PendingResetUserPassword', alias: 'neutralise-users' },
    ]);
    expect(row.operation).to.deep.equal({
      kind: 'restore',
      startedAt: secondsBefore(330).toISOString(),
      inProgress: true,
      runningSeconds: 330,
    });
  });

  it('counts no running time for an operation that has finished', () => {
    const row = instanceRows(config, [idle], {}, NOW)[0]!;
    expect(row.planName).to.equal('medium');
    expect(row.activity).to.equal('idle');
    expect(row.operation).to.deep.equal({ kind: 'provision', startedAt: secondsBefore(86400 * 3).toISOString(), inProgress: false });
  });

  it('filters on pending steps and on tenant, exactly or by a prefix that ends at a slash', () => {
    expect(instanceRows(config, all, { pending: true }, NOW).map((r) => r.instanceId)).to.deep.equal(['restoring']);
    expect(instanceRows(config, all, { tenant: 'cloudfoundry/org-1/space-2' }, NOW).map((r) => r.instanceId)).to.deep.equal([
      'other-space',
    ]);
    expect(instanceRows(config, all, { tenant: 'cloudfoundry/org-1' }, NOW).map((r) => r.instanceId)).to.deep.equal([
      'idle',
      'other-space',
      'restoring',
    ]);
    expect(instanceRows(config, all, { tenant: 'cloudfoundry/org-1/space' }, NOW)).to.deep.equal([]);
    expect(instanceRows(config, all, { tenant: 'kubernetes/c1/ns' }, NOW).map((r) => r.instanceId)).to.deep.equal(['kube']);
  });

  it('renders a table a person can read', () => {
    const text = renderInstanceTable(instanceRows(config, [restoring, otherSpace], {}, NOW), NOW);
    const [header, first, second] = text.split('\n');
    expect(header).to.match(
      /^INSTANCE ID\s+RDS IDENTIFIER\s+PLAN\s+TENANT\s+STATUS\s+OPERATION\s+RUNNING FOR\s+PENDING STEPS\s+READ REPLICAS$/,
    );
    expect(first).to.match(
      /^other-space\s+local-other-space\s+small\s+cloudfoundry\/org-1\/space-2\s+modifying\s+update\s+1m 01s\s+-\s+-$/,
    );
    expect(second).to.contain('restore').and.contain('5m 30s').and.contain('update-settings, reboot (issued 45s ago), neutralise-users');
    expect(renderInstanceTable([], NOW)).to.equal('No instances.');
    expect(renderInstanceTable([], NOW, { tenant: 'org', unfilteredCount: 3 })).to.equal(
      'No instances match --tenant org: the filter matched nothing (3 instances without it).',
    );
    expect(renderInstanceTable([], NOW, { pending: true, unfilteredCount: 0 })).to.match(
      /--pending: the filter matched nothing \(this broker has no instances at all\)/,
    );
    expect(renderInstanceTable([], NOW, { pending: false, unfilteredCount: 0 })).to.equal('No instances.');
  });

  it('shows an unknown plan by its ID rather than hiding the instance', () => {
    const row = instanceRows(config, [observedInstance('odd', {}, { [Tag.planId]: 'retired-plan' })], {}, NOW)[0]!;
    expect(row.planName).to.equal(null);
    expect(renderInstanceTable([row], NOW)).to.contain('unknown plan retired-plan');
  });
});
