import { expect } from 'chai';
import fc from 'fast-check';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { ACTIONS } from '../../src/emulator/api/dispatch.js';
import { startModelEmulator } from './helpers.js';

/** Whatever a caller sends, the answer is a success or a 4xx RDS error — never a 5xx, never a crash. */
describe('emulator under hostile input', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startModelEmulator();
  });
  after(() => emulator.stop());

  const names = [
    'DBInstanceIdentifier',
    'DBInstanceClass',
    'Engine',
    'EngineVersion',
    'MasterUsername',
    'MasterUserPassword',
    'AllocatedStorage',
    'StorageType',
    'Iops',
    'DBName',
    'DBParameterGroupName',
    'DBSubnetGroupName',
    'BackupRetentionPeriod',
    'MultiAZ',
    'ApplyImmediately',
    'PreferredMaintenanceWindow',
    'PreferredBackupWindow',
    'Port',
    'DBSnapshotIdentifier',
    'FinalDBSnapshotIdentifier',
    'SkipFinalSnapshot',
    'DeleteAutomatedBackups',
    'TargetDBInstanceIdentifier',
    'SourceDBInstanceIdentifier',
    'SourceDbiResourceId',
    'RestoreTime',
    'UseLatestRestorableTime',
    'SourceDBInstanceAutomatedBackupsArn',
    'ResourceName',
    'MaxRecords',
    'Marker',
    'DbiResourceId',
    'DBParameterGroupFamily',
    'Description',
    'DBSubnetGroupDescription',
    'SnapshotType',
    'ForceFailover',
    'EngineVersion',
    'Tags.Tag.1.Key',
    'Tags.Tag.1.Value',
    'TagKeys.member.1',
    'Filters.Filter.1.Name',
    'Filters.Filter.1.Values.Value.1',
    'VpcSecurityGroupIds.VpcSecurityGroupId.1',
    'SubnetIds.SubnetIdentifier.1',
    'Parameters.Parameter.1.ParameterName',
    'Parameters.Parameter.1.ParameterValue',
    'Parameters.Parameter.1.ApplyMethod',
    'Tags',
    'Filters',
  ];
  const values = fc.oneof(
    fc.string({ maxLength: 80 }),
    fc.constantFrom(
      '',
      'true',
      'false',
      '0',
      '-1',
      '20',
      '99999999999',
      'postgres',
      'mysql',
      'db.t3.micro',
      '17.4',
      'hostile-1',
      'arn:aws:rds:us-east-1:123456789012:db:hostile-1',
      'arn:aws:rds:us-east-1:123456789012:auto-backup:ab-x',
      'rds:x',
      'default.postgres17',
      'db-instance-id',
      'sun:05:00-sun:05:30',
      '2001-01-01T00:00:00Z',
      'not-a-date',
      '\u0000\u0001',
      'a'.repeat(300),
      '%',
      'password-123',
    ),
  );
  const requests = fc.record({
    action: fc.constantFrom(...ACTIONS.keys()),
    params: fc.dictionary(fc.constantFrom(...names), values, { maxKeys: 10 }),
  });

  it('answers every random request with 200 or a 4xx RDS error', async () => {
    await fc.assert(
      fc.asyncProperty(requests, async ({ action, params }) => {
        const body = new URLSearchParams({ Action: action, Version: '2014-10-31', ...params }).toString();
        const response = await fetch(emulator.url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        const text = await response.text();
        expect(response.status, `${action} ${JSON.stringify(params)} → ${text}`).to.be.oneOf([200, 400, 404]);
        if (response.status !== 200) expect(text).to.match(/^<ErrorResponse [^>]+><Error><Type>Sender<\/Type><Code>[A-Za-z]+<\/Code>/);
      }),
      { numRuns: 400, seed: 20261125 },
    );
    await emulator.settle();
    const health = await fetch(`${emulator.url}/_emulator/health`);
    expect(health.status).to.equal(200);
  });
});
