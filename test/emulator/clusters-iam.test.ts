import { expect } from 'chai';
import { CreateDBClusterCommand, DeleteDBClusterCommand, DescribeDBClustersCommand, type RDSClient } from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { rdsClient, rejection, startModelEmulator } from './helpers.js';

/** IAM on cluster calls: authorised on the cluster ARN, its groups, and its tags (rds:cluster-tag, aws:ResourceTag). */
const ARN = 'arn:aws:rds:us-east-1:123456789012';
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: ['rds:CreateDBCluster', 'rds:AddTagsToResource'],
      Resource: [`${ARN}:cluster:rdsb-*`, `${ARN}:cluster-pg:default.*`, `${ARN}:subgrp:default`],
    },
    { Effect: 'Allow', Action: 'rds:DescribeDBClusters', Resource: `${ARN}:cluster:*` },
    {
      Effect: 'Allow',
      Action: 'rds:DeleteDBCluster',
      Resource: `${ARN}:cluster:*`,
      Condition: { StringEquals: { 'rds:cluster-tag/Broker Name': 'b' } },
    },
  ],
};
const cluster = { Engine: 'aurora-postgresql', MasterUsername: 'master', MasterUserPassword: 'cluster-password-1' };

describe('emulator DB clusters under IAM', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;

  before(async () => {
    emulator = await startModelEmulator({ iamPolicies: [POLICY] });
    rds = rdsClient(emulator);
  });
  after(async () => {
    await emulator?.stop();
  });

  it('CreateDBCluster is allowed on the names the policy grants, refused elsewhere naming the cluster ARN', async () => {
    await rds.send(new CreateDBClusterCommand({ ...cluster, DBClusterIdentifier: 'rdsb-one', Tags: [{ Key: 'Broker Name', Value: 'b' }] }));
    await rds.send(new CreateDBClusterCommand({ ...cluster, DBClusterIdentifier: 'rdsb-untagged' }));
    const refused = await rejection(rds.send(new CreateDBClusterCommand({ ...cluster, DBClusterIdentifier: 'other' })));
    expect(refused.name).to.equal('AccessDenied');
    expect(refused.message).to.contain(`rds:CreateDBCluster on resource: ${ARN}:cluster:other`);
    const described = await rds.send(new DescribeDBClustersCommand({}));
    expect(described.DBClusters!.map((c) => c.DBClusterIdentifier)).to.deep.equal(['rdsb-one', 'rdsb-untagged']);
  });

  it('DeleteDBCluster follows the cluster tag condition', async () => {
    await emulator.settle();
    const untagged = await rejection(
      rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'rdsb-untagged', SkipFinalSnapshot: true })),
    );
    expect(untagged.name).to.equal('AccessDenied');
    await rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: 'rdsb-one', SkipFinalSnapshot: true }));
  });
});
