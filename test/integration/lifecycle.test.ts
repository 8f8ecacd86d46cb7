import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { DescribeDBSnapshotsCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';

const context = { platform: 'cloudfoundry', organization_guid: 'org-1', space_guid: 'space-1' };

async function connect(uri: string, ca: string): Promise<pg.Client> {
  // node-postgres: pass the authority explicitly (it verifies for sslmode=require/verify-full).
  const url = new URL(uri);
  url.searchParams.delete('sslmode');
  const client = new pg.Client({ connectionString: url.toString(), ssl: { ca, rejectUnauthorized: true } });
  await client.connect();
  return client;
}

async function refused(uri: string, ca: string): Promise<boolean> {
  try {
    const client = await connect(uri, ca);
    await client.end();
    return false;
  } catch (error) {
    return /password authentication failed|does not exist/.test((error as Error).message);
  }
}

describe('instance and binding lifecycle through the OSB API, on the emulator', function () {
  this.timeout(180_000);
  let stack: Stack;
  let ca: string;
  const instanceId = randomUUID();
  const provisionBody = {
    service_id: LOCAL_SERVICE_ID,
    plan_id: LOCAL_PLANS.small,
    context,
    organization_guid: 'org-1',
    space_guid: 'space-1',
  };

  before(async () => {
    stack = await startStack();
    ca = readFileSync(stack.emulator.caFile, 'utf8');
  });
  after(async () => {
    await stack?.stop();
  });

  it('provisions asynchronously and reaches succeeded', async () => {
    const response = await stack.server.client.put(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, provisionBody);
    expect(response.status, response.text).to.equal(202);
    expect(response.json.operation).to.equal('provision');
    expect(response.json.metadata.labels.rds_arn).to.match(/^arn:aws:rds:/);
    const repeat = await stack.server.client.put(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, provisionBody);
    expect(repeat.status).to.be.oneOf([200, 202]);
    const different = await stack.server.client.put(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
      ...provisionBody,
      plan_id: LOCAL_PLANS.medium,
    });
    expect(different.status).to.equal(409);
    expect(different.json.description).to.be.a('string');
    const done = await pollUntilDone(stack, instanceId, 'provision');
    expect(done.state).to.equal('succeeded');
    const again = await stack.server.client.put(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, provisionBody);
    expect(again.status).to.equal(200);
  });

  it('refuses a bind on an unknown instance and GET of an unknown binding', async () => {
    const missing = await stack.server.client.put(`/v2/service_instances/${randomUUID()}/service_bindings/${randomUUID()}`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
    });
    expect(missing.status).to.equal(404);
    expect(missing.json.description).to.be.a('string');
    const unknownBinding = await stack.server.client.get(`/v2/service_instances/${instanceId}/service_bindings/${randomUUID()}`);
    expect(unknownBinding.status).to.equal(404);
  });

  const b1 = randomUUID();
  const b2 = randomUUID();
  const readOnly = randomUUID();
  let uri1 = '';
  let uri2 = '';

  it('binds: the uri connects over verified TLS and creates a table; a second binding reads and alters it', async () => {
    const bindBody = { service_id: LOCAL_SERVICE_ID, plan_id: LOCAL_PLANS.small, context };
    const first = await stack.server.client.put(`/v2/service_instances/${instanceId}/service_bindings/${b1}`, bindBody);
    expect(first.status, first.text).to.equal(201);
    const credentials = first.json.credentials;
    for (const key of ['host', 'port', 'name', 'username', 'password', 'uri', 'jdbcUrl']) expect(credentials, key).to.have.property(key);
    expect(credentials.uri).to.match(/^postgres:\/\//);
    expect(credentials.uri).to.contain('sslmode=');
    expect(credentials.jdbcUrl).to.match(/^jdbc:postgresql:\/\//);
    expect(credentials.ca_certificate).to.equal(ca);
    uri1 = credentials.uri;
    const repeat = await stack.server.client.put(`/v2/service_instances/${instanceId}/service_bindings/${b1}`, bindBody);
    expect(repeat.status).to.equal(200);
    expect(repeat.json.credentials).to.deep.equal(credentials);
    const conflicting = await stack.server.client.put(`/v2/service_instances/${instanceId}/service_bindings/${b1}`, {
      ...bindBody,
      parameters: { read_only: true },
    });
    expect(conflicting.status).to.equal(409);

    const c1 = await connect(uri1, ca);
    await c1.query('CREATE TABLE notes (id serial primary key, body text)');
    await c1.query("INSERT INTO notes (body) VALUES ('from b1')");
    await c1.end();

    const second = await stack.server.client.put(`/v2/service_instances/${instanceId}/service_bindings/${b2}`, bindBody);
    expect(second.status).to.equal(201);
    uri2 = second.json.credentials.uri;
    expect(second.json.credentials.username).to.not.equal(credentials.username);
    const c2 = await connect(uri2, ca);
    const rows = await c2.query('SELECT body FROM notes');
    expect(rows.rows.map((r) => r.body)).to.deep.equal(['from b1']);
    await c2.query('ALTER TABLE notes ADD COLUMN author text');
    await c2.query("INSERT INTO notes (body, author) VALUES ('from b2', 'b2')");
    await c2.end();
  });

  it('a read-only binding reads but cannot write', async () => {
    const response = await stack.server.client.put(`/v2/service_instances/${instanceId}/service_bindings/${readOnly}`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      parameters: { read_only: true },
    });
    expect(response.status, response.text).to.equal(201);
    const client = await connect(response.json.credentials.uri, ca);
    const rows = await client.query('SELECT count(*)::int AS n FROM notes');
    expect(rows.rows[0].n).to.equal(2);
    let writeError = '';
    await client.query("INSERT INTO notes (body) VALUES ('nope')").catch((e: Error) => (writeError = e.message));
    expect(writeError).to.match(/read-only|permission denied/);
    await client.end();
  });

  it('unbinding the first binding refuses its credentials and keeps the table for the second', async () => {
    const response = await stack.server.client.delete(
      `/v2/service_instances/${instanceId}/service_bindings/${b1}?service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
    );
    expect(response.status).to.equal(200);
    expect(await refused(uri1, ca)).to.equal(true);
    const c2 = await connect(uri2, ca);
    const rows = await c2.query('SELECT body FROM notes ORDER BY id');
    expect(rows.rows.map((r) => r.body)).to.deep.equal(['from b1', 'from b2']);
    await c2.query("INSERT INTO notes (body) VALUES ('after unbind')");
    await c2.end();
    const again = await stack.server.client.delete(
      `/v2/service_instances/${instanceId}/service_bindings/${b1}?service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
    );
    expect(again.status).to.equal(410);
  });

  it('GET binding returns the same credentials; GET instance reconstructs service, plan and parameters', async () => {
    const binding = await stack.server.client.get(`/v2/service_instances/${instanceId}/service_bindings/${b2}`);
    expect(binding.status).to.equal(200);
    expect(binding.json.credentials.uri).to.equal(uri2);
    const instance = await stack.server.client.get(`/v2/service_instances/${instanceId}`);
    expect(instance.status).to.equal(200);
    expect(instance.json.service_id).to.equal(LOCAL_SERVICE_ID);
    expect(instance.json.plan_id).to.equal(LOCAL_PLANS.small);
    expect(instance.json.parameters.backup_retention_period).to.equal(7);
    expect(instance.json.maintenance_info.version).to.match(/^17\.4\.0/);
    const unknown = await stack.server.client.get(`/v2/service_instances/${randomUUID()}`);
    expect(unknown.status).to.equal(404);
  });

  it('changes plan: RDS shows the new instance class and the plan tag follows', async () => {
    const response = await stack.server.client.patch(`/v2/service_instances/${instanceId}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.medium,
    });
    expect(response.status, response.text).to.equal(202);
    const done = await pollUntilDone(stack, instanceId, response.json.operation);
    expect(done.state, done.description).to.equal('succeeded');
    const identifier = `local-${instanceId}`;
    const described = await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
    const instance = described.DBInstances![0]!;
    expect(instance.DBInstanceClass).to.equal('db.t4g.small');
    expect(instance.TagList!.find((t) => t.Key === 'Plan ID')?.Value).to.equal(LOCAL_PLANS.medium);
    const fetched = await stack.server.client.get(`/v2/service_instances/${instanceId}`);
    expect(fetched.json.plan_id).to.equal(LOCAL_PLANS.medium);
  });

  it('deprovisions with a final snapshot that carries the tags, then answers 410', async () => {
    const response = await stack.server.client.delete(
      `/v2/service_instances/${instanceId}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.medium}`,
    );
    expect(response.status, response.text).to.equal(202);
    const done = await pollUntilDone(stack, instanceId, 'deprovision');
    expect(done.status).to.equal(410);
    const snapshots = await stack.rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: `local-${instanceId}`, SnapshotType: 'manual' }),
    );
    const final = (snapshots.DBSnapshots ?? []).find((s) => /final/.test(s.DBSnapshotIdentifier ?? ''));
    expect(final, 'final snapshot').to.not.equal(undefined);
    const tags = Object.fromEntries((final!.TagList ?? []).map((t) => [t.Key, t.Value]));
    expect(tags['Instance ID']).to.equal(instanceId);
    expect(tags['Broker Name']).to.equal('rds-broker-local');
    expect(tags['Space ID']).to.equal('space-1');
    const again = await stack.server.client.delete(
      `/v2/service_instances/${instanceId}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.medium}`,
    );
    expect(again.status).to.equal(410);
  });
});
