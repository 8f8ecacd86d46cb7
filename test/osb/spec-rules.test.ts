import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import type { HttpResponse } from '../support/http.js';
import { OpenApiValidator, openapiPath, type Method } from '../support/openapi.js';
import { emulatorAdmin, pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { cfContext } from '../support/osb-flows.js';

/**
 * Rules of the OSB spec that only the whole product can show (docs/osb-conformance.md points here):
 * the broker over real HTTP, the emulator behind it, every answer checked against the OpenAPI document.
 */
describe('OSB spec rules, end to end', function () {
  this.timeout(300_000);
  let stack: Stack;
  const openapi = new OpenApiValidator();
  const instancePath = '/v2/service_instances/{instance_id}';
  const identifier = (id: string) => `local-${id}`;

  function conforms(response: HttpResponse, path: string, method: Method): HttpResponse {
    if (openapi.available) expect(openapi.problems(response, path, method)).to.deep.equal([]);
    return response;
  }

  before(async () => {
    if (!openapi.available) console.log(`      note: ${openapiPath} is absent; answers are not checked against the OSB OpenAPI document`);
    stack = await startStack();
  });
  after(async () => {
    await stack?.stop();
  });

  const put = (id: string, extra: Record<string, unknown> = {}) =>
    stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      ...extra,
    });
  const patch = (id: string, body: Record<string, unknown>) =>
    stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, { service_id: LOCAL_SERVICE_ID, ...body });

  it('a provision and an update carrying "maintenance_info": {} are accepted and done', async () => {
    const id = randomUUID();
    const provision = conforms(await put(id, { maintenance_info: {} }), instancePath, 'put');
    expect(provision.status, provision.text).to.equal(202);
    expect((await pollUntilDone(stack, id, provision.json.operation)).state).to.equal('succeeded');
    const update = conforms(
      await patch(id, { plan_id: LOCAL_PLANS.medium, maintenance_info: {}, previous_values: {}, context: {}, parameters: {} }),
      instancePath,
      'patch',
    );
    expect(update.status, update.text).to.equal(202);
    expect((await pollUntilDone(stack, id, update.json.operation)).state).to.equal('succeeded');
    expect((await stack.server.client.get(`/v2/service_instances/${id}`)).json.plan_id).to.equal(LOCAL_PLANS.medium);
  });

  it('a repeated provision while in progress answers 202 with the same operation; GET instance answers 404 until it is done', async () => {
    const id = randomUUID();
    await emulatorAdmin(stack, 'POST', 'hold', { instance: identifier(id) });
    try {
      const first = conforms(await put(id), instancePath, 'put');
      expect(first.status).to.equal(202);
      const again = conforms(await put(id), instancePath, 'put');
      expect(again.status).to.equal(202);
      expect(again.json.operation).to.equal(first.json.operation);
      const fetched = conforms(await stack.server.client.get(`/v2/service_instances/${id}`), instancePath, 'get');
      expect(fetched.status).to.equal(404);
      const poll = conforms(
        await stack.server.client.get(`/v2/service_instances/${id}/last_operation?operation=${first.json.operation}`),
        `${instancePath}/last_operation`,
        'get',
      );
      expect(poll.json.state).to.equal('in progress');
      expect(poll.json.description).to.be.a('string').and.not.equal('');
      expect(Number(poll.headers['retry-after'])).to.be.at.least(1);
    } finally {
      await emulatorAdmin(stack, 'POST', 'release', { instance: identifier(id) });
    }
    expect((await pollUntilDone(stack, id, 'provision')).state).to.equal('succeeded');
    expect((await stack.server.client.get(`/v2/service_instances/${id}`)).status).to.equal(200);
  });

  it('GET instance during an update answers 422 ConcurrencyError; an update without plan_id never changes the plan', async () => {
    const id = randomUUID();
    const provision = await put(id);
    expect((await pollUntilDone(stack, id, provision.json.operation)).state).to.equal('succeeded');
    await emulatorAdmin(stack, 'POST', 'hold', { instance: identifier(id) });
    try {
      const update = conforms(await patch(id, { plan_id: LOCAL_PLANS.medium }), instancePath, 'patch');
      expect(update.status).to.equal(202);
      const fetched = conforms(await stack.server.client.get(`/v2/service_instances/${id}`), instancePath, 'get');
      expect(fetched.status).to.equal(422);
      expect(fetched.json.error).to.equal('ConcurrencyError');
    } finally {
      await emulatorAdmin(stack, 'POST', 'release', { instance: identifier(id) });
    }
    expect((await pollUntilDone(stack, id, 'update')).state).to.equal('succeeded');
    const noPlan = conforms(await patch(id, { parameters: { backup_retention_period: 3 } }), instancePath, 'patch');
    expect(noPlan.status, noPlan.text).to.be.oneOf([200, 202]);
    if (noPlan.status === 202) expect((await pollUntilDone(stack, id, noPlan.json.operation)).state).to.equal('succeeded');
    const fetched = await stack.server.client.get(`/v2/service_instances/${id}`);
    expect(fetched.json.plan_id).to.equal(LOCAL_PLANS.medium);
    expect(fetched.json.parameters.backup_retention_period).to.equal(3);
  });

  it('the optional fields of provision, GET instance and bind match the spec examples: no dashboard_url, metadata objects, no expires_at without a lifetime', async () => {
    const id = randomUUID();
    const provision = conforms(await put(id), instancePath, 'put');
    expect(provision.json).to.not.have.property('dashboard_url');
    expect(provision.json.metadata).to.be.an('object');
    expect((await pollUntilDone(stack, id, 'provision')).state).to.equal('succeeded');
    const fetched = conforms(await stack.server.client.get(`/v2/service_instances/${id}`), instancePath, 'get');
    expect(fetched.json).to.not.have.property('dashboard_url');
    expect(fetched.json.maintenance_info.version).to.match(/^\d+\.\d+\.\d+$/);
    expect(fetched.json.metadata.labels).to.be.an('object');
    const bind = conforms(
      await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/b1`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
      }),
      `${instancePath}/service_bindings/{binding_id}`,
      'put',
    );
    expect(bind.status).to.equal(201);
    expect(bind.json.metadata ?? {}).to.not.have.property('expires_at');
    const unbindPath = `/v2/service_instances/${id}/service_bindings/b1?service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`;
    const unbind = conforms(await stack.server.client.delete(unbindPath), `${instancePath}/service_bindings/{binding_id}`, 'delete');
    expect(unbind.status).to.equal(200);
    expect(unbind.json).to.deep.equal({});
    const again = conforms(await stack.server.client.delete(unbindPath), `${instancePath}/service_bindings/{binding_id}`, 'delete');
    expect(again.status).to.equal(410);
  });
});
