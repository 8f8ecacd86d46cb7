import { expect } from 'chai';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { CliSession, cliTime, findAwsCli, type AwsCli } from './aws-cli-support.js';
import { startModelEmulator } from './helpers.js';

/**
 * Aurora DB clusters through the AWS CLI: its own parser, paginator and waiters
 * (`db-cluster-available`, `db-cluster-deleted`) read the emulator's answers. No databases here.
 */
const CLUSTER_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster';

describe('AWS CLI against the emulator: DB clusters', function () {
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
  const createCluster = (id: string, extra: string[] = []) =>
    run().json([
      'create-db-cluster',
      '--db-cluster-identifier',
      id,
      '--engine',
      'aurora-postgresql',
      '--master-username',
      'master',
      '--master-user-password',
      'cli-cluster-password-1',
      ...extra,
    ]);

  it('create-db-cluster, a writer and a reader, wait db-cluster-available, describe-db-clusters', async () => {
    const created = await createCluster('Cli-Aurora', [
      '--engine-version',
      '16.4',
      '--database-name',
      'app',
      '--storage-encrypted',
      '--backup-retention-period',
      '5',
      '--serverless-v2-scaling-configuration',
      'MinCapacity=0.5,MaxCapacity=4',
      '--tags',
      'Key=team,Value=cli',
    ]);
    expect(created.DBCluster.DBClusterIdentifier).to.equal('cli-aurora');
    expect(created.DBCluster.Status).to.equal('creating');
    expect(created.DBCluster.ServerlessV2ScalingConfiguration).to.deep.equal({ MinCapacity: 0.5, MaxCapacity: 4 });
    expect(JSON.stringify(created)).not.to.contain('cli-cluster-password-1');
    for (const [id, cls] of [
      ['cli-aurora-1', 'db.serverless'],
      ['cli-aurora-2', 'db.r6g.large'],
    ]) {
      const member = await run().json([
        'create-db-instance',
        '--db-instance-identifier',
        id!,
        '--db-cluster-identifier',
        'cli-aurora',
        '--db-instance-class',
        cls!,
        '--engine',
        'aurora-postgresql',
      ]);
      expect(member.DBInstance.DBClusterIdentifier).to.equal('cli-aurora');
    }
    await emulator!.settle();
    const waited = await run().raw(['wait', 'db-cluster-available', '--db-cluster-identifier', 'cli-aurora']);
    expect([waited.code, waited.stdout, waited.stderr]).to.deep.equal([0, '', '']);
    const out = await run().json(['describe-db-clusters', '--db-cluster-identifier', 'CLI-AURORA']);
    expect(out.DBClusters).to.have.length(1);
    const c = out.DBClusters[0];
    expect(c.Status).to.equal('available');
    expect([c.Engine, c.EngineVersion, c.DatabaseName, c.StorageEncrypted, c.BackupRetentionPeriod]).to.deep.equal([
      'aurora-postgresql',
      '16.4',
      'app',
      true,
      5,
    ]);
    expect([c.Endpoint, c.ReaderEndpoint, c.Port]).to.deep.equal(['127.0.0.1', '127.0.0.2', 5432]);
    expect(c.DBClusterArn).to.equal(`${CLUSTER_ARN}:cli-aurora`);
    expect(cliTime(c.ClusterCreateTime)).to.be.greaterThan(0);
    expect(c.TagList).to.deep.equal([{ Key: 'team', Value: 'cli' }]);
    expect(c.DBClusterMembers.map((m: any) => [m.DBInstanceIdentifier, m.IsClusterWriter])).to.deep.equal([
      ['cli-aurora-1', true],
      ['cli-aurora-2', false],
    ]);
    const members = await run().json(['describe-db-instances', '--filters', 'Name=db-cluster-id,Values=cli-aurora']);
    expect(members.DBInstances.map((i: any) => [i.DBInstanceIdentifier, i.DBInstanceClass, i.Engine, i.DBInstanceStatus])).to.deep.equal([
      ['cli-aurora-1', 'db.serverless', 'aurora-postgresql', 'available'],
      ['cli-aurora-2', 'db.r6g.large', 'aurora-postgresql', 'available'],
    ]);
  });

  it('describe-db-clusters pages automatically with --page-size and filters by engine', async () => {
    for (let n = 1; n <= 4; n++) await createCluster(`cli-page-${n}`);
    const paged = await run().json(['describe-db-clusters', '--page-size', '20', '--filters', 'Name=engine,Values=aurora-postgresql']);
    expect(paged.DBClusters.map((c: any) => c.DBClusterIdentifier)).to.deep.equal([
      'cli-aurora',
      'cli-page-1',
      'cli-page-2',
      'cli-page-3',
      'cli-page-4',
    ]);
    const limited = await run().json(['describe-db-clusters', '--max-items', '2']);
    expect(limited.DBClusters).to.have.length(2);
    expect(limited.NextToken).to.be.a('string');
    const rest = await run().json(['describe-db-clusters', '--starting-token', limited.NextToken]);
    expect(rest.DBClusters.map((c: any) => c.DBClusterIdentifier)).to.deep.equal(['cli-page-2', 'cli-page-3', 'cli-page-4']);
    const none = await run().json(['describe-db-clusters', '--filters', 'Name=engine,Values=aurora-mysql']);
    expect(none.DBClusters).to.deep.equal([]);
  });

  it('errors as the CLI reports them: not found, members left, deletion protection', async () => {
    const missing = await run().serviceError(['describe-db-clusters', '--db-cluster-identifier', 'nope']);
    expect([missing.code, missing.operation, missing.exit]).to.deep.equal([
      'DBClusterNotFoundFault',
      'DescribeDBClusters',
      cli.serviceErrorExit,
    ]);
    const busy = await run().serviceError(['delete-db-cluster', '--db-cluster-identifier', 'cli-aurora', '--skip-final-snapshot']);
    expect([busy.code, busy.message]).to.deep.equal([
      'InvalidDBClusterStateFault',
      'Cluster cannot be deleted, it still contains DB instances in non-deleting state.',
    ]);
    await run().json(['modify-db-cluster', '--db-cluster-identifier', 'cli-page-1', '--deletion-protection', '--apply-immediately']);
    const guarded = await run().serviceError(['delete-db-cluster', '--db-cluster-identifier', 'cli-page-1', '--skip-final-snapshot']);
    expect(guarded.code).to.equal('InvalidParameterCombination');
  });

  it('delete-db-cluster: wait db-cluster-available fails on a deleting cluster; wait db-cluster-deleted succeeds', async () => {
    emulator!.hold('cli-page-2');
    const deleting = await run().json(['delete-db-cluster', '--db-cluster-identifier', 'cli-page-2', '--skip-final-snapshot']);
    expect(deleting.DBCluster.Status).to.equal('deleting');
    const refused = await run().raw(['wait', 'db-cluster-available', '--db-cluster-identifier', 'cli-page-2']);
    expect(refused.code).to.not.equal(0);
    expect(refused.stderr).to.match(/Waiter DBClusterAvailable failed/);
    emulator!.release('cli-page-2');
    await emulator!.settle();
    const gone = await run().raw(['wait', 'db-cluster-deleted', '--db-cluster-identifier', 'cli-page-2']);
    expect([gone.code, gone.stderr]).to.deep.equal([0, '']);
  });
});
