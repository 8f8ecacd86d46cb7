import { expect } from 'chai';
import {
  actualStatus,
  beginParameterActivity,
  beginTransition,
  completePhase,
  freezeView,
  nextStep,
  rebootTransition,
  refusal,
  visibleState,
  workFailed,
  workSucceeded,
  type Timing,
} from '../../src/emulator/model/lifecycle.js';
import { createPhases, deletePhases, modifyPhases } from '../../src/emulator/model/plans.js';
import type { InstanceRecord } from '../../src/emulator/model/types.js';

/** The pure state machine: records in, records out, time passed in. */
describe('emulator lifecycle (pure)', () => {
  const fast: Timing = { speed: 0, visibilityLagMs: 0 };
  const lagging: Timing = { speed: 1, visibilityLagMs: 1000 };
  const T = 1_700_000_000_000;

  function available(): InstanceRecord {
    return {
      identifier: 'pure',
      dbiResourceId: 'db-PURE',
      engine: 'postgres',
      engineVersion: '16.4',
      instanceClass: 'db.t3.micro',
      allocatedStorage: 20,
      storageType: 'gp2',
      masterUsername: 'master',
      masterPassword: 'pw-123456',
      port: 5432,
      multiAZ: false,
      availabilityZone: 'us-east-1a',
      backupRetentionPeriod: 1,
      preferredBackupWindow: '03:00-03:30',
      preferredMaintenanceWindow: 'sun:05:00-sun:05:30',
      parameterGroupName: 'default.postgres16',
      parameterApplyStatus: 'in-sync',
      vpcSecurityGroupIds: ['sg-1'],
      subnetGroupName: 'default',
      copyTagsToSnapshot: false,
      deletionProtection: false,
      autoMinorVersionUpgrade: true,
      publiclyAccessible: false,
      storageEncrypted: false,
      tags: [],
      createdAt: T - 10_000,
      status: 'available',
      pending: {},
      databaseReady: true,
    };
  }

  it('a new instance shows its first status at once and starts its work without waiting', () => {
    const created = beginTransition(
      { ...available(), createdAt: undefined, databaseReady: false },
      'create',
      createPhases('rds:pure-x'),
      1,
      T,
      lagging,
    );
    expect(visibleState(created, T).status).to.equal('creating');
    const started = nextStep(created, T, lagging, false);
    expect(started.type).to.equal('update');
    const running = (started as { next: InstanceRecord }).next;
    expect(nextStep(running, T, lagging, false)).to.deep.equal({ type: 'work', work: { kind: 'provision' }, transitionId: 1 });
    const provisioned = workSucceeded(running, 1, T + 5);
    expect(provisioned.databaseReady).to.equal(true);
    expect(provisioned.createdAt).to.equal(T + 5);
    // The status lasts its duration (240 s at speed 1, as on RDS) even when the work was quicker.
    expect(nextStep(provisioned, T + 5, lagging, false)).to.deep.equal({ type: 'wait', until: T + 240_000 });
    expect(nextStep(provisioned, T + 5, { ...lagging, speed: 0.05 }, false)).to.deep.equal({ type: 'wait', until: T + 12_000 });
    const next = completePhase(provisioned, T + 240_000)!;
    expect(actualStatus(next)).to.equal('backing-up');
  });

  it('a change to an existing instance stays invisible for the lag, and its work waits for it', () => {
    const rebooting = beginTransition(available(), 'reboot', rebootTransition(available()).phases, 2, T, lagging);
    expect(actualStatus(rebooting)).to.equal('rebooting');
    expect(visibleState(rebooting, T + 999).status).to.equal('available');
    expect(visibleState(rebooting, T + 1000).status).to.equal('rebooting');
    expect(nextStep(rebooting, T + 500, lagging, false)).to.deep.equal({ type: 'wait', until: T + 1000 });
    expect(nextStep(rebooting, T + 500, lagging, true).type).to.equal('update');
  });

  it('a second change inside the window keeps the first frozen view', () => {
    const first = freezeView({ ...available(), pending: {} }, T, lagging);
    const withPending = { ...first, pending: { DBInstanceClass: 'db.m5.large' } };
    const second = freezeView(withPending, T + 500, lagging);
    expect(visibleState(second, T + 600).pending).to.deep.equal({});
    expect(visibleState(second, T + 1000).pending).to.deep.equal({ DBInstanceClass: 'db.m5.large' });
  });

  it('applies settings and clears their pending values when the modifying phase completes', () => {
    const plan = { settings: { instanceClass: 'db.m5.large' }, showsPending: { DBInstanceClass: 'db.m5.large' }, storageChanged: false };
    const modifying = beginTransition(available(), 'modify', modifyPhases(plan), 3, T, fast);
    expect(visibleState(modifying, T).pending).to.deep.equal({ DBInstanceClass: 'db.m5.large' });
    const done = completePhase({ ...modifying, transition: { ...modifying.transition!, phaseStartedAt: T } }, T)!;
    expect(done.instanceClass).to.equal('db.m5.large');
    expect(done.status).to.equal('available');
    expect(done.transition).to.equal(undefined);
    expect(visibleState(done, T).pending).to.deep.equal({});
  });

  it('a deletion ends with no instance; a failed deletion still deletes', () => {
    const deleting = beginTransition(available(), 'delete', deletePhases(undefined, false), 4, T, fast);
    const started = { ...deleting, transition: { ...deleting.transition!, phaseStartedAt: T } };
    const failed = workFailed(started, 4, 'disk gone');
    expect(completePhase(failed, T)).to.equal(null);
  });

  it('a failed provision leaves the instance failed, and stale reports are ignored', () => {
    const created = beginTransition(
      { ...available(), databaseReady: false, createdAt: undefined },
      'create',
      createPhases(undefined),
      5,
      T,
      fast,
    );
    expect(workSucceeded(created, 99, T)).to.equal(created);
    const failed = workFailed(created, 5, 'initdb failed');
    expect(failed.status).to.equal('failed');
    expect(failed.failureReason).to.equal('initdb failed');
    expect(actualStatus(failed)).to.equal('failed');
  });

  it('static parameter changes wait for a reboot, which brings them in sync', () => {
    const applying = beginParameterActivity(available(), 'pending-reboot', {}, T, fast);
    expect(visibleState(applying, T).parameterApplyStatus).to.equal('applying');
    const started = (nextStep(applying, T, fast, false) as { next: InstanceRecord }).next;
    const settled = (nextStep(started, T, fast, false) as { next: InstanceRecord }).next;
    expect(settled.parameterApplyStatus).to.equal('pending-reboot');
    // A dynamic change afterwards does not clear the wait.
    const dynamic = beginParameterActivity(settled, 'in-sync', { 'rds.force_ssl': '0' }, T, fast);
    expect(dynamic.parameterActivity!.then).to.equal('pending-reboot');
    const { phases, clearsPendingReboot } = rebootTransition(settled);
    expect(clearsPendingReboot).to.equal(true);
    const rebooting = beginTransition(settled, 'reboot', phases, 6, T, fast);
    const withFlag = { ...rebooting, transition: { ...rebooting.transition!, clearsPendingReboot, phaseStartedAt: T, workDone: true } };
    expect(completePhase(withFlag, T)!.parameterApplyStatus).to.equal('in-sync');
  });

  it('refuses calls the current status does not allow, with the reason', () => {
    const creating = beginTransition(
      { ...available(), createdAt: undefined, databaseReady: false },
      'create',
      createPhases(undefined),
      7,
      T,
      fast,
    );
    expect(refusal('modify', creating)).to.match(/not in available state \(it is creating\)/);
    expect(refusal('snapshot', creating)).to.match(/not currently in the available state/);
    expect(refusal('delete', creating, true)).to.match(/currently creating - a final snapshot cannot be taken/);
    expect(refusal('delete', creating, false)).to.equal(undefined);
    const deleting = beginTransition(available(), 'delete', deletePhases(undefined, false), 8, T, fast);
    expect(refusal('delete', deleting)).to.match(/already being deleted/);
    expect(refusal('reboot', available())).to.equal(undefined);
  });
});
