import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { managedParameterGroupName } from '../../src/broker/extensions.js';
import { type ConditionContext, decide } from '../../src/emulator/iam/evaluate.js';
import { parsePolicy } from '../../src/emulator/iam/policy.js';
import { iamPolicy, type PolicyDocument, type PolicyStatement } from '../../src/operator/iam-policy.js';
import { loadConfigFileWithoutSecrets } from '../../src/config/load.js';
import { configDir, runCli } from './cli-support.js';
import { testConfig } from './fixtures.js';

/**
 * The generated IAM policy: what a configuration's names, groups, keys and roles put in it, and —
 * through the emulator's IAM evaluator — what the document then allows and refuses.
 */

const ACCOUNT = '123456789012';
const statement = (policy: PolicyDocument, sid: string): PolicyStatement | undefined => policy.Statement.find((s) => s.Sid === sid);
const resources = (s: PolicyStatement | undefined) => [s?.Resource ?? []].flat();
const actions = (policy: PolicyDocument) => policy.Statement.flatMap((s) => s.Action);

/** The document's decision for one permission on one resource, as IAM makes it. */
function decision(policy: PolicyDocument, action: string, resource: string, context: ConditionContext = {}) {
  return decide([parsePolicy(policy)], { action, resource, context });
}
const rdsArn = (type: string, name: string, region = 'eu-west-1') => `arn:aws:rds:${region}:${ACCOUNT}:${type}:${name}`;
const requestTag = (name: string) => ({ 'aws:requesttag/broker name': name });
const resourceTag = (name: string) => ({ 'aws:resourcetag/broker name': name });

describe('iam-policy: the generator', () => {
  it('names the broker and its identifier prefix in every instance resource and tag condition', () => {
    const policy = iamPolicy(testConfig());
    expect(statement(policy, 'CreateInstancesTaggedForThisBroker')?.Condition).to.deep.equal({
      StringEquals: { 'aws:RequestTag/Broker Name': 'rds-broker-local' },
    });
    expect(statement(policy, 'ChangeOnlyThisBrokersInstances')).to.deep.include({
      Resource: 'arn:aws:rds:eu-west-1:*:db:local-*',
      Condition: { StringEquals: { 'aws:ResourceTag/Broker Name': 'rds-broker-local' } },
    });
    const instanceArns = policy.Statement.flatMap(resources).filter((r) => r.includes(':db:'));
    expect([...new Set(instanceArns)]).to.deep.equal(['arn:aws:rds:eu-west-1:*:db:local-*']);
  });

  it('another broker name and prefix change the resources and conditions, and the two policies do not overlap', () => {
    const mine = iamPolicy(testConfig((d) => Object.assign(d.broker, { name: 'team-a', identifierPrefix: 'ta' })));
    const theirs = iamPolicy(testConfig((d) => Object.assign(d.broker, { name: 'team-b', identifierPrefix: 'tb' })));
    expect(resources(statement(mine, 'ChangeOnlyThisBrokersInstances'))).to.deep.equal(['arn:aws:rds:eu-west-1:*:db:ta-*']);
    expect(resources(statement(theirs, 'ChangeOnlyThisBrokersInstances'))).to.deep.equal(['arn:aws:rds:eu-west-1:*:db:tb-*']);
    expect(JSON.stringify(theirs)).to.not.include('team-a').and.not.include(':ta-');

    const ours = rdsArn('db', 'ta-0b9a');
    expect(decision(mine, 'rds:ModifyDBInstance', ours, resourceTag('team-a'))).to.equal('allow');
    expect(decision(theirs, 'rds:ModifyDBInstance', ours, resourceTag('team-a'))).to.equal('implicit-deny');
    // Same prefix, another broker's tag: still refused.
    expect(decision(mine, 'rds:DeleteDBInstance', ours, resourceTag('team-b'))).to.equal('implicit-deny');
    expect(decision(mine, 'rds:CreateDBInstance', ours, requestTag('team-a'))).to.equal('allow');
    expect(decision(mine, 'rds:CreateDBInstance', ours, requestTag('team-b'))).to.equal('implicit-deny');
    expect(decision(mine, 'rds:CreateDBInstance', rdsArn('db', 'tb-0b9a'), requestTag('team-a'))).to.equal('implicit-deny');
  });

  it('uses the configured region, and its partition', () => {
    const frankfurt = iamPolicy(testConfig((d) => (d.aws.region = 'eu-central-1')));
    expect(resources(statement(frankfurt, 'ChangeOnlyThisBrokersInstances'))).to.deep.equal(['arn:aws:rds:eu-central-1:*:db:local-*']);
    expect(decision(frankfurt, 'rds:RebootDBInstance', rdsArn('db', 'local-1'), resourceTag('rds-broker-local'))).to.equal('implicit-deny');
    const beijing = iamPolicy(testConfig((d) => (d.aws.region = 'cn-north-1')));
    expect(resources(statement(beijing, 'ChangeOnlyThisBrokersInstances'))).to.deep.equal(['arn:aws-cn:rds:cn-north-1:*:db:local-*']);
  });

  it('allows new instances on the groups the plans name, or on RDS’s defaults where they name none', () => {
    const policy = iamPolicy(
      testConfig((d) => {
        const [small, medium] = d.catalog.services[0].plans;
        Object.assign(small.rds, { dbParameterGroupName: 'pg17-tuned', dbSubnetGroupName: 'private-a' });
        Object.assign(medium.rds, { dbSubnetGroupName: 'private-a' });
        d.catalog.services.push({
          id: 'svc-mysql',
          name: 'mysql',
          description: 'MySQL',
          plans: [
            {
              id: 'plan-mysql',
              name: 'mysql',
              description: 'MySQL 8.0',
              rds: { engine: 'mysql', engineVersion: '8.0.39', instanceClass: 'db.t4g.micro', allocatedStorage: 20 },
            },
          ],
        });
      }),
    );
    expect(resources(statement(policy, 'CreateInstancesTaggedForThisBroker'))).to.deep.equal([
      'arn:aws:rds:eu-west-1:*:db:local-*',
      'arn:aws:rds:eu-west-1:*:snapshot:local-*',
      'arn:aws:rds:eu-west-1:*:snapshot:rds:local-*',
      'arn:aws:rds:eu-west-1:*:auto-backup:*',
      'arn:aws:rds:eu-west-1:*:subgrp:private-a',
      'arn:aws:rds:eu-west-1:*:subgrp:default',
      'arn:aws:rds:eu-west-1:*:pg:pg17-tuned',
      'arn:aws:rds:eu-west-1:*:pg:default.postgres17',
      'arn:aws:rds:eu-west-1:*:pg:default.postgres16',
      'arn:aws:rds:eu-west-1:*:pg:default.mysql8.0',
      'arn:aws:rds:eu-west-1:*:og:default:postgres-17',
      'arn:aws:rds:eu-west-1:*:og:default:postgres-16',
      'arn:aws:rds:eu-west-1:*:og:default:mysql-8-0',
    ]);
    // A settings step moves an instance to its plan's group, never to another.
    expect(statement(policy, 'ResourcesNamedInChanges')).to.deep.include({
      Action: ['rds:ModifyDBInstance', 'rds:CreateDBSnapshot'],
      Resource: ['arn:aws:rds:eu-west-1:*:snapshot:local-*', 'arn:aws:rds:eu-west-1:*:pg:pg17-tuned'],
    });
    expect(decision(policy, 'rds:ModifyDBInstance', rdsArn('pg', 'pg17-tuned'))).to.equal('allow');
    expect(decision(policy, 'rds:ModifyDBInstance', rdsArn('pg', 'someone-elses'))).to.equal('implicit-deny');
    expect(decision(policy, 'rds:CreateDBInstance', rdsArn('subgrp', 'public'), requestTag('rds-broker-local'))).to.equal('implicit-deny');
  });

  it('restores only from the broker’s final snapshots and RDS’s automated snapshots of its instances', () => {
    const policy = iamPolicy(testConfig());
    const restore = (snapshot: string) =>
      decision(policy, 'rds:RestoreDBInstanceFromDBSnapshot', rdsArn('snapshot', snapshot), requestTag('rds-broker-local'));
    expect(restore('local-6f1c-final-20260310120000')).to.equal('allow');
    expect(restore('rds:local-6f1c-2026-03-10-03-05')).to.equal('allow');
    expect(restore('payroll-nightly')).to.equal('implicit-deny');
    expect(restore('rds:payroll-2026-03-10-03-05')).to.equal('implicit-deny');
    // A delete's final snapshot must carry the broker's prefix; housekeeping deletes any snapshot tagged for it.
    expect(decision(policy, 'rds:CreateDBSnapshot', rdsArn('snapshot', 'local-6f1c-final-20260310120000'))).to.equal('allow');
    expect(decision(policy, 'rds:CreateDBSnapshot', rdsArn('snapshot', 'payroll-final'))).to.equal('implicit-deny');
    expect(decision(policy, 'rds:DeleteDBSnapshot', rdsArn('snapshot', 'before-upgrade'), resourceTag('rds-broker-local'))).to.equal(
      'allow',
    );
    expect(decision(policy, 'rds:DeleteDBSnapshot', rdsArn('snapshot', 'local-6f1c-final-1'), resourceTag('other'))).to.equal(
      'implicit-deny',
    );
  });

  it('allows managed parameter groups only for the families of plans that allow a preloaded extension', () => {
    const none = iamPolicy(testConfig());
    expect(actions(none)).to.not.include('rds:CreateDBParameterGroup').and.not.include('rds:ModifyDBParameterGroup');
    expect(statement(none, 'ResourcesNamedInChanges')?.Action).to.deep.equal(['rds:CreateDBSnapshot']);

    const some = iamPolicy(
      testConfig((d) => {
        d.catalog.services[0].plans[0].extensions = { allowed: ['pg_stat_statements', 'pgcrypto'] };
        d.catalog.services[0].plans[2].extensions = { allowed: ['pgcrypto'] };
      }),
    );
    expect(statement(some, 'CreateParameterGroupsTaggedForThisBroker')).to.deep.equal({
      Sid: 'CreateParameterGroupsTaggedForThisBroker',
      Effect: 'Allow',
      Action: ['rds:CreateDBParameterGroup', 'rds:AddTagsToResource'],
      Resource: 'arn:aws:rds:eu-west-1:*:pg:rdsbroker-postgres17-*',
      Condition: { StringEquals: { 'aws:RequestTag/Broker Name': 'rds-broker-local' } },
    });
    expect(statement(some, 'ChangeOnlyThisBrokersParameterGroups')).to.deep.equal({
      Sid: 'ChangeOnlyThisBrokersParameterGroups',
      Effect: 'Allow',
      Action: ['rds:ModifyDBParameterGroup'],
      Resource: 'arn:aws:rds:eu-west-1:*:pg:rdsbroker-postgres17-*',
      Condition: { StringEquals: { 'aws:ResourceTag/Broker Name': 'rds-broker-local' } },
    });
    // The pattern covers the names the broker really gives its groups, hashed long ones included.
    const long = ['pg_stat_statements', 'pg_cron', 'pgaudit', 'pg_hint_plan', 'pglogical', 'timescaledb', 'x'.repeat(150)];
    for (const libraries of [['pg_stat_statements'], ['pg_cron', 'pg_stat_statements'], long]) {
      const group = managedParameterGroupName('postgres17', libraries);
      expect(decision(some, 'rds:CreateDBParameterGroup', rdsArn('pg', group), requestTag('rds-broker-local')), group).to.equal('allow');
      expect(decision(some, 'rds:ModifyDBParameterGroup', rdsArn('pg', group), resourceTag('rds-broker-local')), group).to.equal('allow');
      expect(decision(some, 'rds:ModifyDBParameterGroup', rdsArn('pg', group), resourceTag('other')), group).to.equal('implicit-deny');
    }
    expect(managedParameterGroupName('postgres17', long)).to.match(/^rdsbroker-postgres17-[0-9a-f]{16}$/);
    const family16 = managedParameterGroupName('postgres16', ['pg_stat_statements']);
    expect(decision(some, 'rds:CreateDBParameterGroup', rdsArn('pg', family16), requestTag('rds-broker-local'))).to.equal('implicit-deny');
  });

  it('passes the Enhanced Monitoring role to RDS’s monitoring service when a plan monitors, and nothing of IAM otherwise', () => {
    expect(actions(iamPolicy(testConfig())).filter((a) => !a.startsWith('rds:'))).to.deep.equal([]);
    const role = `arn:aws:iam::${ACCOUNT}:role/rds-monitoring`;
    const policy = iamPolicy(
      testConfig((d) => {
        Object.assign(d.catalog.services[0].plans[0].rds, { monitoringInterval: 60, monitoringRoleArn: role });
        Object.assign(d.catalog.services[0].plans[1].rds, { monitoringInterval: 15, monitoringRoleArn: role });
      }),
    );
    expect(statement(policy, 'PassTheEnhancedMonitoringRole')).to.deep.equal({
      Sid: 'PassTheEnhancedMonitoringRole',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: role,
      Condition: { StringEquals: { 'iam:PassedToService': 'monitoring.rds.amazonaws.com' } },
    });
    expect(decision(policy, 'iam:PassRole', role, { 'iam:passedtoservice': 'monitoring.rds.amazonaws.com' })).to.equal('allow');
    expect(decision(policy, 'iam:PassRole', role, { 'iam:passedtoservice': 'ec2.amazonaws.com' })).to.equal('implicit-deny');
    expect(
      decision(policy, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/admin`, { 'iam:passedtoservice': 'monitoring.rds.amazonaws.com' }),
    ).to.equal('implicit-deny');
  });

  it('lets RDS use the plans’ KMS keys (storage and Performance Insights), by ID, ARN or alias, through RDS only', () => {
    expect(actions(iamPolicy(testConfig())).some((a) => a.startsWith('kms:'))).to.equal(false);
    const keyArn = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/0c2d8d1e-7c55-4bd5-9a53-0f4f1f6a0b11`;
    const policy = iamPolicy(
      testConfig((d) => {
        const [small, medium, old] = d.catalog.services[0].plans;
        small.rds.kmsKeyId = keyArn;
        Object.assign(medium.rds, {
          kmsKeyId: '5e1a6f2b-1111-4222-8333-944455556666',
          performanceInsightsEnabled: true,
          performanceInsightsKmsKeyId: keyArn,
        });
        old.rds.kmsKeyId = 'alias/rds-broker-storage';
      }),
    );
    expect(policy.Statement.filter((s) => s.Action.some((a) => a.startsWith('kms:')))).to.deep.equal([
      {
        Sid: 'UseThePlansKmsKeysThroughRds',
        Effect: 'Allow',
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: [keyArn, 'arn:aws:kms:eu-west-1:*:key/5e1a6f2b-1111-4222-8333-944455556666'],
        Condition: { StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' } },
      },
      {
        Sid: 'UseThePlansKmsKeyAliasesThroughRds',
        Effect: 'Allow',
        Action: ['kms:CreateGrant', 'kms:DescribeKey'],
        Resource: 'arn:aws:kms:eu-west-1:*:key/*',
        Condition: {
          StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' },
          'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/rds-broker-storage'] },
        },
      },
    ]);
    const viaRds = { 'kms:viaservice': 'rds.eu-west-1.amazonaws.com' };
    expect(decision(policy, 'kms:CreateGrant', keyArn, viaRds)).to.equal('allow');
    expect(decision(policy, 'kms:CreateGrant', keyArn, { 'kms:viaservice': 's3.eu-west-1.amazonaws.com' })).to.equal('implicit-deny');
    expect(decision(policy, 'kms:Decrypt', keyArn, viaRds)).to.equal('implicit-deny');
    const aliased = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/99999999-aaaa-4bbb-8ccc-dddddddddddd`;
    expect(decision(policy, 'kms:DescribeKey', aliased, { ...viaRds, 'kms:resourcealiases': ['alias/rds-broker-storage'] })).to.equal(
      'allow',
    );
    expect(decision(policy, 'kms:DescribeKey', aliased, { ...viaRds, 'kms:resourcealiases': ['alias/payroll'] })).to.equal('implicit-deny');
  });

  it('allows read replicas as new instances of the prefix tagged for this broker', () => {
    const policy = iamPolicy(testConfig((d) => (d.catalog.services[0].plans[1].readReplicas = { max: 2 })));
    const replica = rdsArn('db', 'local-6f1c-r1');
    expect(decision(policy, 'rds:CreateDBInstanceReadReplica', replica, requestTag('rds-broker-local'))).to.equal('allow');
    expect(decision(policy, 'rds:CreateDBInstanceReadReplica', replica, requestTag('other'))).to.equal('implicit-deny');
    expect(decision(policy, 'rds:CreateDBInstanceReadReplica', rdsArn('db', 'payroll-r1'), requestTag('rds-broker-local'))).to.equal(
      'implicit-deny',
    );
  });

  it('is a document the emulator’s IAM accepts, every statement an Allow with a Sid of its own', () => {
    const everything = iamPolicy(
      testConfig((d) => {
        const plan = d.catalog.services[0].plans[0];
        plan.extensions = { allowed: ['pg_cron'] };
        Object.assign(plan.rds, {
          kmsKeyId: 'alias/k',
          monitoringInterval: 60,
          monitoringRoleArn: `arn:aws:iam::${ACCOUNT}:role/m`,
          dbParameterGroupName: 'pg17-tuned',
        });
      }),
    );
    expect(() => parsePolicy(JSON.parse(JSON.stringify(everything)))).to.not.throw();
    expect(everything.Statement.every((s) => s.Effect === 'Allow')).to.equal(true);
    const sids = everything.Statement.map((s) => s.Sid);
    expect(new Set(sids).size).to.equal(sids.length);
  });
});

describe('iam-policy: the command and the shipped policy', function () {
  this.timeout(120_000);
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const shipped = read('deploy/iam-policy.json');
  const files = configDir();
  after(() => files.remove());

  it('prints deploy/iam-policy.json exactly, for examples/config.yaml, run as a process', async () => {
    const result = await runCli(['iam-policy', '--config', 'examples/config.yaml']);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(result.stdout).to.equal(shipped);
  });

  it('the shipped policy names the example’s broker, prefix and region, and covers the rdsbroker- groups it creates', () => {
    const text = shipped;
    expect(text).to.include('"aws:RequestTag/Broker Name": "rds-broker"').and.include('"aws:ResourceTag/Broker Name": "rds-broker"');
    expect(text).to.include('"arn:aws:rds:eu-west-1:*:db:rdsb-*"');
    expect(text).to.include('"Resource": "arn:aws:rds:eu-west-1:*:pg:rdsbroker-postgres17-*"');
  });

  it('docs/kubernetes.md shows the same policy', () => {
    const doc = read('docs/kubernetes.md');
    const section = doc.slice(doc.indexOf('## IAM policy'));
    const block = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    expect(block, 'a json block in the IAM policy section').to.be.a('string');
    expect(block).to.equal(shipped);
  });

  it('grants every permission the chart’s, the kustomize base’s and Cloud Foundry’s default configurations need', () => {
    const chart = parseYaml(read('helm/rds-broker/values.yaml')).config;
    chart.auth = { credentials: [{ username: 'broker', password: { env: 'BROKER_PASSWORD' } }] };
    chart.broker.derivationSecrets = [{ id: 's1', value: { env: 'RDS_BROKER_DERIVATION_SECRET_S1' } }];
    const kustomize = parseYaml(parseYaml(read('deploy/configmap.yaml')).data['config.yaml']);
    const configs = {
      chart: files.write('chart.yaml', chart),
      kustomize: files.write('kustomize.yaml', kustomize),
      cloudfoundry: join(root, 'deploy/cloudfoundry/config.yaml'),
    };
    const deployed = JSON.parse(shipped) as PolicyDocument;
    for (const [name, file] of Object.entries(configs)) {
      for (const needed of iamPolicy(loadConfigFileWithoutSecrets(file)).Statement) {
        const granted = statement(deployed, needed.Sid);
        expect(granted, `${name}: ${needed.Sid}`).to.not.equal(undefined);
        expect(granted!.Condition, `${name}: ${needed.Sid}`).to.deep.equal(needed.Condition);
        expect(granted!.Action, `${name}: ${needed.Sid}`).to.include.members(needed.Action);
        expect(resources(granted), `${name}: ${needed.Sid}`).to.include.members(resources(needed));
      }
    }
  });

  it('needs none of the configuration’s secrets, and prints none', async () => {
    const document = parseYaml(read('examples/config.yaml'));
    document.auth.credentials[0].password = { env: 'IAM_POLICY_TEST_UNSET_PASSWORD' };
    document.broker.derivationSecrets[0].value = { file: join(files.dir, 'no-such-secret') };
    document.aws.credentials.secretAccessKey = 'inline-secret-key-not-to-print';
    const result = await runCli(['iam-policy', '--config', files.write('secrets.yaml', document)]);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.equal(shipped);
    expect(result.stdout + result.stderr).to.not.include('inline-secret-key-not-to-print');
  });

  it('exits 2 with the usage on wrong flags, and with the problems on an invalid configuration', async () => {
    for (const args of [[], ['--config'], ['--config', 'examples/config.yaml', '--output', 'json'], ['examples/config.yaml']]) {
      const result = await runCli(['iam-policy', ...args]);
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stdout, args.join(' ')).to.equal('');
      expect(result.stderr, args.join(' ')).to.match(/^rds-broker iam-policy: .+\n\nUsage: rds-broker iam-policy --config FILE\n/);
    }
    const document = parseYaml(read('examples/config.yaml'));
    document.broker.identifierPrefix = 'Not_A_Prefix';
    const bad = files.write('bad.yaml', document);
    const invalid = await runCli(['iam-policy', '--config', bad]);
    expect(invalid.code).to.equal(2);
    expect(invalid.stdout).to.equal('');
    expect(invalid.stderr).to.match(
      new RegExp(`^rds-broker iam-policy: invalid configuration in ${bad}:\n  - broker\\.identifierPrefix: `),
    );
    const missing = await runCli(['iam-policy', '--config', join(files.dir, 'missing.yaml')]);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.include('cannot read').and.include('ENOENT');
  });

  it('is listed in the tool’s help, and has its own', async () => {
    const help = await runCli(['--help']);
    expect(help.stdout).to.match(/\n {2}iam-policy +print the least-privilege IAM policy for a configuration\n/);
    const own = await runCli(['iam-policy', '--help']);
    expect(own.code).to.equal(0);
    expect(own.stdout).to.match(/^Usage: rds-broker iam-policy --config FILE\n/);
  });
});
