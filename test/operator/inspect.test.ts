import { expect } from 'chai';
import { createLogger } from '../../src/log/logger.js';
import type { BrokerDeps } from '../../src/broker/deps.js';
import { reconcileInput } from '../../src/broker/operate.js';
import { masterPassword } from '../../src/naming/derive.js';
import { inspectReport, renderInspect } from '../../src/operator/inspect.js';
import { reconcile } from '../../src/reconcile/reconcile.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { Step, Tag } from '../../src/reconcile/tags.js';
import { DERIVATION_SECRET, NOW, observedInstance, secondsBefore, testConfig } from './fixtures.js';

describe('inspect: the report and the next poll, decided by the pure reconcile', () => {
  const config = testConfig();
  // Only config and settleSeconds are read to build reconcile's input; the rest is never touched here.
  const deps = { config, settleSeconds: 60, log: createLogger('silent') } as unknown as BrokerDeps;

  function report(observed: ObservedInstance, problem?: string) {
    const decision = reconcile(reconcileInput(deps, observed, 'restore', {}), NOW);
    return inspectReport({
      config,
      instanceId: observed.tags[Tag.instanceId]!,
      observed,
      decision,
      now: NOW,
      settleSeconds: 60,
      ...(problem ? { ownershipProblem: problem } : {}),
    });
  }

  it('names the next replica step and shows each replica with its replication state', () => {
    const r1 = observedInstance(
      'x',
      { identifier: 'local-a-r1', replication: { status: 'replicating', normal: true } },
      {
        [Tag.replicaOf]: 'local-a',
      },
    );
    const observed = observedInstance(
      'a',
      { replicas: [r1], readReplicaIdentifiers: ['local-a-r1'] },
      { [Tag.readReplicas]: '2', [Step.readReplicas]: 'true' },
    );
    const r = report(observed);
    expect(r.nextPoll.action).to.deep.include({
      kind: 'create-replica',
      step: Step.readReplicas,
      alias: 'read-replicas',
      synchronous: false,
    });
    expect(r.nextPoll.what).to.match(/^CreateDBInstanceReadReplica local-a-r2 \(db\.t4g\.micro\) of local-a/);
    expect(r.nextPoll.why).to.include('read replica local-a-r1: available, replication replicating');
  });

  it('names a settings change with its ModifyDBInstance fields, asynchronous', () => {
    const observed = observedInstance(
      'r1',
      { instanceClass: 'db.t4g.large', backupRetentionPeriod: 1 },
      { [Step.updateSettings]: 'true', [Step.reboot]: 'true', [Tag.operation]: `restore@${secondsBefore(90).toISOString()}` },
    );
    const r = report(observed);
    expect(r.nextPoll.action).to.deep.equal({
      kind: 'modify-settings',
      step: 'PendingUpdateSettings',
      alias: 'update-settings',
      synchronous: false,
      change: { DBInstanceClass: 'db.t4g.micro', BackupRetentionPeriod: 7 },
    });
    expect(r.nextPoll.what).to.contain('ModifyDBInstance').and.contain('DBInstanceClass=db.t4g.micro');
    expect(r.nextPoll.why).to.include('first pending step PendingUpdateSettings has not been issued yet');
    expect(r.operation).to.deep.equal({
      kind: 'restore',
      startedAt: secondsBefore(90).toISOString(),
      inProgress: true,
      runningSeconds: 90,
    });
  });

  it('says the poll waits, and why, while RDS is busy', () => {
    const r = report(
      observedInstance(
        'r2',
        { status: 'creating', endpoint: undefined },
        { [Step.updateSettings]: 'true', [Tag.restoredFromSnapshot]: 'snap-1' },
      ),
    );
    expect(r.nextPoll.action).to.equal(null);
    expect(r.nextPoll.state).to.equal('in progress');
    expect(r.nextPoll.description).to.equal('restoring from snapshot snap-1');
    expect(r.nextPoll.why[0]).to.equal('RDS status: creating (busy)');
    expect(renderInspect(r, NOW)).to.contain('none: the poll changes nothing').and.contain('Endpoint:').and.contain('none yet');
  });

  it('tells a step issued moments ago apart from one never issued', () => {
    const r = report(
      observedInstance(
        'r3',
        { parameterGroups: [{ name: 'default.postgres17', applyStatus: 'pending-reboot' }] },
        { [Step.reboot]: `started:${secondsBefore(20).toISOString()}` },
      ),
    );
    expect(r.nextPoll.action).to.equal(null);
    expect(r.nextPoll.why).to.include('parameter group default.postgres17: pending-reboot');
    expect(r.nextPoll.why.join(' ')).to.contain('PendingReboot was issued 20s ago; RDS gets 60s to show the change');
  });

  it('names the master-login probe for the password step, synchronous', () => {
    const r = report(observedInstance('r4', {}, { [Step.resetMasterPassword]: 'true', [Step.neutraliseUsers]: 'true' }));
    expect(r.nextPoll.action).to.deep.include({ kind: 'probe-master-login', step: 'PendingResetMasterPassword', synchronous: true });
  });

  it('reports the ownership problem instead of a decision for an instance it will not touch', () => {
    const r = report(observedInstance('r5', {}, { [Step.reboot]: 'true' }), 'RDS instance local-r5 belongs to service instance other');
    expect(r.ownership).to.deep.equal({ ok: false, problem: 'RDS instance local-r5 belongs to service instance other' });
    expect(r.nextPoll.state).to.equal('failed');
    expect(r.nextPoll.action).to.equal(null);
    expect(renderInspect(r, NOW)).to.contain('NOT ACTED ON');
  });

  it('separates identity tags from step tags and reads the skipped steps', () => {
    const r = report(
      observedInstance('r6', {}, { [Step.extensions]: 'true', [Tag.skippedSteps]: 'PendingReboot@2026-03-10T11:00:00Z: rebooted by hand' }),
    );
    expect(r.tags.identity).to.include({ [Tag.instanceId]: 'r6', [Tag.spaceId]: 'space-1' });
    expect(r.tags.identity).to.not.have.property(Step.extensions);
    expect(r.tags.identity).to.not.have.property(Tag.skippedSteps);
    expect(r.tags.skippedSteps).to.deep.equal([{ step: 'PendingReboot', at: '2026-03-10T11:00:00.000Z', reason: 'rebooted by hand' }]);
  });

  it('prints no secret in either format, whatever the step', () => {
    const steps = [Step.updateSettings, Step.reboot, Step.resetMasterPassword, Step.neutraliseUsers, Step.extensions, Step.delete];
    for (const step of steps) {
      const observed = observedInstance('secretive', {}, { [step]: 'true', [Tag.masterSecretId]: 'local1' });
      const r = report(observed);
      const outputs = [JSON.stringify(r), renderInspect(r, NOW)];
      for (const text of outputs) {
        expect(text).to.not.contain(DERIVATION_SECRET);
        expect(text).to.not.contain(masterPassword({ id: 'local1', value: DERIVATION_SECRET }, 'secretive'));
        expect(text).to.not.contain('platform-password-for-tests');
        expect(text).to.not.contain('local-emulator-secret');
      }
    }
  });

  it("shows the instance's RDS events, newest last, or why they could not be read", () => {
    const observed = observedInstance('e1', {}, { [Tag.operation]: `provision@${secondsBefore(600).toISOString()}` });
    const decision = reconcile(reconcileInput(deps, observed, 'provision', {}), NOW);
    const base = { config, instanceId: observed.tags[Tag.instanceId]!, observed, decision, now: NOW, settleSeconds: 60 };
    const events = Array.from({ length: 25 }, (_, i) => ({
      Date: secondsBefore(600 - i),
      EventCategories: ['configuration change'],
      Message: `Updated parameter work_mem to ${i} with apply method immediate`,
    }));
    const shown = inspectReport({ ...base, events });
    if (!('events' in shown.recentEvents)) throw new Error('events expected');
    expect(shown.recentEvents.events).to.have.length(20);
    expect(shown.recentEvents.events[19]).to.deep.equal({
      at: secondsBefore(576).toISOString(),
      categories: ['configuration change'],
      message: 'Updated parameter work_mem to 24 with apply method immediate',
    });
    const text = renderInspect(shown, NOW);
    expect(text).to.contain('RDS events, last 24 hours (the newest 20)');
    expect(text).to.contain(`${secondsBefore(576).toISOString()}  [configuration change] Updated parameter work_mem to 24`);
    expect(text).to.not.contain('work_mem to 4 ');
    const denied = renderInspect(inspectReport({ ...base, events: { unavailable: 'not authorized to perform rds:DescribeEvents' } }), NOW);
    expect(denied).to.contain('(not available: not authorized to perform rds:DescribeEvents)');
    expect(renderInspect(inspectReport({ ...base, events: [] }), NOW)).to.match(/RDS events, last 24 hours\n {2}none/);
  });
});
