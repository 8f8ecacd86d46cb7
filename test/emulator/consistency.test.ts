import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBParametersCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  RebootDBInstanceCommand,
  paginateDescribeDBParameters,
  type DBInstance,
  type Parameter,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

describe('emulator eventual consistency', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'lag-one' }));
    await emulator.settle();
  });
  after(() => emulator.stop());

  const status = async (id: string) => (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;

  it('keeps showing available with no pending values during the lag window, then shows the change', async () => {
    // A window long enough that no test machine gets past it between the call and the describe.
    await admin(emulator, 'POST', 'settings', { visibilityLagMs: 60_000 });
    try {
      const answer = await rds.send(
        new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'lag-one', DBInstanceClass: 'db.m5.large', ApplyImmediately: true }),
      );
      // The call's own answer shows what it asked for…
      expect(answer.DBInstance!.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.m5.large' });
      // …but describing shows the instance as it was, as AWS does for a while.
      const during = await status('lag-one');
      expect(during.DBInstanceStatus).to.equal('available');
      expect(during.PendingModifiedValues).to.deep.equal({});
      expect(during.DBInstanceClass).to.equal('db.t3.micro');
      // Settling ends the window and the transition.
      await emulator.settle();
      const after = await status('lag-one');
      expect(after.DBInstanceStatus).to.equal('available');
      expect(after.DBInstanceClass).to.equal('db.m5.large');
    } finally {
      await admin(emulator, 'POST', 'settings', { visibilityLagMs: 0 });
    }
  });

  it('shows the change once the window is over, and never skips the status unseen', async () => {
    await admin(emulator, 'POST', 'settings', { visibilityLagMs: 50 });
    try {
      emulator.hold('lag-one');
      await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'lag-one' }));
      // Held, the reboot cannot finish; once the window passes, it must show.
      const seen: string[] = [];
      for (let i = 0; i < 500 && !seen.includes('rebooting'); i++) {
        seen.push((await status('lag-one')).DBInstanceStatus!);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(seen[0]).to.equal('available');
      expect(seen).to.include('rebooting');
    } finally {
      emulator.release('lag-one');
      await admin(emulator, 'POST', 'settings', { visibilityLagMs: 0 });
      await emulator.settle();
    }
  });
});

describe('emulator parameter groups', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());

  const inst = async (id: string): Promise<DBInstance> =>
    (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances![0]!;
  const applyStatus = async (id: string) => (await inst(id)).DBParameterGroups![0]!.ParameterApplyStatus;

  it('has default groups whose rds.force_ssl follows RDS: 1 from PostgreSQL 15, 0 before, dynamic', async () => {
    const groups = await rds.send(new DescribeDBParameterGroupsCommand({}));
    const names = groups.DBParameterGroups!.map((g) => g.DBParameterGroupName);
    expect(names).to.include.members([
      'default.postgres14',
      'default.postgres15',
      'default.postgres16',
      'default.postgres17',
      'default.mysql8.0',
      'default.mariadb11.4',
    ]);
    // Hundreds of parameters: every page, as a client reads them.
    const parameter = async (group: string, name: string): Promise<Parameter> => {
      for await (const page of paginateDescribeDBParameters({ client: rds }, { DBParameterGroupName: group })) {
        const found = page.Parameters?.find((p) => p.ParameterName === name);
        if (found) return found;
      }
      throw new Error(`${group} has no ${name}`);
    };
    const forceSsl = (group: string) => parameter(group, 'rds.force_ssl');
    expect((await forceSsl('default.postgres14')).ParameterValue).to.equal('0');
    expect((await forceSsl('default.postgres15')).ParameterValue).to.equal('1');
    expect((await forceSsl('default.postgres17')).ApplyType).to.equal('dynamic');
    const preload = await parameter('default.postgres16', 'shared_preload_libraries');
    expect(preload.ApplyType).to.equal('static');
    const mysql = await parameter('default.mysql8.0', 'require_secure_transport');
    expect(mysql.ApplyType).to.equal('dynamic');
    const defaultChange = await rejection(
      rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: 'default.postgres17',
          Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '0', ApplyMethod: 'immediate' }],
        }),
      ),
    );
    expect(defaultChange.name).to.equal('InvalidParameterValue');
  });

  it('applies a dynamic change: applying, then in-sync, without a reboot', async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({
        DBParameterGroupName: 'pg-dynamic',
        DBParameterGroupFamily: 'postgres17',
        Description: 'dynamic',
      }),
    );
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'pg-dyn', DBParameterGroupName: 'pg-dynamic' }));
    await emulator.settle();
    emulator.hold('pg-dyn');
    const answer = await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'pg-dynamic',
        Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '0', ApplyMethod: 'immediate' }],
      }),
    );
    expect(answer.DBParameterGroupName).to.equal('pg-dynamic');
    expect(await applyStatus('pg-dyn')).to.equal('applying');
    await emulator.step('pg-dyn');
    expect(await applyStatus('pg-dyn')).to.equal('in-sync');
    emulator.release('pg-dyn');
    const user = await rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: 'pg-dynamic', Source: 'user' }));
    expect(user.Parameters!.map((p) => [p.ParameterName, p.ParameterValue, p.ApplyMethod])).to.deep.equal([
      ['rds.force_ssl', '0', 'immediate'],
    ]);
  });

  it('waits for a reboot after a static change: applying, pending-reboot until rebooted, then in-sync', async () => {
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'pg-static', DBParameterGroupFamily: 'postgres17', Description: 'static' }),
    );
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'pg-stat', DBParameterGroupName: 'pg-static' }));
    await emulator.settle();
    const immediate = await rejection(
      rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: 'pg-static',
          Parameters: [
            { ParameterName: 'shared_preload_libraries', ParameterValue: 'pg_stat_statements,auto_explain', ApplyMethod: 'immediate' },
          ],
        }),
      ),
    );
    expect(immediate.name).to.equal('InvalidParameterCombination');
    emulator.hold('pg-stat');
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'pg-static',
        Parameters: [
          { ParameterName: 'shared_preload_libraries', ParameterValue: 'pg_stat_statements,auto_explain', ApplyMethod: 'pending-reboot' },
        ],
      }),
    );
    expect(await applyStatus('pg-stat')).to.equal('applying');
    await emulator.step('pg-stat');
    expect(await applyStatus('pg-stat')).to.equal('pending-reboot');
    emulator.release('pg-stat');
    await emulator.settle();
    expect(await applyStatus('pg-stat')).to.equal('pending-reboot');
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'pg-stat' }));
    await emulator.settle();
    expect(await applyStatus('pg-stat')).to.equal('in-sync');
  });

  it('associating another group takes effect at the next reboot, as on RDS', async () => {
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'pg-switch' }));
    await emulator.settle();
    await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'pg-switch', DBParameterGroupName: 'pg-dynamic', ApplyImmediately: true }),
    );
    await emulator.settle();
    const switched = await inst('pg-switch');
    expect(switched.DBParameterGroups).to.deep.equal([{ DBParameterGroupName: 'pg-dynamic', ParameterApplyStatus: 'pending-reboot' }]);
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'pg-switch' }));
    await emulator.settle();
    expect(await applyStatus('pg-switch')).to.equal('in-sync');
  });

  it('refuses unknown parameters and values outside the allowed ones', async () => {
    const unknown = await rejection(
      rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: 'pg-dynamic',
          Parameters: [{ ParameterName: 'no_such_thing', ParameterValue: '1', ApplyMethod: 'immediate' }],
        }),
      ),
    );
    expect(unknown.name).to.equal('InvalidParameterValue');
    const outside = await rejection(
      rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: 'pg-dynamic',
          Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '2', ApplyMethod: 'immediate' }],
        }),
      ),
    );
    expect(outside.name).to.equal('InvalidParameterValue');
    const missing = await rejection(
      rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: 'pg-nowhere',
          Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: '1', ApplyMethod: 'immediate' }],
        }),
      ),
    );
    expect(missing.name).to.equal('DBParameterGroupNotFoundFault');
  });
});
