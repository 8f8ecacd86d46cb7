import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBInstanceCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { admin, baseInstance, rdsClient, rejection, startModelEmulator } from './helpers.js';

/**
 * IAM enforced by the emulator, seen through the real SDK: AccessDenied with HTTP 403 and AWS's
 * wording, tag conditions on the request and on the resource, explicit denies, the defaults a
 * create is authorised on, and the admin API's record of refusals.
 */

const ACCOUNT = '123456789012';
const USER = `arn:aws:iam::${ACCOUNT}:user/AKIDEXAMPLE`;
const arn = (type: string, name: string) => `arn:aws:rds:us-east-1:${ACCOUNT}:${type}:${name}`;

const POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Read', Effect: 'Allow', Action: 'rds:DescribeDBInstances', Resource: '*' },
    {
      Sid: 'CreateTeamInstances',
      Effect: 'Allow',
      Action: ['rds:CreateDBInstance', 'rds:AddTagsToResource'],
      Resource: [
        'arn:aws:rds:*:*:db:app-*',
        'arn:aws:rds:*:*:pg:default.*',
        'arn:aws:rds:*:*:og:default:*',
        'arn:aws:rds:*:*:subgrp:default',
      ],
      Condition: { StringEquals: { 'aws:RequestTag/team': 'payments' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'env'] } },
    },
    {
      Sid: 'ChangeTeamInstances',
      Effect: 'Allow',
      Action: ['rds:ModifyDBInstance', 'rds:DeleteDBInstance'],
      Resource: 'arn:aws:rds:*:*:db:app-*',
      Condition: { StringEquals: { 'rds:db-tag/team': 'payments' } },
    },
    {
      Sid: 'NeverProduction',
      Effect: 'Deny',
      Action: 'rds:DeleteDBInstance',
      Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod' } },
    },
  ],
};

describe('emulator: IAM enforcement', function () {
  this.timeout(60_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;

  before(async () => {
    emulator = await startModelEmulator({ iamPolicies: [JSON.stringify(POLICY)] });
    rds = rdsClient(emulator);
  });
  after(async () => {
    rds?.destroy();
    await emulator?.stop();
  });

  const create = (id: string, tags: Record<string, string>) =>
    rds.send(
      new CreateDBInstanceCommand({
        ...baseInstance,
        DBInstanceIdentifier: id,
        Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
      }),
    );

  it('allows a create the policy allows: the instance, its default groups, its tags', async () => {
    const created = await create('app-one', { team: 'payments' });
    expect(created.DBInstance!.DBInstanceIdentifier).to.equal('app-one');
  });

  it('refuses a create without the required request tag: AccessDenied, 403, in AWS’s words', async () => {
    const error = await rejection(create('app-two', { team: 'billing' }));
    expect(error.name).to.equal('AccessDenied');
    expect(error.$metadata.httpStatusCode).to.equal(403);
    expect(error.message).to.equal(
      `User: ${USER} is not authorized to perform: rds:CreateDBInstance on resource: ${arn('db', 'app-two')} because no identity-based policy allows the rds:CreateDBInstance action`,
    );
    const described = await rejection(rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'app-two' })));
    expect(described.name).to.equal('DBInstanceNotFoundFault');
  });

  it('refuses a tag key the policy does not list (ForAllValues on aws:TagKeys)', async () => {
    const error = await rejection(create('app-three', { team: 'payments', owner: 'x' }));
    expect(error.name).to.equal('AccessDenied');
  });

  it('refuses a create on a parameter group the policy does not cover, naming that group', async () => {
    const error = await rejection(
      rds.send(
        new CreateDBInstanceCommand({
          ...baseInstance,
          DBInstanceIdentifier: 'app-four',
          DBParameterGroupName: 'custom',
          Tags: [{ Key: 'team', Value: 'payments' }],
        }),
      ),
    );
    expect(error.name).to.equal('AccessDenied');
    expect(error.message).to.include(`on resource: ${arn('pg', 'custom')} because`);
  });

  it('refuses an identifier outside the allowed pattern', async () => {
    const error = await rejection(create('other-one', { team: 'payments' }));
    expect(error.message).to.include(`on resource: ${arn('db', 'other-one')}`);
  });

  it('allows changes on an instance whose tags match; an explicit Deny on env=prod beats that Allow', async () => {
    await rds.send(new ModifyDBInstanceCommand({ DBInstanceIdentifier: 'app-one', DeletionProtection: false, ApplyImmediately: true }));
    await emulator.settle();
    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName: arn('db', 'app-one'),
        Tags: [
          { Key: 'team', Value: 'payments' },
          { Key: 'env', Value: 'prod' },
        ],
      }),
    );
    const error = await rejection(rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: 'app-one', SkipFinalSnapshot: true })));
    expect(error.name).to.equal('AccessDenied');
    expect(error.message).to.equal(
      `User: ${USER} is not authorized to perform: rds:DeleteDBInstance on resource: ${arn('db', 'app-one')} with an explicit deny in an identity-based policy`,
    );
  });

  it('refuses an action without resource types when nothing allows it, naming no resource', async () => {
    const error = await rejection(rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres' })));
    expect(error.message).to.equal(
      `User: ${USER} is not authorized to perform: rds:DescribeDBEngineVersions because no identity-based policy allows the rds:DescribeDBEngineVersions action`,
    );
  });

  it('names the caller by the access key ID of the signature', async () => {
    const other = new RDSClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'BROKER', secretAccessKey: 's' },
      maxAttempts: 1,
    });
    try {
      const error = await rejection(other.send(new DescribeDBEngineVersionsCommand({})));
      expect(error.message).to.match(new RegExp(`^User: arn:aws:iam::${ACCOUNT}:user/BROKER is not authorized`));
    } finally {
      other.destroy();
    }
  });

  it('refuses an unsigned request', async () => {
    const response = await fetch(emulator.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=DescribeDBInstances&Version=2014-10-31',
    });
    expect(response.status).to.equal(403);
    expect(await response.text()).to.include('<Code>MissingAuthenticationToken</Code>');
  });

  it('records every refusal: call, permission, resource, decision (admin API and handle)', async () => {
    const { json } = await admin(emulator, 'GET', 'iam');
    expect(json.enforced).to.equal(true);
    expect(json.policies).to.equal(1);
    const seen = (json.denials as { call: string; action: string; resource: string; decision: string }[]).map(
      (d) => `${d.call} ${d.action} ${d.resource} ${d.decision}`,
    );
    expect(seen).to.deep.equal([
      `CreateDBInstance rds:CreateDBInstance ${arn('db', 'app-two')} implicit-deny`,
      `CreateDBInstance rds:CreateDBInstance ${arn('db', 'app-three')} implicit-deny`,
      `CreateDBInstance rds:CreateDBInstance ${arn('pg', 'custom')} implicit-deny`,
      `CreateDBInstance rds:CreateDBInstance ${arn('db', 'other-one')} implicit-deny`,
      `DeleteDBInstance rds:DeleteDBInstance ${arn('db', 'app-one')} explicit-deny`,
      'DescribeDBEngineVersions rds:DescribeDBEngineVersions * implicit-deny',
      'DescribeDBEngineVersions rds:DescribeDBEngineVersions * implicit-deny',
    ]);
    expect(emulator.iamDenials()).to.have.length(7);
    await admin(emulator, 'DELETE', 'iam/denials');
    expect(emulator.iamDenials()).to.deep.equal([]);
  });

  it('refuses an invalid policy through the admin API and keeps the one it had', async () => {
    const refused = await admin(emulator, 'POST', 'iam', { policies: [{ Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] }] });
    expect(refused.status).to.equal(400);
    expect(refused.json.error).to.match(/Effect/);
    expect((await rejection(rds.send(new DescribeDBEngineVersionsCommand({})))).name).to.equal('AccessDenied');
  });

  it('stops enforcing when the policies are removed, and enforces new ones', async () => {
    expect((await admin(emulator, 'POST', 'iam', { policies: null })).json.enforced).to.equal(false);
    const versions = await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres' }));
    expect(versions.DBEngineVersions!.length).to.be.greaterThan(0);
    emulator.setIamPolicies([{ Statement: [{ Effect: 'Allow', Action: 'rds:Describe*', Resource: '*' }] }]);
    await rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'postgres' }));
    expect((await rejection(create('app-five', { team: 'payments' }))).name).to.equal('AccessDenied');
    emulator.setIamPolicies(undefined);
  });
});

describe('rds-broker emulator --iam-policy', function () {
  this.timeout(60_000);
  const bin = fileURLToPath(new URL('../../bin/rds-broker.js', import.meta.url));
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'iam-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]): Promise<{ code: number | null; output: string }> {
    const child = spawn(process.execPath, [bin, 'emulator', '--port', '0', '--databases', 'none', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stopped = false;
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
      // One SIGTERM: a second one, sent on later output, would meet the default handler mid-shutdown.
      if (!stopped && /Ctrl-C/.test(output)) {
        stopped = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
  }

  it('refuses an invalid policy file with its reason and usage, exit code 2', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*' }] }));
    const { code, output } = await run(['--iam-policy', file]);
    expect(code).to.equal(2);
    expect(output).to.include(`--iam-policy ${file}: Statement[0] must have exactly one of Resource and NotResource`);
  });

  it('refuses a missing file', async () => {
    const { code, output } = await run(['--iam-policy', join(dir, 'absent.json')]);
    expect(code).to.equal(2);
    expect(output).to.match(/absent\.json: ENOENT/);
  });

  it('starts with valid policies and says IAM is enforced', async () => {
    const file = join(dir, 'good.json');
    writeFileSync(file, JSON.stringify(POLICY));
    const { code, output } = await run(['--iam-policy', file, '--iam-policy', file]);
    expect(code, output).to.equal(0);
    expect(output).to.match(/IAM\s+enforced: 2 policies/);
  });
});
