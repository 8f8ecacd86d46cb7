import { expect } from 'chai';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { reconcile, type Action, type ReconcileInput } from '../../src/reconcile/reconcile.js';
import type { DesiredSettings } from '../../src/reconcile/settings.js';
import { Step, StepRequest, Tag } from '../../src/reconcile/tags.js';

/**
 * Decisions that once lived in the use cases (deprovision, update, housekeeping's credential check)
 * and are reconcile's now: each request only records tags, and these tables say what reconcile makes
 * of them.
 */

const now = new Date('2026-11-25T12:00:00Z');
const ago = (seconds: number) => `started:${new Date(now.getTime() - seconds * 1000).toISOString()}`;

const desired: DesiredSettings = {
  instanceClass: 'db.t4g.small',
  allocatedStorage: 20,
  storageType: 'gp3',
  multiAz: false,
  vpcSecurityGroupIds: [],
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
    vpcSecurityGroupIds: [],
    parameterGroups: [{ name: 'default.postgres17', applyStatus: 'in-sync' }],
    backupRetentionPeriod: 7,
    pendingModifications: [],
    deletionProtection: false,
    ...overrides,
    tags: { [Tag.brokerName]: 'b', ...tags },
  };
}

const input = (observed: ObservedInstance, extra: Partial<ReconcileInput> = {}): ReconcileInput => ({
  observed,
  desired,
  facts: {},
  settleSeconds: 60,
  ...extra,
});

type Row = [name: string, observed: ObservedInstance, facts: ReconcileInput['facts'], action: Action['kind'] | undefined, state: string];

function table(rows: Row[]): void {
  for (const [name, observed, facts, action, state] of rows) {
    it(`${name} → ${action ?? 'no action'}, ${state}`, () => {
      const decision = reconcile(input(observed, { facts }), now);
      expect(decision.action?.kind).to.equal(action);
      expect(decision.state).to.equal(state);
    });
  }
}

describe('reconcile decides deprovision (PendingDelete and its preconditions)', () => {
  const pending = { [Step.delete]: 'true' };
  table([
    ['deletable, unprotected', instance({}, pending), {}, 'delete', 'in progress'],
    [
      'deletion protection on: lifted first',
      instance({ deletionProtection: true }, pending),
      {},
      'lift-deletion-protection',
      'in progress',
    ],
    ['protection lifted: deleted', instance({ deletionProtection: false }, pending), {}, 'delete', 'in progress'],
    [
      'protected but RDS busy creating: wait, lift nothing yet',
      instance({ status: 'creating', deletionProtection: true }, pending),
      {},
      undefined,
      'in progress',
    ],
    ['RDS is deleting it already', instance({ status: 'deleting' }, pending), {}, undefined, 'in progress'],
    ['a delete issued seconds ago: not issued again', instance({}, { [Step.delete]: ago(5) }), {}, undefined, 'in progress'],
    ['a failed instance is deleted too', instance({ status: 'failed' }, pending), {}, 'delete', 'in progress'],
  ]);

  it('the lift names the resource it acts on, and so does the delete', () => {
    const lift = reconcile(input(instance({ deletionProtection: true }, pending)), now).action;
    expect(lift).to.deep.equal({ kind: 'lift-deletion-protection', step: Step.delete, resource: 'rdsb-a' });
    const remove = reconcile(input(instance({}, pending)), now).action;
    expect(remove).to.deep.equal({ kind: 'delete', step: Step.delete, resource: 'rdsb-a' });
  });
});

describe('reconcile decides the first ModifyDBInstance of an update', () => {
  table([
    ['settings step recorded, instance differs', instance({}, { [Step.updateSettings]: 'true' }), {}, 'modify-settings', 'in progress'],
    [
      'settings step already matching',
      instance({ instanceClass: 'db.t4g.small' }, { [Step.updateSettings]: 'true' }),
      {},
      'complete-step',
      'in progress',
    ],
    ['no step recorded (a context or bookkeeping update)', instance(), {}, undefined, 'succeeded'],
    [
      'settings step, but RDS is still modifying',
      instance({ status: 'modifying' }, { [Step.updateSettings]: 'true' }),
      {},
      undefined,
      'in progress',
    ],
  ]);

  it('applies now unless the update asked for the maintenance window', () => {
    const now1 = reconcile(input(instance({}, { [Step.updateSettings]: 'true' })), now).action;
    expect(now1).to.include({ kind: 'modify-settings', applyImmediately: true });
    const later = reconcile(input(instance({}, { [Step.updateSettings]: StepRequest.maintenanceWindow })), now).action;
    expect(later).to.include({ kind: 'modify-settings', applyImmediately: false });
  });

  const reboots: Array<[string, string, boolean, boolean]> = [
    ['a reboot asked for', StepRequest.reboot, false, false],
    ['a failover asked for, single-AZ: a plain reboot', StepRequest.failover, false, false],
    ['a failover asked for, Multi-AZ', StepRequest.failover, true, true],
  ];
  for (const [name, value, multiAz, forceFailover] of reboots) {
    it(`${name} → reboot (requested, forceFailover ${forceFailover})`, () => {
      const decision = reconcile(input(instance({ multiAz, instanceClass: 'db.t4g.small' }, { [Step.reboot]: value })), now);
      expect(decision.action).to.deep.equal({ kind: 'reboot', step: Step.reboot, forceFailover, requested: true });
    });
  }

  it('a reboot the parameter group does not ask for is not made for an ordinary reboot step', () => {
    const decision = reconcile(input(instance({ instanceClass: 'db.t4g.small' }, { [Step.reboot]: 'true' })), now);
    expect(decision.action?.kind).to.equal('complete-step');
  });
});

describe("reconcile decides housekeeping's credential repair (PendingResetMasterPassword)", () => {
  const step = { [Step.resetMasterPassword]: 'true' };
  const ready = { instanceClass: 'db.t4g.small' };
  table([
    ['not probed yet', instance(ready, step), {}, 'probe-master-login', 'in progress'],
    ['the newest password logs in', instance(ready, step), { masterLogin: 'ok' }, 'complete-step', 'in progress'],
    ['refused', instance(ready, step), { masterLogin: 'refused' }, 'reset-master-password', 'in progress'],
    [
      'refused, reset issued seconds ago',
      instance(ready, { [Step.resetMasterPassword]: ago(5) }),
      { masterLogin: 'refused' },
      undefined,
      'in progress',
    ],
    ['RDS still resetting', instance({ ...ready, status: 'resetting-master-credentials' }, step), {}, undefined, 'in progress'],
  ]);
});
