import { expect } from 'chai';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { CliSession, cliTime, findAwsCli, type AwsCli } from './aws-cli-support.js';
import { startModelEmulator } from './helpers.js';

/**
 * Parameters and events through the real AWS CLI: its paginators walk hundreds of parameters and
 * the events pages, and its parser reads the shapes (EngineDefaults, EventCategories) as RDS sends them.
 */
describe('AWS CLI against the emulator: parameters and events', function () {
  this.timeout(180_000);
  let cli: AwsCli;
  let emulator: RunningEmulator | undefined;
  let aws: CliSession | undefined;

  before(async function () {
    const found = await findAwsCli();
    if ('missing' in found) {
      console.log(`      skipped: ${found.missing}`);
      this.skip();
    }
    cli = found as AwsCli;
    emulator = await startModelEmulator({ region: 'us-east-1' });
    aws = await CliSession.open(cli, emulator.url, emulator.region);
  });
  after(async () => {
    await aws?.close();
    await emulator?.stop();
  });

  const run = () => aws!;

  it('describe-db-parameters: every page, --source filters; modify-db-parameter-group with RDS validation', async () => {
    await run().json([
      'create-db-parameter-group',
      '--db-parameter-group-name',
      'cli-params',
      '--db-parameter-group-family',
      'postgres17',
      '--description',
      'parameters',
    ]);
    const all = (await run().json(['describe-db-parameters', '--db-parameter-group-name', 'cli-params'])).Parameters;
    expect(all.length).to.be.greaterThan(350);
    const retention = all.find((p: any) => p.ParameterName === 'rds.log_retention_period');
    expect(retention).to.deep.include({ ParameterValue: '4320', AllowedValues: '1440-10080', ApplyType: 'dynamic', IsModifiable: true });
    await run().json([
      'modify-db-parameter-group',
      '--db-parameter-group-name',
      'cli-params',
      '--parameters',
      'ParameterName=rds.log_retention_period,ParameterValue=10080,ApplyMethod=immediate',
      'ParameterName=work_mem,ParameterValue=16384,ApplyMethod=immediate',
      'ParameterName=max_connections,ParameterValue=200,ApplyMethod=pending-reboot',
    ]);
    const user = (await run().json(['describe-db-parameters', '--db-parameter-group-name', 'cli-params', '--source', 'user'])).Parameters;
    expect(user.map((p: any) => [p.ParameterName, p.ParameterValue, p.ApplyMethod, p.Source])).to.deep.equal([
      ['max_connections', '200', 'pending-reboot', 'user'],
      ['rds.log_retention_period', '10080', 'immediate', 'user'],
      ['work_mem', '16384', 'immediate', 'user'],
    ]);
    const system = (await run().json(['describe-db-parameters', '--db-parameter-group-name', 'cli-params', '--source', 'system']))
      .Parameters;
    expect(system.length).to.be.greaterThan(20);
    expect(system.every((p: any) => p.Source === 'system')).to.equal(true);
    const refused = await run().serviceError([
      'modify-db-parameter-group',
      '--db-parameter-group-name',
      'cli-params',
      '--parameters',
      'ParameterName=rds.log_retention_period,ParameterValue=60,ApplyMethod=immediate',
    ]);
    expect([refused.code, refused.message]).to.deep.equal([
      'InvalidParameterValue',
      'Value: 60 is outside of range: 1440-10080 for parameter: rds.log_retention_period',
    ]);
    const owned = await run().serviceError([
      'modify-db-parameter-group',
      '--db-parameter-group-name',
      'cli-params',
      '--parameters',
      'ParameterName=hba_file,ParameterValue=/tmp/hba,ApplyMethod=pending-reboot',
    ]);
    expect(owned.message).to.equal('The parameter hba_file cannot be modified.');
    // The CLI's paginator keeps only the parameters of the pages it merges; one page shows the family.
    const page = await run().json(['describe-engine-default-parameters', '--db-parameter-group-family', 'postgres17', '--no-paginate']);
    expect(page.EngineDefaults.DBParameterGroupFamily).to.equal('postgres17');
    expect(page.EngineDefaults.Parameters).to.have.length(100);
    expect(page.EngineDefaults.Marker).to.be.a('string');
    const defaults = await run().json(['describe-engine-default-parameters', '--db-parameter-group-family', 'postgres17']);
    expect(defaults.EngineDefaults.Parameters.map((p: any) => p.ParameterName)).to.deep.equal(all.map((p: any) => p.ParameterName));
  });

  it('describe-events: an instance from creation to deletion, by source and category, in pages', async () => {
    await run().json([
      'create-db-instance',
      '--db-instance-identifier',
      'cli-events',
      '--db-instance-class',
      'db.t3.micro',
      '--engine',
      'postgres',
      '--master-username',
      'master',
      '--master-user-password',
      'cli-master-password-1',
      '--allocated-storage',
      '20',
      '--db-parameter-group-name',
      'cli-params',
    ]);
    await emulator!.settle();
    await run().json(['reboot-db-instance', '--db-instance-identifier', 'cli-events']);
    await emulator!.settle();
    await run().json(['delete-db-instance', '--db-instance-identifier', 'cli-events', '--skip-final-snapshot']);
    await emulator!.settle();
    const events = (await run().json(['describe-events', '--source-type', 'db-instance', '--source-identifier', 'cli-events'])).Events;
    expect(events.map((e: any) => [e.Message, e.EventCategories])).to.deep.equal([
      ['DB instance created', ['creation']],
      ['Backing up DB instance', ['backup']],
      ['Finished DB Instance backup', ['backup']],
      ['DB instance restarted', ['availability']],
      ['DB instance deleted', ['deletion']],
    ]);
    for (const e of events) {
      expect(e).to.include({
        SourceIdentifier: 'cli-events',
        SourceType: 'db-instance',
        SourceArn: 'arn:aws:rds:us-east-1:123456789012:db:cli-events',
      });
      expect(Math.abs(cliTime(e.Date) - Date.now())).to.be.below(600_000);
    }
    const availability = (
      await run().json([
        'describe-events',
        '--source-type',
        'db-instance',
        '--event-categories',
        'availability',
        'deletion',
        '--duration',
        '30',
      ])
    ).Events;
    expect(availability.map((e: any) => e.Message)).to.deep.equal(['DB instance restarted', 'DB instance deleted']);
    const groups = (await run().json(['describe-events', '--source-type', 'db-parameter-group', '--source-identifier', 'cli-params']))
      .Events;
    expect(groups.map((e: any) => e.Message)).to.include('Updated parameter work_mem to 16384 with apply method immediate');
    // The CLI follows the markers itself: pages of 20 give what one page of 100 gives.
    const paged = (await run().json(['describe-events', '--page-size', '20'])).Events;
    const whole = (await run().json(['describe-events', '--max-records', '100'])).Events;
    expect(paged.map((e: any) => e.Message)).to.deep.equal(whole.map((e: any) => e.Message));
    const noType = await run().serviceError(['describe-events', '--source-identifier', 'cli-events']);
    expect(noType.code).to.equal('InvalidParameterCombination');
  });
});
