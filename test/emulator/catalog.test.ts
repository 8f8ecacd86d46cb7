import { expect } from 'chai';
import {
  CreateDBSubnetGroupCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBSubnetGroupsCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { rdsClient, rejection, startModelEmulator } from './helpers.js';

describe('emulator catalog: engine versions and subnet groups', () => {
  let emulator: RunningEmulator;
  let rds: RDSClient;
  before(async () => {
    emulator = await startModelEmulator();
    rds = rdsClient(emulator);
  });
  after(() => emulator.stop());

  it('lists PostgreSQL 14 to 17 with several minors, families and upgrade targets', async () => {
    const versions = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres' }))).DBEngineVersions!;
    const majors = new Set(versions.map((v) => v.MajorEngineVersion));
    expect([...majors]).to.deep.equal(['14', '15', '16', '17']);
    for (const major of majors) expect(versions.filter((v) => v.MajorEngineVersion === major).length).to.be.at.least(2);
    const v15 = versions.find((v) => v.EngineVersion === '15.8')!;
    expect(v15.DBParameterGroupFamily).to.equal('postgres15');
    const targets = v15.ValidUpgradeTarget!;
    expect(targets.find((t) => t.EngineVersion === '15.10')!.IsMajorVersionUpgrade).to.equal(false);
    expect(targets.find((t) => t.EngineVersion === '16.4')!.IsMajorVersionUpgrade).to.equal(true);
    expect(targets.some((t) => t.EngineVersion === '15.7' || t.EngineVersion === '14.17')).to.equal(false);
  });

  it('lists MySQL 8.0 and 8.4, MariaDB 10.11 and 11.4, the Aurora engines; one default per engine', async () => {
    const mysql = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'mysql' }))).DBEngineVersions!;
    expect([...new Set(mysql.map((v) => v.DBParameterGroupFamily))]).to.deep.equal(['mysql8.0', 'mysql8.4']);
    const mariadb = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'mariadb' }))).DBEngineVersions!;
    expect([...new Set(mariadb.map((v) => v.DBParameterGroupFamily))]).to.deep.equal(['mariadb10.11', 'mariadb11.4']);
    const defaults = (await rds.send(new DescribeDBEngineVersionsCommand({ DefaultOnly: true }))).DBEngineVersions!;
    expect(defaults.map((v) => v.Engine)).to.deep.equal(['postgres', 'mysql', 'mariadb', 'aurora-postgresql', 'aurora-mysql']);
    const aurora = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'aurora-postgresql', EngineVersion: '16.4' })))
      .DBEngineVersions!;
    expect(aurora.map((v) => [v.EngineVersion, v.DBParameterGroupFamily, v.SupportedEngineModes])).to.deep.equal([
      ['16.4', 'aurora-postgresql16', ['provisioned']],
    ]);
    expect(aurora[0]!.ValidUpgradeTarget!.map((t) => [t.EngineVersion, t.IsMajorVersionUpgrade])).to.deep.equal([
      ['16.6', false],
      ['17.4', true],
    ]);
    const one = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres', EngineVersion: '16.6' }))).DBEngineVersions!;
    expect(one.map((v) => v.EngineVersion)).to.deep.equal(['16.6']);
    const none = (await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres', EngineVersion: '9.6.1' }))).DBEngineVersions!;
    expect(none).to.deep.equal([]);
  });

  it('has a default subnet group, creates others, and finds them by name', async () => {
    const all = (await rds.send(new DescribeDBSubnetGroupsCommand({}))).DBSubnetGroups!;
    expect(all.map((g) => g.DBSubnetGroupName)).to.deep.equal(['default']);
    expect(all[0]!.Subnets!.length).to.be.at.least(2);
    const created = await rds.send(
      new CreateDBSubnetGroupCommand({
        DBSubnetGroupName: 'Private-DBs',
        DBSubnetGroupDescription: 'private',
        SubnetIds: ['subnet-0aaa0000000000001', 'subnet-0aaa0000000000002'],
      }),
    );
    expect(created.DBSubnetGroup!.DBSubnetGroupName).to.equal('private-dbs');
    expect(created.DBSubnetGroup!.DBSubnetGroupArn).to.equal('arn:aws:rds:us-east-1:123456789012:subgrp:private-dbs');
    const found = (await rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'private-dbs' }))).DBSubnetGroups!;
    expect(found[0]!.Subnets!.map((s) => s.SubnetIdentifier)).to.deep.equal(['subnet-0aaa0000000000001', 'subnet-0aaa0000000000002']);
    expect(found[0]!.VpcId).to.equal(all[0]!.VpcId);
    expect((await rejection(rds.send(new DescribeDBSubnetGroupsCommand({ DBSubnetGroupName: 'absent' })))).name).to.equal(
      'DBSubnetGroupNotFoundFault',
    );
    expect(
      (
        await rejection(
          rds.send(
            new CreateDBSubnetGroupCommand({
              DBSubnetGroupName: 'bad',
              DBSubnetGroupDescription: 'x',
              SubnetIds: ['not-a-subnet', 'subnet-0aaa0000000000002'],
            }),
          ),
        )
      ).name,
    ).to.equal('InvalidSubnet');
  });
});
