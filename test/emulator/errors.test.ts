import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  CreateDBSubnetGroupCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  RebootDBInstanceCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

/** Every error code from a situation that really produces it, as the SDK raises it (name and HTTP status). */
describe('emulator errors', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-base' }));
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-nobackup', BackupRetentionPeriod: 0 }));
    await emulator.settle();
  });
  after(() => emulator.stop());

  async function expectError(call: Promise<unknown>, name: string, status: number, message?: RegExp): Promise<void> {
    const error = await rejection(call);
    expect(error.name, error.message).to.equal(name);
    expect(error.$metadata.httpStatusCode).to.equal(status);
    expect(error.$fault).to.equal(status >= 500 ? 'server' : 'client');
    if (message) expect(error.message).to.match(message);
  }

  it('DBInstanceNotFound for an instance that does not exist', () =>
    expectError(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'err-nowhere', MultiAZ: true })),
      'DBInstanceNotFoundFault',
      404,
      /err-nowhere/,
    ));

  it('DBInstanceAlreadyExists for an identifier in use, whatever its case', () =>
    expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'ERR-BASE' })),
      'DBInstanceAlreadyExistsFault',
      400,
    ));

  it('InvalidDBInstanceState for a change while the instance is still creating', async () => {
    emulator.hold('err-creating');
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-creating' }));
    await expectError(
      rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'err-creating', MultiAZ: true })),
      'InvalidDBInstanceStateFault',
      400,
    );
    await expectError(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'err-creating' })), 'InvalidDBInstanceStateFault', 400);
    await expectError(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'err-creating', DBSnapshotIdentifier: 'err-early' })),
      'InvalidDBInstanceStateFault',
      400,
    );
    emulator.release('err-creating');
    await emulator.settle();
  });

  it('DBSnapshotNotFound and DBSnapshotAlreadyExists', async () => {
    await expectError(
      rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'err-r', DBSnapshotIdentifier: 'err-none' })),
      'DBSnapshotNotFoundFault',
      404,
    );
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'err-base', DBSnapshotIdentifier: 'err-snap' }));
    await emulator.settle();
    await expectError(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'err-base', DBSnapshotIdentifier: 'err-snap' })),
      'DBSnapshotAlreadyExistsFault',
      400,
    );
    await expectError(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'err-base', FinalDBSnapshotIdentifier: 'err-snap' })),
      'DBSnapshotAlreadyExistsFault',
      400,
    );
  });

  it('InvalidDBSnapshotState for a snapshot still being created, and for deleting an automated one', async () => {
    emulator.hold('err-base');
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'err-base', DBSnapshotIdentifier: 'err-inprogress' }));
    await expectError(
      rds.send(new RestoreDBInstanceFromDBSnapshotCommand({ DBInstanceIdentifier: 'err-r2', DBSnapshotIdentifier: 'err-inprogress' })),
      'InvalidDBSnapshotStateFault',
      400,
    );
    await expectError(
      rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'err-inprogress' })),
      'InvalidDBSnapshotStateFault',
      400,
    );
    emulator.release('err-base');
    await emulator.settle();
    const automated = (await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'err-base', SnapshotType: 'automated' })))
      .DBSnapshots![0]!;
    await expectError(
      rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: automated.DBSnapshotIdentifier })),
      'InvalidDBSnapshotStateFault',
      400,
    );
  });

  it('InvalidParameterValue for identifiers, passwords and names RDS refuses', async () => {
    for (const id of ['1starts-with-digit', 'double--hyphen', 'trailing-', 'under_score', 'x'.repeat(64)]) {
      await expectError(
        rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: id })),
        'InvalidParameterValue',
        400,
        /not a valid identifier/,
      );
    }
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-pw', MasterUserPassword: 'short' })),
      'InvalidParameterValue',
      400,
      /shorter than 8/,
    );
    for (const password of ['has/slash1', 'has@at-sign', 'has"quote1', 'has space1', 'x'.repeat(129)]) {
      await expectError(
        rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-pw', MasterUserPassword: password })),
        'InvalidParameterValue',
        400,
      );
    }
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-pw', MasterUsername: 'rdsadmin' })),
      'InvalidParameterValue',
      400,
      /reserved/,
    );
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-pw', Engine: 'oracle-ee' })),
      'InvalidParameterValue',
      400,
      /engine/i,
    );
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-pw', DBInstanceClass: 'large' })),
      'InvalidParameterValue',
      400,
    );
  });

  it('InvalidParameterCombination for an unknown engine version, storage out of range, and contradictory delete options', async () => {
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-ver', EngineVersion: '13.99' })),
      'InvalidParameterCombination',
      400,
      /Cannot find version 13\.99 for postgres/,
    );
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-size', AllocatedStorage: 10 })),
      'InvalidParameterCombination',
      400,
      /Invalid storage size/,
    );
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-size', AllocatedStorage: 70000 })),
      'InvalidParameterCombination',
      400,
    );
    await expectError(
      rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'err-base', SkipFinalSnapshot: true, FinalDBSnapshotIdentifier: 'x' })),
      'InvalidParameterCombination',
      400,
    );
    await expectError(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'err-base' })), 'InvalidParameterCombination', 400);
    await expectError(
      rds.send(
        new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-pg', DBParameterGroupName: 'default.postgres15' }),
      ),
      'InvalidParameterCombination',
      400,
      /postgres17/,
    );
  });

  it('MissingParameter for a required parameter left out', () =>
    expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-missing', DBInstanceClass: undefined })),
      'MissingParameter',
      400,
      /DBInstanceClass/,
    ));

  it('DBParameterGroupNotFound, DBSubnetGroupNotFoundFault, and the AlreadyExists of groups', async () => {
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-g', DBParameterGroupName: 'no-such-group' })),
      'DBParameterGroupNotFoundFault',
      404,
    );
    await expectError(
      rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'err-g', DBSubnetGroupName: 'no-such-subnets' })),
      'DBSubnetGroupNotFoundFault',
      404,
    );
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'err-group', DBParameterGroupFamily: 'postgres17', Description: 'd' }),
    );
    await expectError(
      rds.send(
        new CreateDBParameterGroupCommand({ DBParameterGroupName: 'err-group', DBParameterGroupFamily: 'postgres17', Description: 'd' }),
      ),
      'DBParameterGroupAlreadyExistsFault',
      400,
    );
    await rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: 'err-subnets',
        DBSubnetGroupDescription: 'd',
        SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
      }),
    );
    await expectError(
      rds.send(
        new CreateDBSubnetGroupCommand({
          DBSubnetGroupName: 'err-subnets',
          DBSubnetGroupDescription: 'd',
          SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
        }),
      ),
      'DBSubnetGroupAlreadyExistsFault',
      400,
    );
    await expectError(
      rds.send(
        new CreateDBSubnetGroupCommand({
          DBSubnetGroupName: 'err-one-az',
          DBSubnetGroupDescription: 'd',
          SubnetIds: ['subnet-0123456789abcdef0'],
        }),
      ),
      'DBSubnetGroupDoesNotCoverEnoughAZs',
      400,
    );
  });

  it('PointInTimeRestoreNotEnabled, DBInstanceAutomatedBackupNotFound and InvalidRestoreFault', async () => {
    await expectError(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: 'err-nobackup',
          TargetDBInstanceIdentifier: 'err-pitr',
          UseLatestRestorableTime: true,
        }),
      ),
      'PointInTimeRestoreNotEnabledFault',
      400,
    );
    await expectError(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDbiResourceId: 'db-NOSUCHRESOURCE0000000000000',
          TargetDBInstanceIdentifier: 'err-pitr',
          UseLatestRestorableTime: true,
        }),
      ),
      'DBInstanceAutomatedBackupNotFoundFault',
      404,
    );
    await expectError(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: 'err-base',
          TargetDBInstanceIdentifier: 'err-pitr',
          RestoreTime: new Date('2001-01-01T00:00:00Z'),
        }),
      ),
      'InvalidRestoreFault',
      400,
      /outside the restorable window/,
    );
    await expectError(
      rds.send(
        new RestoreDBInstanceToPointInTimeCommand({
          SourceDBInstanceIdentifier: 'err-base',
          TargetDBInstanceIdentifier: 'err-pitr',
          RestoreTime: new Date(),
          UseLatestRestorableTime: true,
        }),
      ),
      'InvalidParameterCombination',
      400,
    );
  });
});
