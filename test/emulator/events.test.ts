import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  CreateDBSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeEventsCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  RebootDBInstanceCommand,
  paginateDescribeEvents,
  type Event,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

const ARN = 'arn:aws:rds:us-east-1:123456789012';

describe('emulator DescribeEvents', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let started: Date;

  before(async () => {
    emulator = await startModelEmulator({ region: 'us-east-1' });
    rds = rdsClient(emulator);
    started = new Date(Date.now() - 1000);
    await rds.send(
      new CreateDBParameterGroupCommand({ DBParameterGroupName: 'ev-pg', DBParameterGroupFamily: 'postgres17', Description: 'events' }),
    );
    await rds.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'ev-one', DBParameterGroupName: 'ev-pg' }));
    await emulator.settle();
    await rds.send(
      new ModifyDBParameterGroupCommand({
        DBParameterGroupName: 'ev-pg',
        Parameters: [{ ParameterName: 'work_mem', ParameterValue: '8192', ApplyMethod: 'immediate' }],
      }),
    );
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'ev-one', DBInstanceClass: 'db.m5.large', ApplyImmediately: true }));
    await emulator.settle();
    await rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'ev-one' }));
    await emulator.settle();
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'ev-one', DBSnapshotIdentifier: 'ev-snap' }));
    await emulator.settle();
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'ev-snap' }));
    await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'ev-one', SkipFinalSnapshot: true }));
    await emulator.settle();
  });
  after(() => emulator.stop());

  const messages = (events: Event[] | undefined) =>
    (events ?? []).map((e) => [e.SourceType, e.SourceIdentifier, e.Message, e.EventCategories]);

  it("tells an instance's life in RDS's words and categories, oldest first", async () => {
    const out = await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'ev-one' }));
    expect(messages(out.Events)).to.deep.equal([
      ['db-instance', 'ev-one', 'DB instance created', ['creation']],
      // The first automated backup, taken once the instance exists.
      ['db-instance', 'ev-one', 'Backing up DB instance', ['backup']],
      ['db-instance', 'ev-one', 'Finished DB Instance backup', ['backup']],
      ['db-instance', 'ev-one', 'Finished applying modification to DB instance class', ['configuration change']],
      ['db-instance', 'ev-one', 'DB instance restarted', ['availability']],
      // The manual snapshot backs the instance up too.
      ['db-instance', 'ev-one', 'Backing up DB instance', ['backup']],
      ['db-instance', 'ev-one', 'Finished DB Instance backup', ['backup']],
      ['db-instance', 'ev-one', 'DB instance deleted', ['deletion']],
    ]);
    const first = out.Events![0]!;
    expect(first.SourceArn).to.equal(`${ARN}:db:ev-one`);
    expect(first.Date).to.be.instanceOf(Date);
    expect(first.Date!.getTime()).to.be.at.least(started.getTime());
    const dates = out.Events!.map((e) => e.Date!.getTime());
    expect(dates).to.deep.equal([...dates].sort((a, b) => a - b));
  });

  it('tells snapshots and parameter-group changes', async () => {
    const snapshots = await rds.send(new DescribeEventsCommand({ SourceType: 'db-snapshot' }));
    expect(messages(snapshots.Events).filter(([, id]) => id === 'ev-snap')).to.deep.equal([
      ['db-snapshot', 'ev-snap', 'Creating manual snapshot', ['creation']],
      ['db-snapshot', 'ev-snap', 'Manual snapshot created', ['creation']],
      ['db-snapshot', 'ev-snap', 'Deleted user snapshot', ['deletion']],
    ]);
    // The automated snapshot taken after creation is a snapshot event too.
    expect(messages(snapshots.Events).some(([, , m]) => m === 'Automated snapshot created')).to.equal(true);
    const groups = await rds.send(new DescribeEventsCommand({ SourceType: 'db-parameter-group', SourceIdentifier: 'ev-pg' }));
    expect(messages(groups.Events)).to.deep.equal([
      ['db-parameter-group', 'ev-pg', 'Updated parameter work_mem to 8192 with apply method immediate', ['configuration change']],
    ]);
    expect(groups.Events![0]!.SourceArn).to.equal(`${ARN}:pg:ev-pg`);
  });

  it('filters by category and by time, and pages with MaxRecords and Marker', async () => {
    const backups = await rds.send(new DescribeEventsCommand({ SourceType: 'db-instance', EventCategories: ['backup', 'deletion'] }));
    expect(backups.Events!.map((e) => e.Message)).to.deep.equal([
      'Backing up DB instance',
      'Finished DB Instance backup',
      'Backing up DB instance',
      'Finished DB Instance backup',
      'DB instance deleted',
    ]);
    const future = await rds.send(new DescribeEventsCommand({ StartTime: new Date(Date.now() + 3_600_000) }));
    expect(future.Events).to.deep.equal([]);
    const past = await rds.send(new DescribeEventsCommand({ EndTime: new Date(started.getTime() - 1000), Duration: 600 }));
    expect(past.Events).to.deep.equal([]);
    for (let i = 0; i < 25; i++) {
      await rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: 'ev-pg',
          Parameters: [{ ParameterName: 'statement_timeout', ParameterValue: String(1000 + i), ApplyMethod: 'immediate' }],
        }),
      );
    }
    const all = await rds.send(new DescribeEventsCommand({}));
    // One page of at most 100: every event of the hour is here.
    expect(all.Events).to.have.length(40);
    expect(all.Marker).to.equal(undefined);
    const pages: Event[][] = [];
    for await (const page of paginateDescribeEvents({ client: rds, pageSize: 20 }, { Duration: 60 })) pages.push(page.Events ?? []);
    expect(pages.flat().map((e) => e.Message)).to.deep.equal(all.Events!.map((e) => e.Message));
    expect(pages.map((p) => p.length)).to.deep.equal([20, 20]);
    const first = await rds.send(new DescribeEventsCommand({ MaxRecords: 20 }));
    const second = await rds.send(new DescribeEventsCommand({ MaxRecords: 20, Marker: first.Marker }));
    expect(second.Events![0]!.Message).to.equal(all.Events![20]!.Message);
    expect(second.Marker).to.equal(undefined);
  });

  it('refuses what RDS refuses: a source without its type, unknown types and categories', async () => {
    const noType = await rejection(rds.send(new DescribeEventsCommand({ SourceIdentifier: 'ev-one' })));
    expect(noType.name).to.equal('InvalidParameterCombination');
    const badType = await rejection(rds.send(new DescribeEventsCommand({ SourceType: 'db-thing' as never })));
    expect(badType.name).to.equal('InvalidParameterValue');
    const badCategory = await rejection(rds.send(new DescribeEventsCommand({ EventCategories: ['gossip'] })));
    expect(badCategory.name).to.equal('InvalidParameterValue');
    const few = await rejection(rds.send(new DescribeEventsCommand({ MaxRecords: 5 })));
    expect(few.name).to.equal('InvalidParameterValue');
  });

  it('records a failure, and keeps the events across a restart of the emulator', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'events-state-'));
    try {
      const first = await startModelEmulator({ region: 'us-east-1', stateDir });
      const client = rdsClient(first);
      await client.send(new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: 'ev-fail' }));
      await first.settle();
      expect((await admin(first, 'POST', 'fail', { instance: 'ev-fail', reason: 'disk gone' })).status).to.equal(200);
      await first.stop();
      const second = await startModelEmulator({ region: 'us-east-1', stateDir });
      try {
        const out = await rdsClient(second).send(new DescribeEventsCommand({ SourceType: 'db-instance', SourceIdentifier: 'ev-fail' }));
        expect(out.Events!.map((e) => e.EventCategories![0])).to.deep.equal(['creation', 'backup', 'backup', 'failure']);
        expect(out.Events![3]!.Message).to.match(/^DB instance put into failed state/);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
