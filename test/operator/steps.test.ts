import { expect } from 'chai';
import { allPendingSteps, resolveStepName, tagsRemovedBySkip } from '../../src/operator/steps.js';
import { Step, Tag } from '../../src/reconcile/tags.js';

describe('operator step names', () => {
  it('accepts tag names and the friendly aliases, in any letter case', () => {
    const cases: Array<[string, string]> = [
      ['PendingReboot', 'PendingReboot'],
      ['pendingreboot', 'PendingReboot'],
      ['reboot', 'PendingReboot'],
      ['update-settings', 'PendingUpdateSettings'],
      ['PendingUpdateSettings', 'PendingUpdateSettings'],
      ['reset-master-password', 'PendingResetMasterPassword'],
      ['neutralise-users', 'PendingResetUserPassword'],
      ['PendingResetUserPassword', 'PendingResetUserPassword'],
      ['extensions', 'PendingExtensions'],
      ['delete', 'PendingDelete'],
      [' Reboot ', 'PendingReboot'],
    ];
    for (const [name, step] of cases) expect(resolveStepName(name), name).to.equal(step);
  });

  it('knows no other names', () => {
    for (const name of ['', 'restart', 'Pending', 'PendingRebootNow', 'neutralize-users', 'Skipped Steps', 'Operation']) {
      expect(resolveStepName(name), name).to.equal(undefined);
    }
  });

  it('lists a pending delete first, then the steps in the order they run, whatever the tag order', () => {
    const tags = {
      [Step.extensions]: 'true',
      [Step.reboot]: 'started:2026-03-10T11:59:00.000Z',
      [Step.delete]: 'true',
      [Step.updateSettings]: 'true',
      [Step.neutraliseUsers]: 'false',
    };
    const steps = allPendingSteps(tags);
    expect(steps.map((s) => s.step)).to.deep.equal(['PendingDelete', 'PendingUpdateSettings', 'PendingReboot', 'PendingExtensions']);
    expect(steps[2]!.startedAt?.toISOString()).to.equal('2026-03-10T11:59:00.000Z');
  });

  it('removes the previous plan with the settings step, as completing it does, and only tags that exist', () => {
    expect(tagsRemovedBySkip(Step.updateSettings, { [Step.updateSettings]: 'true', [Tag.previousPlanId]: 'p' })).to.deep.equal([
      'PendingUpdateSettings',
      'Previous Plan ID',
    ]);
    expect(tagsRemovedBySkip(Step.updateSettings, { [Step.updateSettings]: 'true' })).to.deep.equal(['PendingUpdateSettings']);
    expect(tagsRemovedBySkip(Step.reboot, { [Step.reboot]: 'true', [Tag.previousPlanId]: 'p' })).to.deep.equal(['PendingReboot']);
  });
});
