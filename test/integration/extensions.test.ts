import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand, DescribeDBParametersCommand } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { bindUri, caOf, cfContext, provisionAndWait, query } from '../support/osb-flows.js';

describe('PostgreSQL extensions', function () {
  this.timeout(300_000);
  let stack: Stack;
  let ca: string;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
    ca = caOf(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  const installed = async (uri: string) =>
    (await query(uri, ca, 'SELECT extname FROM pg_extension ORDER BY extname')).map((r) => r.extname as string);
  const groupOf = async (id: string) =>
    (await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }))).DBInstances![0]!.DBParameterGroups![0]!;

  it('creates requested extensions at provision, preloading the ones that need it through a managed parameter group', async () => {
    const id = randomUUID();
    const done = await provisionAndWait(stack, id, { parameters: { enable_extensions: ['pg_stat_statements', 'citext'] } });
    expect(done.state, done.description).to.equal('succeeded');
    const uri = await bindUri(stack, id, 'app');
    expect(await installed(uri)).to.include.members(['citext', 'pg_stat_statements']);
    // Works only when the library is really preloaded.
    expect((await query(uri, ca, 'SELECT count(*)::int AS n FROM pg_stat_statements'))[0].n).to.be.a('number');
    const group = await groupOf(id);
    expect(group.DBParameterGroupName).to.equal('rdsbroker-postgres17-pg-stat-statements');
    const parameters = await stack.rds.send(
      new DescribeDBParametersCommand({ DBParameterGroupName: group.DBParameterGroupName!, Source: 'user' }),
    );
    expect(parameters.Parameters?.find((p) => p.ParameterName === 'shared_preload_libraries')?.ParameterValue).to.equal(
      'pg_stat_statements',
    );
  });

  it('enables and disables plain extensions synchronously on update', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id, { parameters: { enable_extensions: ['citext'] } })).state).to.equal('succeeded');
    const uri = await bindUri(stack, id, 'app');
    const response = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      parameters: { enable_extensions: ['pgcrypto'], disable_extensions: ['citext'] },
    });
    expect(response.status, response.text).to.equal(200);
    const names = await installed(uri);
    expect(names).to.include('pgcrypto');
    expect(names).to.not.include('citext');
    // Dropped by the extensions step, which left no tag behind.
    const tagKeys = (
      await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }))
    ).DBInstances![0]!.TagList!.map((t) => t.Key);
    expect(tagKeys).to.not.include('Extensions To Drop');
    expect(tagKeys).to.not.include('PendingExtensions');
    const fetched = await stack.server.client.get(`/v2/service_instances/${id}`);
    expect(fetched.json.parameters.enable_extensions).to.deep.equal(['pgcrypto']);
  });

  it('enabling a preloaded extension later switches the parameter group, reboots, then creates it', async () => {
    const id = randomUUID();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const response = await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      parameters: { enable_extensions: ['pg_stat_statements'] },
    });
    expect(response.status, response.text).to.equal(202);
    const done = await pollUntilDone(stack, id, response.json.operation);
    expect(done.state, done.description).to.equal('succeeded');
    expect(done.descriptions.some((d) => d.startsWith('rebooting') || d.includes('rebooting'))).to.equal(true);
    expect((await groupOf(id)).ParameterApplyStatus).to.equal('in-sync');
    const uri = await bindUri(stack, id, 'app');
    expect((await query(uri, ca, 'SELECT count(*)::int AS n FROM pg_stat_statements'))[0].n).to.be.a('number');
  });

  it('refuses an extension the plan does not allow', async () => {
    const response = await stack.server.client.put(`/v2/service_instances/${randomUUID()}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      parameters: { enable_extensions: ['plpython3u'] },
    });
    expect(response.status).to.equal(400);
    expect(response.json.description).to.contain('enable_extensions');
  });
});
