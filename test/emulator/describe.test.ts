import { expect } from 'chai';
import {
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  paginateDescribeDBInstances,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

/** Pagination and filters of the describe actions, against 45 instances. */
describe('emulator describe: pagination and filters', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  const ids = Array.from({ length: 45 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
    for (const id of ids) {
      await rds.send(
        new CreateDBInstanceCommand({ ...baseInstance, DBInstanceIdentifier: id, Engine: id.endsWith('7') ? 'mysql' : 'postgres' }),
      );
    }
    await emulator.settle();
  });
  after(() => emulator.stop());

  it('pages with Marker and MaxRecords: every instance once, in order, TagList in each', async () => {
    const seen: string[] = [];
    const pageSizes: number[] = [];
    for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: 20 }, {})) {
      pageSizes.push(page.DBInstances!.length);
      for (const inst of page.DBInstances!) {
        seen.push(inst.DBInstanceIdentifier!);
        expect(inst.TagList).to.be.an('array');
      }
    }
    expect(pageSizes).to.deep.equal([20, 20, 5]);
    expect(seen).to.deep.equal(ids);
  });

  it('returns no Marker on the last page and refuses MaxRecords outside 20..100', async () => {
    const all = await rds.send(new DescribeDBInstancesCommand({}));
    expect(all.DBInstances).to.have.length(45);
    expect(all.Marker).to.equal(undefined);
    const tooSmall = await rejection(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 5 })));
    expect(tooSmall.name).to.equal('InvalidParameterValue');
    const tooBig = await rejection(rds.send(new DescribeDBInstancesCommand({ MaxRecords: 101 })));
    expect(tooBig.name).to.equal('InvalidParameterValue');
  });

  it('filters by db-instance-id with several identifiers and ARNs; absent ones are simply not returned', async () => {
    const answer = await rds.send(
      new DescribeDBInstancesCommand({
        Filters: [
          { Name: 'db-instance-id', Values: ['page-03', 'arn:aws:rds:us-east-1:123456789012:db:page-40', 'PAGE-11', 'no-such-one'] },
        ],
      }),
    );
    expect(answer.DBInstances!.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['page-03', 'page-11', 'page-40']);
  });

  it('pages a db-instance-id filter of 100 identifiers', async () => {
    const wanted = [...ids, ...Array.from({ length: 55 }, (_, i) => `absent-${i}`)];
    const first = await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-id', Values: wanted }], MaxRecords: 20 }));
    expect(first.DBInstances).to.have.length(20);
    expect(first.Marker).to.be.a('string');
    const second = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'db-instance-id', Values: wanted }], MaxRecords: 100, Marker: first.Marker }),
    );
    expect(second.DBInstances).to.have.length(25);
    expect(second.Marker).to.equal(undefined);
  });

  it('filters by engine and by dbi-resource-id, and refuses an unknown filter', async () => {
    const mysql = await rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'engine', Values: ['mysql'] }] }));
    expect(mysql.DBInstances!.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['page-07', 'page-17', 'page-27', 'page-37']);
    const one = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'page-21' }))).DBInstances![0]!;
    const byResource = await rds.send(
      new DescribeDBInstancesCommand({ Filters: [{ Name: 'dbi-resource-id', Values: [one.DbiResourceId!] }] }),
    );
    expect(byResource.DBInstances!.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['page-21']);
    const unknown = await rejection(rds.send(new DescribeDBInstancesCommand({ Filters: [{ Name: 'colour', Values: ['blue'] }] })));
    expect(unknown.name).to.equal('InvalidParameterValue');
  });

  it('describes one instance by identifier or ARN', async () => {
    const byArn = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'arn:aws:rds:us-east-1:123456789012:db:page-05' }));
    expect(byArn.DBInstances!.map((i) => i.DBInstanceIdentifier)).to.deep.equal(['page-05']);
  });

  it('describes snapshots by instance, by identifier, by type, with pagination', async () => {
    for (let i = 0; i < 3; i++) {
      await rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: 'page-01',
          DBSnapshotIdentifier: `page-01-manual-${i}`,
          Tags: [{ Key: 'n', Value: String(i) }],
        }),
      );
      await emulator.settle();
    }
    const ofInstance = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'page-01' }));
    expect(ofInstance.DBSnapshots!.map((s) => s.SnapshotType).sort()).to.deep.equal(['automated', 'manual', 'manual', 'manual']);
    const manual = await rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'page-01', SnapshotType: 'manual' }));
    expect(manual.DBSnapshots!.map((s) => s.DBSnapshotIdentifier)).to.deep.equal([
      'page-01-manual-0',
      'page-01-manual-1',
      'page-01-manual-2',
    ]);
    expect(manual.DBSnapshots!.map((s) => s.TagList)).to.deep.equal([
      [{ Key: 'n', Value: '0' }],
      [{ Key: 'n', Value: '1' }],
      [{ Key: 'n', Value: '2' }],
    ]);
    const one = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'page-01-manual-1' }));
    expect(one.DBSnapshots!.map((s) => s.DBSnapshotArn)).to.deep.equal(['arn:aws:rds:us-east-1:123456789012:snapshot:page-01-manual-1']);
    const automated = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated', MaxRecords: 20 }));
    expect(automated.DBSnapshots).to.have.length(20);
    const rest = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated', MaxRecords: 20, Marker: automated.Marker }));
    const last = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'automated', MaxRecords: 20, Marker: rest.Marker }));
    expect(automated.DBSnapshots!.length + rest.DBSnapshots!.length + last.DBSnapshots!.length).to.equal(45);
    expect(last.Marker).to.equal(undefined);
    const missing = await rejection(rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'nope' })));
    expect(missing.name).to.equal('DBSnapshotNotFoundFault');
  });
});
