import { expect } from 'chai';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { instances } from '../../src/cli/commands/instances.js';
import { startEmulator } from '../../src/emulator/index.js';
import type { InstanceRow } from '../../src/operator/rows.js';
import { Step, Tag } from '../../src/reconcile/tags.js';
import { configDir, configDocument, runCli, runInProcess } from './cli-support.js';
import { PLANS, SERVICE_ID, testConfig } from './fixtures.js';

/**
 * `instances` over many instances costs one DescribeDBInstances per 100 (tags come with it), never a
 * call per instance. Counted by the emulator, with no databases behind the instances.
 */
describe('instances over a large account', function () {
  this.timeout(120_000);
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let files: ReturnType<typeof configDir>;
  let configFile = '';
  const OWN = 150;
  const FOREIGN = 30;

  before(async () => {
    emulator = await startEmulator({ speed: 0, databases: 'none', region: 'eu-west-1', log: () => undefined });
    files = configDir();
    const config = testConfig((d) => {
      d.aws.endpoint = emulator.url;
    });
    configFile = files.write('broker.yaml', configDocument(config));
    const rds = new RDSClient({
      region: 'eu-west-1',
      endpoint: emulator.url,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local-emulator-secret' },
    });
    const create = (identifier: string, tags: Record<string, string>) =>
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: identifier,
          Engine: 'postgres',
          EngineVersion: '17.4',
          DBInstanceClass: 'db.t4g.micro',
          AllocatedStorage: 20,
          MasterUsername: 'rdsadmin_broker',
          MasterUserPassword: 'not-a-real-password-0123',
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    for (let i = 0; i < OWN; i++) {
      const id = `i${String(i).padStart(3, '0')}`;
      await create(`local-${id}`, {
        [Tag.brokerName]: 'rds-broker-local',
        [Tag.instanceId]: id,
        [Tag.serviceId]: SERVICE_ID,
        [Tag.planId]: PLANS.small,
        [Tag.organizationId]: 'org-1',
        [Tag.spaceId]: i % 2 === 0 ? 'space-even' : 'space-odd',
        ...(i % 10 === 0 ? { [Step.reboot]: 'true' } : {}),
      });
    }
    for (let i = 0; i < FOREIGN; i++) await create(`other-${i}`, { [Tag.brokerName]: 'another-broker', [Step.reboot]: 'true' });
    rds.destroy();
    await emulator.settle();
  });
  after(async () => {
    await emulator?.stop();
    files?.remove();
  });

  it('lists 150 of 180 instances with two DescribeDBInstances calls and nothing else', async () => {
    emulator.resetStats();
    const { code, stdout } = await runInProcess(instances, ['--config', configFile, '--output', 'json']);
    expect(code).to.equal(0);
    const rows = (JSON.parse(stdout) as { instances: InstanceRow[] }).instances;
    expect(rows).to.have.length(OWN);
    expect(emulator.stats().calls).to.deep.equal({ DescribeDBInstances: Math.ceil((OWN + FOREIGN) / 100) });
  });

  it('filters by tenant and pending steps on the same listing, at the same cost', async () => {
    emulator.resetStats();
    const { stdout } = await runInProcess(instances, [
      '--config',
      configFile,
      '--output',
      'json',
      '--pending',
      '--tenant',
      'cloudfoundry/org-1/space-even',
    ]);
    const rows = (JSON.parse(stdout) as { instances: InstanceRow[] }).instances;
    // Every tenth instance has a pending reboot, and those are all even: 0, 10, …, 140.
    expect(rows.map((r) => r.instanceId)).to.deep.equal(Array.from({ length: 15 }, (_, k) => `i${String(k * 10).padStart(3, '0')}`));
    expect(emulator.stats().calls).to.deep.equal({ DescribeDBInstances: 2 });
  });

  it('exits 1 with a clear message when RDS cannot be reached, and 2 for an unknown output format', async () => {
    const unreachable = files.write(
      'unreachable.yaml',
      configDocument(
        testConfig((d) => {
          d.aws.endpoint = 'http://127.0.0.1:1';
          d.aws.maxAttempts = 2;
        }),
      ),
    );
    const failed = await runCli(['instances', '--config', unreachable]);
    expect(failed.code).to.equal(1);
    expect(failed.stderr).to.contain('rds-broker instances: RDS did not answer as needed');
    expect(failed.stdout).to.equal('');
    const usage = await runCli(['instances', '--config', configFile, '--output', 'yaml']);
    expect(usage.code).to.equal(2);
    expect(usage.stderr).to.contain('--output must be table, text or json');
  });
});
