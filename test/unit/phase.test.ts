import { expect } from 'chai';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { canDeleteNow, currentStep, phase, statusPhase, type Phase } from '../../src/reconcile/phase.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import { effectiveRetryAfter, RetryAfter } from '../../src/reconcile/retry-after.js';
import { Step, Tag } from '../../src/reconcile/tags.js';

function instance(overrides: Partial<ObservedInstance> = {}, tags: Record<string, string> = {}): ObservedInstance {
  return {
    identifier: 'rdsb-a',
    arn: 'arn:aws:rds:eu-west-1:123456789012:db:rdsb-a',
    status: 'available',
    engine: 'postgres',
    engineVersion: '17.4',
    instanceClass: 'db.t4g.micro',
    allocatedStorage: 20,
    multiAz: false,
    vpcSecurityGroupIds: [],
    parameterGroups: [{ name: 'pg-a', applyStatus: 'in-sync' }],
    backupRetentionPeriod: 7,
    pendingModifications: [],
    ...overrides,
    tags: { [Tag.brokerName]: 'b', ...tags },
  };
}

describe('phase(observed): one answer to "is the instance idle?"', () => {
  const table: Array<[string, ObservedInstance | undefined, Phase]> = [
    ['no instance', undefined, 'gone'],
    ['available', instance(), 'idle'],
    ['storage-optimization (RDS accepts changes again)', instance({ status: 'storage-optimization' }), 'idle'],
    ['available with pending modified values', instance({ pendingModifications: ['DBInstanceClass'] }), 'busy'],
    ['available with a pending step', instance({}, { [Step.reboot]: 'true' }), 'busy'],
    ['creating', instance({ status: 'creating' }), 'busy'],
    ['modifying', instance({ status: 'modifying' }), 'busy'],
    ['a status RDS may add later', instance({ status: 'some-future-status' }), 'busy'],
    ['failed', instance({ status: 'failed' }), 'failed'],
    ['incompatible-anything', instance({ status: 'incompatible-something-new' }), 'failed'],
    ['storage-full', instance({ status: 'storage-full' }), 'failed'],
    ['deleting', instance({ status: 'deleting' }), 'deleting'],
    ['available with an accepted deprovision', instance({}, { [Step.delete]: 'true' }), 'deleting'],
    ['failed with an accepted deprovision', instance({ status: 'failed' }, { [Step.delete]: 'true' }), 'deleting'],
    ['a PendingDelete tag set to false is no deprovision', instance({}, { [Step.delete]: 'false' }), 'idle'],
  ];
  for (const [name, observed, expected] of table) {
    it(`${name} → ${expected}`, () => expect(phase(observed)).to.equal(expected));
  }

  it('statusPhase looks at the status alone', () => {
    expect(statusPhase('available')).to.equal('idle');
    expect(statusPhase('rebooting')).to.equal('busy');
    expect(statusPhase('restore-error')).to.equal('failed');
    expect(statusPhase('deleting')).to.equal('deleting');
  });

  it('RDS accepts a delete from failed and available, not from creating or modifying', () => {
    expect([canDeleteNow('available'), canDeleteNow('failed'), canDeleteNow('creating'), canDeleteNow('modifying')]).to.deep.equal([
      true,
      true,
      false,
      false,
    ]);
  });

  // The disagreement this module removed: a repeated provision (phase idle → 200) and last_operation
  // (reconcile: succeeded) must agree for every status an instance without pending steps can show.
  const statuses = ['available', 'storage-optimization', 'backing-up', 'modifying', 'creating', 'maintenance', 'failed'];
  for (const status of statuses) {
    it(`${status}: idle exactly when last_operation answers succeeded`, () => {
      const observed = instance({ status });
      const decision = reconcile({ observed, facts: {}, settleSeconds: 60 }, new Date('2026-11-25T12:00:00Z'));
      expect(phase(observed) === 'idle').to.equal(decision.state === 'succeeded');
    });
  }
});

describe('currentStep(observed): where the work stands, for metrics', () => {
  const table: Array<[string, ObservedInstance | undefined, string]> = [
    ['an accepted deletion, whatever else is pending', instance({}, { [Step.delete]: 'true', [Step.reboot]: 'true' }), 'PendingDelete'],
    [
      'the first pending step in step order',
      instance({}, { [Step.extensions]: 'true', [Step.resetMasterPassword]: 'started:2026-01-01T00:00:00Z' }),
      'PendingResetMasterPassword',
    ],
    ['RDS busy with no step pending: its status', instance({ status: 'creating' }), 'creating'],
    ['available with modifications RDS has not applied', instance({ pendingModifications: ['DBInstanceClass'] }), 'pending-modifications'],
    ['nothing to do', instance(), 'none'],
    ['no instance', undefined, 'none'],
  ];
  for (const [what, observed, expected] of table) it(`${what}: ${expected}`, () => expect(currentStep(observed)).to.equal(expected));
});

describe('Retry-After policy', () => {
  const table: Array<[number, number, number]> = [
    [30, 1, 30],
    [60, 0.05, 3],
    [15, 0.05, 1],
    [1, 0.01, 1],
    [20, 0.5, 10],
  ];
  for (const [nominal, scale, expected] of table) {
    it(`${nominal} s at scale ${scale} → ${expected} s (whole seconds, at least 1)`, () =>
      expect(effectiveRetryAfter(nominal, scale)).to.equal(expected));
  }

  it('statuses RDS spends long in ask for a later poll than quick ones; unknown statuses get the default', () => {
    expect(RetryAfter.forStatus('upgrading')).to.be.greaterThan(RetryAfter.forStatus('rebooting'));
    expect(RetryAfter.forStatus('a-status-nobody-knows')).to.equal(30);
  });
});
