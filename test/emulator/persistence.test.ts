import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readFileSync } from 'node:fs';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBParameterGroupsCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
} from '@aws-sdk/client-rds';
import { startEmulator } from '../../src/emulator/index.js';
import { baseInstance, rdsClient, startModelEmulator } from './helpers.js';

describe('emulator state across restarts', function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'emulator-state-test-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps instances, snapshots, groups, tags and queued changes in its state directory', async () => {
    const first = await startModelEmulator({ stateDir: dir });
    const rds = rdsClient(first);
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'kept-group', DBParameterGroupFamily: 'postgres17', Description: 'kept' }),
    );
    await rds.send(
      new CreateDBInstanceCommand({
        ...baseInstance,
        DBInstanceIdentifier: 'kept-one',
        Tags: [{ Key: 'k', Value: 'v' }],
        DBParameterGroupName: 'kept-group',
      }),
    );
    await first.settle();
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'kept-one', DBSnapshotIdentifier: 'kept-snap' }));
    await first.settle();
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'kept-one', DBInstanceClass: 'db.m5.large' }));
    // A transition in progress at shutdown resumes after the restart.
    first.hold('kept-two');
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'kept-two' }));
    const before = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'kept-one' }))).DBInstances![0]!;
    await first.stop();
    expect(existsSync(join(dir, 'state.json'))).to.equal(true);

    const second = await startModelEmulator({ stateDir: dir });
    try {
      const again = rdsClient(second);
      const after = (await again.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'kept-one' }))).DBInstances![0]!;
      expect(after.DbiResourceId).to.equal(before.DbiResourceId);
      expect(after.TagList).to.deep.equal([{ Key: 'k', Value: 'v' }]);
      expect(after.PendingModifiedValues).to.deep.equal({ DBInstanceClass: 'db.m5.large' });
      expect(after.DBParameterGroups![0]!.DBParameterGroupName).to.equal('kept-group');
      expect((await again.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'kept-snap' }))).DBSnapshots![0]!.Status).to.equal(
        'available',
      );
      expect(
        (await again.send(new DescribeDBParameterGroupsCommand({ DBParameterGroupName: 'kept-group' }))).DBParameterGroups,
      ).to.have.length(1);
      expect(await second.settle()).to.deep.equal([]);
      expect(
        (await again.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'kept-two' }))).DBInstances![0]!.DBInstanceStatus,
      ).to.equal('available');
    } finally {
      await second.stop();
    }
  });

  it('removes its temporary directory on stop when no state directory was given', async () => {
    const emulator = await startModelEmulator();
    expect(existsSync(emulator.stateDir)).to.equal(true);
    await emulator.stop();
    expect(existsSync(emulator.stateDir)).to.equal(false);
  });

  it('brings real databases back up with their data after a restart', async () => {
    const first = await startEmulator({ stateDir: dir, speed: 0, visibilityLagMs: 0, log: () => undefined });
    const rds = rdsClient(first);
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'kept-real', DBName: 'app' }));
    await first.settle();
    const ca = readFileSync(first.caFile, 'utf8');
    const connect = async (port: number) => {
      const client = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'master',
        password: baseInstance.MasterUserPassword,
        database: 'app',
        ssl: { ca },
      });
      await client.connect();
      return client;
    };
    const port = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'kept-real' }))).DBInstances![0]!.Endpoint!.Port!;
    const writer = await connect(port);
    await writer.query(`CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')`);
    await writer.end();
    const firstPids = first.pids();
    await first.stop();
    for (const pid of firstPids) expect(() => process.kill(pid, 0)).to.throw();

    const second = await startEmulator({ stateDir: dir, speed: 0, visibilityLagMs: 0, log: () => undefined });
    try {
      expect(second.caFile).to.equal(first.caFile);
      const inst = (await rdsClient(second).send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'kept-real' }))).DBInstances![0]!;
      expect(inst.DBInstanceStatus).to.equal('available');
      expect(inst.Endpoint!.Port).to.equal(port);
      const reader = await connect(port);
      const rows = (await reader.query('SELECT v FROM kept')).rows;
      await reader.end();
      expect(rows).to.deep.equal([{ v: 'survives' }]);
    } finally {
      const pids = second.pids();
      await second.stop();
      for (const pid of pids) expect(() => process.kill(pid, 0)).to.throw();
    }
  });
});
