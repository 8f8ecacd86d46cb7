import { expect } from 'chai';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { startModelEmulator } from './helpers.js';

/** The Query protocol on the wire, without the SDK: form bodies in, RDS's XML out. */
describe('emulator wire format', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startModelEmulator();
  });
  after(() => emulator.stop());

  async function post(form: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(`${emulator.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...headers },
      body: new URLSearchParams(form).toString(),
    });
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      requestId: response.headers.get('x-amzn-requestid'),
      body: await response.text(),
    };
  }

  it('answers a form-encoded CreateDBInstance with the RDS response envelope', async () => {
    const answer = await post({
      Action: 'CreateDBInstance',
      Version: '2014-10-31',
      DBInstanceIdentifier: 'Wire-One',
      DBInstanceClass: 'db.t3.micro',
      Engine: 'postgres',
      MasterUsername: 'master',
      MasterUserPassword: 'master-password-1',
      AllocatedStorage: '20',
      'Tags.Tag.1.Key': 'team',
      'Tags.Tag.1.Value': 'Zürich team',
      'VpcSecurityGroupIds.VpcSecurityGroupId.1': 'sg-0123456789abcdef0',
    });
    expect(answer.status).to.equal(200);
    expect(answer.type).to.match(/^text\/xml/);
    expect(answer.body).to.match(
      /^<CreateDBInstanceResponse xmlns="http:\/\/rds\.amazonaws\.com\/doc\/2014-10-31\/"><CreateDBInstanceResult><DBInstance>/,
    );
    expect(answer.body).to.match(
      /<\/DBInstance><\/CreateDBInstanceResult><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/CreateDBInstanceResponse>$/,
    );
    expect(answer.body).to.include('<DBInstanceIdentifier>wire-one</DBInstanceIdentifier>');
    expect(answer.body).to.include('<DBInstanceStatus>creating</DBInstanceStatus>');
    expect(answer.body).to.include('<TagList><Tag><Key>team</Key><Value>Zürich team</Value></Tag></TagList>');
    expect(answer.body).to.include(
      '<VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-0123456789abcdef0</VpcSecurityGroupId><Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>',
    );
    expect(answer.body).to.include(
      '<DBParameterGroups><DBParameterGroup><DBParameterGroupName>default.postgres17</DBParameterGroupName><ParameterApplyStatus>in-sync</ParameterApplyStatus></DBParameterGroup></DBParameterGroups>',
    );
    expect(answer.body).to.include('<DBInstanceArn>arn:aws:rds:us-east-1:123456789012:db:wire-one</DBInstanceArn>');
    expect(answer.body).not.to.include('master-password-1');
    expect(answer.body).to.include(`<RequestId>${answer.requestId}</RequestId>`);
  });

  it('escapes text in XML', async () => {
    const answer = await post({
      Action: 'CreateDBParameterGroup',
      Version: '2014-10-31',
      DBParameterGroupName: 'escaped',
      DBParameterGroupFamily: 'postgres16',
      Description: 'a & b <c> "d" \'e\'',
    });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.include('<Description>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</Description>');
  });

  it('answers GET with a query string too, with Filters in their wire shape', async () => {
    const query = new URLSearchParams({
      Action: 'DescribeDBInstances',
      Version: '2014-10-31',
      'Filters.Filter.1.Name': 'db-instance-id',
      'Filters.Filter.1.Values.Value.1': 'arn:aws:rds:us-east-1:123456789012:db:wire-one',
      'Filters.Filter.1.Values.Value.2': 'absent-one',
    });
    const response = await fetch(`${emulator.url}/?${query}`);
    const body = await response.text();
    expect(response.status).to.equal(200);
    expect(body).to.match(/^<DescribeDBInstancesResponse [^>]+><DescribeDBInstancesResult><DBInstances><DBInstance>/);
    expect(body.match(/<DBInstance>/g)).to.have.length(1);
    expect(body).not.to.include('<Marker>');
  });

  it('answers an action with an empty result with the envelope alone', async () => {
    const answer = await post({
      Action: 'RemoveTagsFromResource',
      Version: '2014-10-31',
      ResourceName: 'arn:aws:rds:us-east-1:123456789012:db:wire-one',
      'TagKeys.member.1': 'team',
    });
    expect(answer.status).to.equal(200);
    expect(answer.body).to.match(
      /^<RemoveTagsFromResourceResponse [^>]+><ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/RemoveTagsFromResourceResponse>$/,
    );
  });

  it('answers errors with ErrorResponse, the RDS code and the HTTP status', async () => {
    const missing = await post({ Action: 'DescribeDBInstances', Version: '2014-10-31', DBInstanceIdentifier: 'nothing-here' });
    expect(missing.status).to.equal(404);
    expect(missing.body).to.match(
      /^<ErrorResponse xmlns="http:\/\/rds\.amazonaws\.com\/doc\/2014-10-31\/"><Error><Type>Sender<\/Type><Code>DBInstanceNotFound<\/Code><Message>DBInstance nothing-here not found\.<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    const invalid = await post({ Action: 'LaunchRockets', Version: '2014-10-31' });
    expect(invalid.status).to.equal(400);
    expect(invalid.body).to.include('<Code>InvalidAction</Code>');
    const noAction = await post({ Version: '2014-10-31' });
    expect(noAction.status).to.equal(400);
    expect(noAction.body).to.include('<Code>MissingAction</Code>');
    const oldVersion = await post({ Action: 'DescribeDBInstances', Version: '2013-09-09' });
    expect(oldVersion.status).to.equal(400);
    expect(oldVersion.body).to.include('<Code>InvalidParameterValue</Code>');
  });

  it('refuses an oversized body without failing', async () => {
    const answer = await post({ Action: 'DescribeDBInstances', Version: '2014-10-31', Junk: 'x'.repeat(2 * 1024 * 1024) });
    expect(answer.status).to.equal(413);
    const after = await post({ Action: 'DescribeDBInstances', Version: '2014-10-31' });
    expect(after.status).to.equal(200);
  });

  it('takes the region from a SigV4 credential scope without verifying the signature', async () => {
    const answer = await post(
      { Action: 'DescribeDBInstances', Version: '2014-10-31' },
      { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/rds/aws4_request, SignedHeaders=host, Signature=00' },
    );
    expect(answer.status).to.equal(200);
  });
});
