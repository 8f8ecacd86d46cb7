import { expect } from 'chai';
import { reconcile, type ReconcileInput } from '../../src/reconcile/reconcile.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import type { DesiredSettings } from '../../src/reconcile/settings.js';
import { Step, Tag } from '../../src/reconcile/tags.js';

const now = new Date('2026-11-25T12:00:00Z');
const ago = (seconds: number) => `started:${new Date(now.getTime() - seconds * 1000).toISOString()}`;

const desired: DesiredSettings = {
  instanceClass: 'db.t4g.micro',
  allocatedStorage: 20,
  storageType: 'gp3',
  multiAz: false,
  vpcSecurityGroupIds: ['sg-1'],
  dbParameterGroupName: 'pg-a',
  backupRetentionPeriod: 7,
};

function instance(overrides: Partial<ObservedInstance> = {}, tags: Record<string, string> = {}): ObservedInstance {
  return {
    identifier: 'rdsb-a',
    arn: 'arn:aws:rds:eu-west-1:123456789012:db:rdsb-a',
    status: 'available',
    engine: 'postgres',
    engineVersion: '17.4',
    instanceClass: 'db.t4g.micro',
    allocatedStorage: 20,
    storageType: 'gp3',
    multiAz: false,
    vpcSecurityGroupIds: ['sg-1'],
    parameterGroups: [{ name: 'pg-a', applyStatus: 'in-sync' }],
    backupRetentionPeriod: 7,
    pendingModifications: [],
    ...overrides,
    tags: { [Tag.brokerName]: 'b', ...tags },
  };
}

function input(observed: ObservedInstance | undefined, extra: Partial<ReconcileInput> = {}): ReconcileInput {
  return { observed, desired, facts: {}, settleSeconds: 60, ...extra };
}

describe('reconcile: RDS status alone (no pending steps)', () => {
  const table: Array<[string, string]> = [
    ['available', 'succeeded'],
    ['storage-optimization', 'succeeded'],
    ['creating', 'in progress'],
    ['backing-up', 'in progress'],
    ['modifying', 'in progress'],
    ['rebooting', 'in progress'],
    ['upgrading', 'in progress'],
    ['resetting-master-credentials', 'in progress'],
    ['maintenance', 'in progress'],
    ['starting', 'in progress'],
    ['some-future-status', 'in progress'],
    ['failed', 'failed'],
    ['restore-error', 'failed'],
    ['incompatible-parameters', 'failed'],
    ['incompatible-restore', 'failed'],
    ['inaccessible-encryption-credentials', 'failed'],
    ['deleting', 'failed'],
  ];
  for (const [status, state] of table) {
    it(`${status} → ${state}`, () => {
      const decision = reconcile(input(instance({ status })), now);
      expect(decision.state).to.equal(state);
      expect(decision.action).to.equal(undefined);
      if (state === 'in progress') expect(decision.retryAfterSeconds).to.be.a('number').greaterThan(0);
    });
  }

  it('pending modified values keep an available instance in progress', () => {
    const decision = reconcile(input(instance({ pendingModifications: ['DBInstanceClass'] })), now);
    expect(decision.state).to.equal('in progress');
    expect(decision.description).to.contain('DBInstanceClass');
  });

  it('a vanished instance is gone for a deprovision and failed otherwise', () => {
    expect(reconcile(input(undefined, { operation: 'deprovision' }), now).state).to.equal('gone');
    expect(reconcile(input(undefined, { operation: 'provision' }), now).state).to.equal('failed');
    expect(reconcile(input(undefined), now).state).to.equal('failed');
  });
});

describe('reconcile: restore steps', () => {
  const allSteps = {
    [Step.updateSettings]: 'true',
    [Step.reboot]: 'true',
    [Step.resetMasterPassword]: 'true',
    [Step.neutraliseUsers]: 'true',
    [Tag.restoredFromSnapshot]: 'snap-1',
  };

  it('waits while the restore is still creating, naming the snapshot', () => {
    const decision = reconcile(input(instance({ status: 'creating' }, allSteps)), now);
    expect(decision).to.include({ state: 'in progress' });
    expect(decision.description).to.equal('restoring from snapshot snap-1');
    expect(decision.action).to.equal(undefined);
  });

  it('applies settings that differ, then waits for them to show', () => {
    const observed = instance({ vpcSecurityGroupIds: ['sg-default'], backupRetentionPeriod: 1 }, allSteps);
    const decision = reconcile(input(observed), now);
    expect(decision.action).to.deep.equal({
      kind: 'modify-settings',
      step: Step.updateSettings,
      change: { VpcSecurityGroupIds: ['sg-1'], BackupRetentionPeriod: 7 },
      applyImmediately: true,
    });
    const justStarted = instance(
      { vpcSecurityGroupIds: ['sg-default'], backupRetentionPeriod: 1 },
      { ...allSteps, [Step.updateSettings]: ago(5) },
    );
    const waiting = reconcile(input(justStarted), now);
    expect(waiting.state).to.equal('in progress');
    expect(waiting.action).to.equal(undefined);
    const stale = instance({ vpcSecurityGroupIds: ['sg-default'] }, { ...allSteps, [Step.updateSettings]: ago(600) });
    expect(reconcile(input(stale), now).action?.kind).to.equal('modify-settings');
  });

  it('completes the settings step once RDS shows the settings', () => {
    const decision = reconcile(input(instance({}, { ...allSteps, [Step.updateSettings]: ago(5) })), now);
    expect(decision.action).to.deep.equal({ kind: 'complete-step', step: Step.updateSettings });
  });

  it('never starts a step while RDS still has modifications pending', () => {
    const decision = reconcile(input(instance({ pendingModifications: ['VpcSecurityGroupIds'] }, { [Step.reboot]: 'true' })), now);
    expect(decision.action).to.equal(undefined);
  });

  it('reboots only when the parameter group asks for it', () => {
    const pending = instance({ parameterGroups: [{ name: 'pg-a', applyStatus: 'pending-reboot' }] }, { [Step.reboot]: 'true' });
    expect(reconcile(input(pending), now).action).to.deep.equal({
      kind: 'reboot',
      step: Step.reboot,
      forceFailover: false,
      requested: false,
    });
    const inSync = instance({}, { [Step.reboot]: 'true' });
    expect(reconcile(input(inSync), now).action).to.deep.equal({ kind: 'complete-step', step: Step.reboot });
    const applying = instance({ parameterGroups: [{ name: 'pg-a', applyStatus: 'applying' }] }, { [Step.reboot]: 'true' });
    expect(reconcile(input(applying), now).action).to.equal(undefined);
  });

  it('does not reboot again while a just-issued reboot is not visible yet', () => {
    const justRebooted = instance({ parameterGroups: [{ name: 'pg-a', applyStatus: 'pending-reboot' }] }, { [Step.reboot]: ago(3) });
    const decision = reconcile(input(justRebooted), now);
    expect(decision).to.include({ state: 'in progress', description: 'rebooting' });
    expect(decision.action).to.equal(undefined);
  });

  it('probes the master login, resets the password when refused, completes when accepted', () => {
    const observed = instance({}, { [Step.resetMasterPassword]: 'true', [Step.neutraliseUsers]: 'true' });
    expect(reconcile(input(observed), now).action).to.deep.equal({ kind: 'probe-master-login', step: Step.resetMasterPassword });
    expect(reconcile(input(observed, { facts: { masterLogin: 'refused' } }), now).action).to.deep.equal({
      kind: 'reset-master-password',
      step: Step.resetMasterPassword,
    });
    expect(reconcile(input(observed, { facts: { masterLogin: 'ok' } }), now).action).to.deep.equal({
      kind: 'complete-step',
      step: Step.resetMasterPassword,
    });
    const started = instance({}, { [Step.resetMasterPassword]: ago(2) });
    expect(reconcile(input(started, { facts: { masterLogin: 'refused' } }), now).action).to.equal(undefined);
  });

  it('neutralises the source users only after every earlier step is done', () => {
    const decision = reconcile(input(instance({}, { [Step.neutraliseUsers]: 'true' })), now);
    expect(decision.action).to.deep.equal({ kind: 'neutralise-users', step: Step.neutraliseUsers });
    expect(decision.description).to.equal("removing the source database's credentials");
    const earlier = reconcile(input(instance({}, { [Step.resetMasterPassword]: 'true', [Step.neutraliseUsers]: 'true' })), now);
    expect(earlier.action?.step).to.equal(Step.resetMasterPassword);
  });

  it('fails a restore whose instance RDS marks failed', () => {
    expect(reconcile(input(instance({ status: 'incompatible-restore' }, allSteps)), now).state).to.equal('failed');
  });
});

describe('reconcile: plan changes', () => {
  const previous: DesiredSettings = { ...desired, instanceClass: 'db.t4g.small' };
  it('rolls the plan tag back when the instance still matches the previous plan after the change settled', () => {
    const observed = instance({ instanceClass: 'db.t4g.small' }, { [Step.updateSettings]: ago(600) });
    const decision = reconcile(input(observed, { previousDesired: previous, operation: 'update' }), now);
    expect(decision.state).to.equal('failed');
    expect(decision.action).to.deep.equal({ kind: 'rollback-plan', step: Step.updateSettings });
  });
  it('asks for an operator when the instance matches neither plan', () => {
    const observed = instance({ instanceClass: 'db.r6g.large' }, { [Step.updateSettings]: ago(600) });
    const decision = reconcile(input(observed, { previousDesired: previous, operation: 'update' }), now);
    expect(decision.state).to.equal('failed');
    expect(decision.description).to.contain('operator');
    expect(decision.action).to.equal(undefined);
  });
  it('waits within the settle window, while the change may not show yet', () => {
    const observed = instance({ instanceClass: 'db.t4g.small' }, { [Step.updateSettings]: ago(2) });
    expect(reconcile(input(observed, { previousDesired: previous, operation: 'update' }), now).state).to.equal('in progress');
  });
});

describe('reconcile: a storage-full instance', () => {
  const full = (tags: Record<string, string> = {}) => instance({ status: 'storage-full' }, tags);
  it('grows the storage an update asked for, and nothing else', () => {
    const decision = reconcile(input(full({ [Step.updateSettings]: 'true' }), { desired: { ...desired, allocatedStorage: 40 } }), now);
    expect(decision.state).to.equal('in progress');
    expect(decision.action).to.deep.equal({
      kind: 'modify-settings',
      step: Step.updateSettings,
      change: { AllocatedStorage: 40 },
      applyImmediately: true,
    });
  });
  it('waits within the settle window after asking', () => {
    const decision = reconcile(input(full({ [Step.updateSettings]: ago(2) }), { desired: { ...desired, allocatedStorage: 40 } }), now);
    expect(decision.state).to.equal('in progress');
    expect(decision.action).to.equal(undefined);
  });
  it('stays failed for an operator when the pending change is more than storage, or no storage at all', () => {
    for (const wanted of [{ ...desired, allocatedStorage: 40, instanceClass: 'db.t4g.small' }, desired]) {
      const decision = reconcile(input(full({ [Step.updateSettings]: 'true' }), { desired: wanted }), now);
      expect(decision.state).to.equal('failed');
      expect(decision.action).to.equal(undefined);
    }
    expect(reconcile(input(full()), now).state).to.equal('failed');
  });
});

describe('reconcile: deletion', () => {
  it('deletes as soon as RDS allows, whatever else is pending', () => {
    const observed = instance({}, { [Step.delete]: 'true', [Step.reboot]: 'true' });
    expect(reconcile(input(observed), now).action).to.deep.equal({ kind: 'delete', step: Step.delete, resource: 'rdsb-a' });
  });
  it('waits while RDS refuses deletion (creating, modifying, rebooting)', () => {
    for (const status of ['creating', 'modifying', 'rebooting', 'resetting-master-credentials']) {
      const decision = reconcile(input(instance({ status }, { [Step.delete]: 'true' })), now);
      expect(decision.state, status).to.equal('in progress');
      expect(decision.action, status).to.equal(undefined);
    }
  });
  it('deletes a failed instance instead of reporting failure', () => {
    expect(reconcile(input(instance({ status: 'failed' }, { [Step.delete]: 'true' })), now).action?.kind).to.equal('delete');
  });
  it('does not delete twice within the settle window', () => {
    const decision = reconcile(input(instance({}, { [Step.delete]: ago(3) })), now);
    expect(decision.state).to.equal('in progress');
    expect(decision.action).to.equal(undefined);
  });
  it('reports deleting while RDS deletes', () => {
    expect(reconcile(input(instance({ status: 'deleting' }), { operation: 'deprovision' }), now).state).to.equal('in progress');
  });
});

describe('settings: engine versions', () => {
  it('upgrades an instance on an older engine version, and never downgrades', async () => {
    const { settingsDiff, compareVersions } = await import('../../src/reconcile/settings.js');
    expect(compareVersions('17.10', '17.9')).to.equal(1);
    expect(compareVersions('16.4', '17.2')).to.equal(-1);
    expect(settingsDiff(instance({ engineVersion: '17.2' }), { ...desired, engineVersion: '17.4' })).to.deep.equal({
      EngineVersion: '17.4',
    });
    expect(settingsDiff(instance({ engineVersion: '16.4' }), { ...desired, engineVersion: '17.4' })).to.deep.equal({
      EngineVersion: '17.4',
      AllowMajorVersionUpgrade: true,
    });
    expect(settingsDiff(instance({ engineVersion: '17.5' }), { ...desired, engineVersion: '17.4' })).to.deep.equal({});
  });
});
