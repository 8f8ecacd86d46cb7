import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { check } from '../../src/cli/commands/check.js';
import { instances } from '../../src/cli/commands/instances.js';
import { inspect } from '../../src/cli/commands/inspect.js';
import type { CheckReport } from '../../src/operator/check.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import type { InspectReport } from '../../src/operator/inspect.js';
import type { RetryResult, SkipResult } from '../../src/operator/step-actions.js';
import type { InstanceRow } from '../../src/operator/rows.js';
import { Step, Tag } from '../../src/reconcile/tags.js';
import { cfContext, provisionAndWait, rdsTags, takeSnapshot } from '../support/osb-flows.js';
import { startStack, type Stack } from '../support/stack.js';
import { configDir, configDocument, runCli, runInProcess } from './cli-support.js';

/**
 * The operator tools against the emulator and a broker serving real HTTP: what they show is what
 * RDS holds, what inspect predicts is what the next poll does, and what steps changes is in the tags.
 */
describe('operator tools against the emulator', function () {
  this.timeout(300_000);
  let stack: Stack;
  let files: ReturnType<typeof configDir>;
  let configFile = '';
  const source = randomUUID();
  const snapshot = `snap-${source.slice(0, 8)}`;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
    files = configDir();
    configFile = files.write('broker.yaml', configDocument(stack.config));
    expect((await provisionAndWait(stack, source)).state).to.equal('succeeded');
    await takeSnapshot(stack, source, snapshot);
  });
  after(async () => {
    await stack?.stop();
    files?.remove();
  });

  const identifier = (id: string) => `local-${id}`;

  async function startRestore(id: string): Promise<void> {
    // Held from the start: the restore stays where the request left it until released.
    stack.emulator.hold(identifier(id));
    const response = await stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      parameters: { restore_from_latest_snapshot_of: source },
    });
    expect(response.status, response.text).to.equal(202);
  }

  async function poll(id: string): Promise<{ state: string; description: string }> {
    const response = await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=restore`);
    expect(response.status, response.text).to.equal(200);
    return response.json as { state: string; description: string };
  }

  async function describeRds(id: string) {
    const answer = await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier(id) }));
    return answer.DBInstances![0]!;
  }

  const stepTagsOf = (tags: Record<string, string>) =>
    Object.values(Step).filter((step) => tags[step] !== undefined && tags[step] !== 'false');

  async function pendingRows(): Promise<InstanceRow[]> {
    const { code, stdout } = await runInProcess(instances, ['--config', configFile, '--pending', '--output', 'json']);
    expect(code).to.equal(0);
    return (JSON.parse(stdout) as { instances: InstanceRow[] }).instances;
  }

  it('instances --pending, run as a process, shows a held restore with every step pending, and not the finished source', async () => {
    const id = randomUUID();
    await startRestore(id);
    const result = await runCli(['instances', '--config', configFile, '--pending', '--output', 'json']);
    expect(result.code, result.stderr).to.equal(0);
    const rows = (JSON.parse(result.stdout) as { instances: InstanceRow[] }).instances;
    const row = rows.find((r) => r.instanceId === id);
    expect(row, result.stdout).to.not.equal(undefined);
    expect(row!.pendingSteps.map((s) => s.step)).to.deep.equal([
      'PendingUpdateSettings',
      'PendingReboot',
      'PendingResetMasterPassword',
      'PendingResetUserPassword',
    ]);
    expect(row).to.deep.include({
      identifier: identifier(id),
      planName: 'small',
      tenant: 'cloudfoundry/org-1/space-1',
      status: 'creating',
    });
    expect(row!.operation?.kind).to.equal('restore');
    expect(row!.operation?.inProgress).to.equal(true);
    expect(rows.some((r) => r.instanceId === source)).to.equal(false);

    const table = await runCli(['instances', '--config', configFile]);
    expect(table.code, table.stderr).to.equal(0);
    const line = table.stdout.split('\n').find((l) => l.startsWith(id));
    expect(line, table.stdout).to.match(
      /small\s+cloudfoundry\/org-1\/space-1\s+creating\s+restore\s+\S+.*update-settings, reboot, reset-master-password, neutralise-users\s+-$/,
    );
    expect(table.stdout.split('\n').some((l) => l.startsWith(source))).to.equal(true);
    stack.emulator.release(identifier(id));
  });

  it('inspect names the action of every next poll of a restore, and each real poll does exactly that', async () => {
    const id = randomUUID();
    await startRestore(id);
    stack.emulator.release(identifier(id));
    const seenActions: string[] = [];
    const firstSteps = new Set<string>();
    for (let round = 0; round < 30; round++) {
      await stack.emulator.settle();
      stack.emulator.hold(identifier(id));
      const tagsBefore = await rdsTags(stack, id);

      // What instances --pending shows is exactly the step tags RDS holds now.
      const row = (await pendingRows()).find((r) => r.instanceId === id);
      expect(row?.pendingSteps.map((s) => s.step) ?? []).to.deep.equal(stepTagsOf(tagsBefore).filter((s) => s !== Step.delete));
      if (row?.pendingSteps[0]) firstSteps.add(row.pendingSteps[0].step);

      const inspected =
        round === 0
          ? await runCli(['inspect', id, '--config', configFile, '--output', 'json'])
          : { ...(await runInProcess(inspect, [id, '--config', configFile, '--output', 'json'])), stderr: '' };
      expect(inspected.code, inspected.stderr).to.equal(0);
      const report = JSON.parse(inspected.stdout) as InspectReport;
      expect(report.ownership.ok).to.equal(true);
      const action = report.nextPoll.action;

      const answer = await poll(id);
      const tagsAfter = await rdsTags(stack, id);
      const after = await describeRds(id);
      if (!action) {
        // Nothing to do: the poll changes no tag.
        expect(stepTagsOf(tagsAfter), `round ${round}`).to.deep.equal(stepTagsOf(tagsBefore));
      } else {
        seenActions.push(action.kind);
        switch (action.kind) {
          case 'complete-step':
          case 'neutralise-users':
          case 'ensure-extensions':
            expect(tagsAfter, action.kind).to.not.have.property(action.step);
            break;
          case 'modify-settings': {
            expect(tagsAfter[action.step], action.kind).to.match(/^started:/);
            const pending = Object.keys(after.PendingModifiedValues ?? {}).filter(
              (k) => (after.PendingModifiedValues as Record<string, unknown>)[k] !== undefined,
            );
            expect(after.DBInstanceStatus !== 'available' || pending.length > 0, `${after.DBInstanceStatus} ${pending.join(',')}`).to.equal(
              true,
            );
            break;
          }
          case 'reboot':
            expect(tagsAfter[action.step]).to.match(/^started:/);
            expect(after.DBInstanceStatus).to.equal('rebooting');
            break;
          case 'probe-master-login':
            // The probe decides: the step is complete (tag gone) or the reset has been issued.
            expect(
              tagsAfter[action.step] === undefined || /^started:/.test(tagsAfter[action.step]!),
              String(tagsAfter[action.step]),
            ).to.equal(true);
            break;
          case 'reset-master-password':
            expect(tagsAfter[action.step]).to.match(/^started:/);
            expect(tagsAfter[Tag.masterSecretId]).to.equal('local1');
            break;
          default:
            expect.fail(`a restore should not take action ${action.kind}`);
        }
      }
      stack.emulator.release(identifier(id));
      if (answer.state !== 'in progress') {
        expect(answer.state, answer.description).to.equal('succeeded');
        break;
      }
    }
    expect(stepTagsOf(await rdsTags(stack, id))).to.deep.equal([]);
    // A restore needs the master password step; it starts with the probe, as inspect's help says.
    expect(seenActions).to.include('probe-master-login');
    expect([...firstSteps]).to.include.members(['PendingUpdateSettings', 'PendingResetMasterPassword']);
  });

  it('inspect, as text, explains and prints no secret', async () => {
    const result = await runCli(['inspect', source, '--config', configFile]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout)
      .to.contain(`Instance ${source}`)
      .and.contain('Next poll (decided now, not performed)')
      .and.contain('State:')
      .and.contain('succeeded');
    // Its RDS events, as DescribeEvents tells them.
    const events = result.stdout.slice(result.stdout.indexOf('RDS events, last 24 hours'));
    expect(events)
      .to.match(/\[creation\] DB instance created/)
      .and.match(/\[backup\] Finished DB Instance backup/);
    for (const secret of [
      stack.config.broker.derivationSecrets[0]!.value,
      stack.config.auth.credentials[0]!.password,
      stack.config.aws.credentials!.secretAccessKey,
    ]) {
      expect(result.stdout + result.stderr).to.not.contain(secret);
    }
    const missing = await runCli(['inspect', 'no-such-instance', '--config', configFile]);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('no RDS instance local-no-such-instance');
  });
  describe('check', () => {
    const variant = (name: string, change: (document: Record<string, any>) => void) => {
      const document = configDocument(stack.config);
      change(document);
      return files.write(name, document);
    };

    it('finds a wrong engine version, a missing subnet group and a parameter group of another family, by path', async () => {
      const file = variant('wrong.yaml', (d) => {
        const plans = d.catalog.services[0].plans;
        plans[1].rds.engineVersion = '17.99';
        plans[0].rds.dbSubnetGroupName = 'no-such-subnets';
        plans[2].rds.dbParameterGroupName = 'default.postgres17';
      });
      const result = await runCli(['check', '--config', file, '--output', 'json']);
      expect(result.code, result.stderr).to.equal(1);
      const report = JSON.parse(result.stdout) as CheckReport;
      expect(report.valid).to.equal(true);
      expect(report.problems.map((p) => p.path)).to.deep.equal([
        'catalog.services[0].plans[0].rds.dbSubnetGroupName',
        'catalog.services[0].plans[1].rds.engineVersion',
        'catalog.services[0].plans[2].rds.dbParameterGroupName',
      ]);
      expect(report.problems[0]!.message).to.contain('no-such-subnets');
      expect(report.problems[1]!.message).to.contain('17.99');
      expect(report.problems[2]!.message).to.contain('postgres16');
      expect(report.checks.find((c) => c.path === 'aws')?.ok).to.equal(true);

      const text = await runInProcess(check, ['--config', file]);
      expect(text.code).to.equal(1);
      expect(text.stdout).to.contain('FAIL  catalog.services[0].plans[1].rds.engineVersion:').and.contain('3 problems found.');
    });

    it('refuses a plan whose instance class RDS does not sell for its engine version, and a storage type the class lacks', async () => {
      const file = variant('classes.yaml', (d) => {
        const plans = d.catalog.services[0].plans;
        plans[0].rds.instanceClass = 'db.t4g.mirco';
        // RDS offers magnetic storage only on older classes (t3, m5, r5), not on Graviton t4g.
        plans[1].rds.instanceClass = 'db.t4g.micro';
        plans[1].rds.storageType = 'standard';
      });
      const { code, stdout } = await runInProcess(check, ['--config', file, '--output', 'json']);
      expect(code).to.equal(1);
      const report = JSON.parse(stdout) as CheckReport;
      expect(report.problems.map((p) => p.path)).to.deep.equal([
        'catalog.services[0].plans[0].rds.instanceClass',
        'catalog.services[0].plans[1].rds.storageType',
      ]);
      expect(report.problems[0]!.message).to.contain('db.t4g.mirco');
      expect(report.problems[1]!.message).to.contain('standard');
    });

    it('passes a configuration whose every version and group exists', async () => {
      const file = variant('good.yaml', (d) => {
        const plans = d.catalog.services[0].plans;
        plans[0].rds.dbSubnetGroupName = 'default';
        plans[1].rds.dbParameterGroupName = 'default.postgres17';
        plans[2].rds.engineVersion = '16';
      });
      const { code, stdout } = await runInProcess(check, ['--config', file, '--output', 'json']);
      const report = JSON.parse(stdout) as CheckReport;
      expect(report.problems).to.deep.equal([]);
      expect(code).to.equal(0);
      const passed = report.checks.filter((c) => c.ok).map((c) => c.path);
      expect(passed).to.include.members([
        'aws',
        'database.tls.caBundleFile',
        'catalog.services[0].plans[0].rds.dbSubnetGroupName',
        'catalog.services[0].plans[1].rds.dbParameterGroupName',
        'catalog.services[0].plans[2].rds.engineVersion',
        'catalog.services[0].plans[0].rds.instanceClass',
      ]);
    });

    it('names the endpoint when RDS cannot be reached and the CA bundle when it cannot be read', async () => {
      const file = variant('unreachable.yaml', (d) => {
        d.aws.endpoint = 'http://127.0.0.1:1';
        d.database.tls.caBundleFile = `${files.dir}/missing-ca.pem`;
      });
      const { code, stdout } = await runInProcess(check, ['--config', file, '--output', 'json']);
      const report = JSON.parse(stdout) as CheckReport;
      expect(code).to.equal(1);
      expect(report.problems.map((p) => p.path)).to.deep.equal(['database.tls.caBundleFile', 'aws.endpoint']);
      expect(report.problems[0]!.message).to.contain('ENOENT');
    });

    it('exits 2 for an invalid file and names the field', async () => {
      const file = variant('invalid.yaml', (d) => {
        d.catalog.services[0].plans[1].rds.instanceClass = 'big';
      });
      const { code, stdout } = await runInProcess(check, ['--config', file, '--output', 'json']);
      expect(code).to.equal(2);
      const report = JSON.parse(stdout) as CheckReport;
      expect(report.valid).to.equal(false);
      expect(report.problems.map((p) => p.path)).to.deep.equal(['catalog.services[0].plans[1].rds.instanceClass']);
    });
  });

  describe('steps', () => {
    const id = randomUUID();
    before(async () => {
      await startRestore(id);
    });

    it('refuses a skip without a reason, for an unknown step, and changes nothing', async () => {
      const before = await rdsTags(stack, id);
      const noReason = await runCli(['steps', id, '--config', configFile, '--skip', 'neutralise-users']);
      expect(noReason.code).to.equal(2);
      expect(noReason.stderr).to.contain('needs --reason');
      const blank = await runCli(['steps', id, '--config', configFile, '--skip', 'reboot', '--reason', '   ']);
      expect(blank.code).to.equal(2);
      const unknown = await runCli(['steps', id, '--config', configFile, '--skip', 'restart', '--reason', 'because']);
      expect(unknown.code).to.equal(2);
      expect(unknown.stderr).to.contain('unknown step "restart"');
      expect(await rdsTags(stack, id)).to.deep.equal(before);
    });

    it('skips a pending step: the tag is gone, the reason and time are in Skipped Steps and in the log', async () => {
      const result = await runCli([
        'steps',
        id,
        '--config',
        configFile,
        '--skip',
        'neutralise-users',
        '--reason',
        'users dropped by hand, ticket OPS-7',
        '--output',
        'json',
      ]);
      expect(result.code, result.stderr).to.equal(0);
      const skipped = JSON.parse(result.stdout) as SkipResult;
      expect(skipped.step).to.equal('PendingResetUserPassword');
      const tags = await rdsTags(stack, id);
      expect(tags).to.not.have.property(Step.neutraliseUsers);
      expect(stepTagsOf(tags)).to.deep.equal(['PendingUpdateSettings', 'PendingReboot', 'PendingResetMasterPassword']);
      expect(tags[Tag.skippedSteps]).to.match(
        /^PendingResetUserPassword@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: users dropped by hand_ ticket OPS-7$/,
      );
      const logged = result.stderr
        .split('\n')
        .filter((line) => line.includes('operator skipped pending step'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logged).to.have.length(1);
      expect(logged[0]).to.include({ instanceId: id, step: 'PendingResetUserPassword', reason: 'users dropped by hand, ticket OPS-7' });
    });

    it('refuses to skip a step that is not pending', async () => {
      const before = await rdsTags(stack, id);
      const again = await runCli(['steps', id, '--config', configFile, '--skip', 'PendingResetUserPassword', '--reason', 'twice']);
      expect(again.code).to.equal(2);
      expect(again.stderr).to.contain('is not pending').and.contain('PendingUpdateSettings');
      expect(await rdsTags(stack, id)).to.deep.equal(before);
    });

    it('--retry runs the step inspect names, and the restore then finishes without the skipped step', async () => {
      stack.emulator.release(identifier(id));
      await stack.emulator.settle();
      const inspected = JSON.parse((await runInProcess(inspect, [id, '--config', configFile, '--output', 'json'])).stdout) as InspectReport;
      expect(inspected.nextPoll.action?.step).to.equal('PendingUpdateSettings');
      const result = await runCli(['steps', id, '--config', configFile, '--retry', '--output', 'json']);
      expect(result.code, result.stderr).to.equal(0);
      const retried = JSON.parse(result.stdout) as RetryResult;
      expect(retried.planned.action).to.deep.equal(inspected.nextPoll.action);
      expect(retried.result.state).to.equal('in progress');
      const tags = await rdsTags(stack, id);
      if (inspected.nextPoll.action?.kind === 'modify-settings') expect(tags[Step.updateSettings]).to.match(/^started:/);
      else expect(tags).to.not.have.property(Step.updateSettings);
      expect(retried.pendingSteps.map((s) => s.step)).to.deep.equal(stepTagsOf(tags));

      let answer = { state: 'in progress', description: '' };
      for (let i = 0; i < 30 && answer.state === 'in progress'; i++) {
        await stack.emulator.settle();
        answer = await poll(id);
      }
      expect(answer.state, answer.description).to.equal('succeeded');
      const final = await rdsTags(stack, id);
      expect(stepTagsOf(final)).to.deep.equal([]);
      expect(final[Tag.skippedSteps]).to.contain('users dropped by hand');
    });

    it('refuses to touch an instance whose tags say it belongs to another service instance', async () => {
      const arn = (await describeRds(id)).DBInstanceArn!;
      await stack.broker.deps.rds.addTags(arn, { [Tag.instanceId]: 'someone-else', [Step.reboot]: 'true' });
      const before = await rdsTags(stack, id);
      const result = await runCli(['steps', id, '--config', configFile, '--skip', 'reboot', '--reason', 'not mine']);
      expect(result.code).to.equal(2);
      expect(result.stderr).to.contain('refusing to act').and.contain('someone-else');
      expect(await rdsTags(stack, id)).to.deep.equal(before);
    });
  });
});
