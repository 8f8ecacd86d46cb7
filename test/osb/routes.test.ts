import { expect } from 'chai';
import { BrokerError } from '../../src/broker/contract.js';
import { startTestServer, type TestServer } from '../support/http.js';
import { BINDING, ids, INSTANCE, provisionBody, RecordingBroker, testConfig } from './fixtures.js';

describe('OSB routes over HTTP', () => {
  let server: TestServer;
  let broker: RecordingBroker;

  beforeEach(async () => {
    broker = new RecordingBroker();
    server = await startTestServer({ config: testConfig(), broker });
  });
  afterEach(() => server.close());

  const instancePath = `/v2/service_instances/${INSTANCE}`;
  const bindingPath = `${instancePath}/service_bindings/${BINDING}`;

  it('serves the catalog built from the configuration', async () => {
    const res = await server.client.get('/v2/catalog');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/json/);
    expect(res.json.services.map((s: any) => s.id)).to.deep.equal([ids.service, ids.otherService]);
    expect(broker.calls).to.have.length(0);
  });

  it('maps provision to the broker with a typed request', async () => {
    const res = await server.client.put(`${instancePath}?accepts_incomplete=true`, provisionBody({ parameters: { db_name: 'orders' } }));
    expect(res.status).to.equal(202);
    expect(res.json).to.deep.equal({ operation: 'provision' });
    expect(broker.calls).to.have.length(1);
    const call = broker.calls[0]!;
    expect(call.method).to.equal('provision');
    expect(call.request).to.deep.equal({
      instanceId: INSTANCE,
      serviceId: ids.service,
      planId: ids.small,
      context: { platform: 'cloudfoundry', organization_guid: 'org-guid', space_guid: 'space-guid' },
      parameters: { db_name: 'orders' },
      organizationGuid: 'org-guid',
      spaceGuid: 'space-guid',
    });
    expect(call.ctx.apiVersion).to.equal('2.17');
    expect(call.ctx.requestId).to.equal(res.headers['x-broker-api-request-identity']);
  });

  it('maps update, with previous values and maintenance_info', async () => {
    const res = await server.client.patch(`${instancePath}?accepts_incomplete=true`, {
      service_id: ids.service,
      plan_id: ids.large,
      parameters: { reboot: true },
      previous_values: { plan_id: ids.small, service_id: ids.service, maintenance_info: { version: '17.4.0' } },
      maintenance_info: { version: '2.0.0' },
    });
    expect(res.status).to.equal(202);
    expect(broker.calls[0]!.request).to.deep.equal({
      instanceId: INSTANCE,
      serviceId: ids.service,
      planId: ids.large,
      context: {},
      parameters: { reboot: true },
      previousValues: { serviceId: ids.service, planId: ids.small, maintenanceInfo: { version: '17.4.0' } },
      maintenanceInfo: { version: '2.0.0' },
    });
  });

  it('maps deprovision from the query string', async () => {
    const res = await server.client.delete(`${instancePath}?accepts_incomplete=true&service_id=${ids.service}&plan_id=${ids.small}`);
    expect(res.status).to.equal(202);
    expect(broker.calls[0]).to.deep.include({
      method: 'deprovision',
      request: { instanceId: INSTANCE, serviceId: ids.service, planId: ids.small },
    });
  });

  it('maps fetch instance and last_operation, passing Retry-After back', async () => {
    const fetched = await server.client.get(instancePath);
    expect(fetched.status).to.equal(200);
    expect(broker.calls[0]).to.deep.include({ method: 'fetchInstance', request: { instanceId: INSTANCE } });
    const polled = await server.client.get(
      `${instancePath}/last_operation?service_id=${ids.service}&plan_id=${ids.small}&operation=provision`,
    );
    expect(polled.status).to.equal(200);
    expect(polled.json).to.deep.equal({ state: 'in progress', description: 'creating' });
    expect(polled.headers['retry-after']).to.equal('30');
    expect(broker.calls[1]).to.deep.include({
      method: 'lastOperation',
      request: { instanceId: INSTANCE, serviceId: ids.service, planId: ids.small, operation: 'provision' },
    });
  });

  it('rounds a fractional Retry-After up to whole seconds', async () => {
    broker.responses.lastOperation = { status: 200, body: { state: 'in progress' }, retryAfterSeconds: 4.2 };
    const res = await server.client.get(`${instancePath}/last_operation`);
    expect(res.headers['retry-after']).to.equal('5');
  });

  it('maps bind, unbind, fetch binding and binding last_operation', async () => {
    const bound = await server.client.put(bindingPath, {
      service_id: ids.service,
      plan_id: ids.small,
      bind_resource: { app_guid: 'app-1' },
      parameters: { read_only: true },
      predecessor_binding_id: 'older-binding',
    });
    expect(bound.status).to.equal(201);
    expect(broker.calls[0]!.request).to.deep.equal({
      instanceId: INSTANCE,
      bindingId: BINDING,
      serviceId: ids.service,
      planId: ids.small,
      context: {},
      bindResource: { app_guid: 'app-1' },
      parameters: { read_only: true },
      predecessorBindingId: 'older-binding',
    });
    const fetched = await server.client.get(bindingPath);
    expect(fetched.status).to.equal(200);
    const polled = await server.client.get(`${bindingPath}/last_operation?operation=bind`);
    expect(polled.json).to.deep.equal({ state: 'succeeded' });
    const unbound = await server.client.delete(`${bindingPath}?service_id=${ids.service}&plan_id=${ids.small}`);
    expect(unbound.status).to.equal(200);
    expect(broker.calls.map((c) => c.method)).to.deep.equal(['bind', 'fetchBinding', 'bindingLastOperation', 'unbind']);
    expect(broker.calls[2]!.request).to.deep.equal({ instanceId: INSTANCE, bindingId: BINDING, operation: 'bind' });
  });

  it('turns the deprecated top-level app_guid into bind_resource', async () => {
    await server.client.put(bindingPath, { service_id: ids.service, plan_id: ids.small, app_guid: 'app-2' });
    expect(broker.calls[0]!.request.bindResource).to.deep.equal({ app_guid: 'app-2' });
  });

  it('renders a BrokerError as an OSB error body with its code and extra fields', async () => {
    broker.responses.update = () => {
      throw new BrokerError(422, 'another operation is in progress', 'ConcurrencyError', { instance_usable: true });
    };
    const res = await server.client.patch(`${instancePath}?accepts_incomplete=true`, { service_id: ids.service });
    expect(res.status).to.equal(422);
    expect(res.json).to.deep.equal({ instance_usable: true, error: 'ConcurrencyError', description: 'another operation is in progress' });
  });

  it('answers an unexpected exception with a 500 that reveals nothing, and logs the detail', async () => {
    broker.responses.fetchInstance = () => {
      throw new Error('connection to rds failed: password=hunter2-secret at /srv/app/src/aws/gateway.ts:42');
    };
    const res = await server.client.get(instancePath);
    expect(res.status).to.equal(500);
    expect(Object.keys(res.json)).to.deep.equal(['description']);
    expect(res.text).not.to.contain('hunter2');
    expect(res.text).not.to.contain('gateway.ts');
    expect(res.json.description).to.contain(res.headers['x-broker-api-request-identity']);
    const logged = server.captured.lines().find((l) => l.msg === 'unexpected error while serving a request');
    expect(logged?.err?.message).to.contain('connection to rds failed');
  });

  it('answers unknown paths with an OSB 404 and wrong methods with an OSB 405 and Allow', async () => {
    const missing = await server.client.get('/v2/nothing-here');
    expect(missing.status).to.equal(404);
    expect(missing.json.description).to.be.a('string').and.not.equal('');
    const wrongMethod = await server.client.call('POST', '/v2/catalog', { body: {} });
    expect(wrongMethod.status).to.equal(405);
    expect(wrongMethod.headers.allow).to.contain('GET');
    expect(wrongMethod.json.description).to.be.a('string').and.not.equal('');
    const patchBinding = await server.client.patch(bindingPath, {});
    expect(patchBinding.status).to.equal(405);
    expect(broker.calls).to.have.length(0);
  });

  describe('accepts_incomplete', () => {
    for (const [method, path, body] of [
      ['PUT', instancePath, provisionBody()],
      ['PATCH', instancePath, { service_id: ids.service }],
      ['DELETE', `${instancePath}?service_id=${ids.service}&plan_id=${ids.small}`, undefined],
    ] as const) {
      it(`${method} without accepts_incomplete=true → 422 AsyncRequired`, async () => {
        const res = await server.client.call(method, path, body === undefined ? {} : { body });
        expect(res.status).to.equal(422);
        expect(res.json.error).to.equal('AsyncRequired');
        const falseRes = await server.client.call(
          method,
          `${path}${path.includes('?') ? '&' : '?'}accepts_incomplete=false`,
          body === undefined ? {} : { body },
        );
        expect(falseRes.status).to.equal(422);
        expect(broker.calls).to.have.length(0);
      });
    }

    it('a value other than true or false is a 400', async () => {
      const res = await server.client.put(`${instancePath}?accepts_incomplete=maybe`, provisionBody());
      expect(res.status).to.equal(400);
    });
  });

  describe('path IDs', () => {
    const hostile = [
      '..',
      'a.b',
      'a%20b',
      '%2e%2e%2fetc',
      "x';drop%20table",
      '-leading-hyphen',
      '_leading-underscore',
      'a'.repeat(64),
      '%C3%A9t%C3%A9',
      'a%00b',
      '%zz',
    ];
    for (const id of hostile) {
      it(`refuses instance ID ${JSON.stringify(id.slice(0, 20))} with a 400 before the broker is asked`, async () => {
        const res = await server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, provisionBody());
        expect(res.status).to.equal(400);
        expect(res.json.description).to.contain('instance_id');
        const polled = await server.client.get(`/v2/service_instances/${id}/last_operation`);
        expect(polled.status).to.equal(400);
        expect(broker.calls).to.have.length(0);
      });
    }

    it('refuses an instance ID that would make the RDS identifier longer than 63 characters', async () => {
      // prefix "tb" + "-" leaves 60 characters for the ID
      const ok = await server.client.put(`/v2/service_instances/${'a'.repeat(60)}?accepts_incomplete=true`, provisionBody());
      expect(ok.status).to.equal(202);
      const tooLong = await server.client.put(`/v2/service_instances/${'a'.repeat(61)}?accepts_incomplete=true`, provisionBody());
      expect(tooLong.status).to.equal(400);
      expect(tooLong.json.description).to.contain('at most 60');
    });

    it('accepts GUIDs in either case and underscores, without folding case', async () => {
      const upper = INSTANCE.toUpperCase();
      const res = await server.client.put(`/v2/service_instances/${upper}?accepts_incomplete=true`, provisionBody());
      expect(res.status).to.equal(202);
      expect(broker.calls[0]!.request.instanceId).to.equal(upper);
      const underscored = await server.client.put(`/v2/service_instances/snake_case_id?accepts_incomplete=true`, provisionBody());
      expect(underscored.status).to.equal(202);
    });

    it('refuses hostile binding IDs and predecessor IDs', async () => {
      const res = await server.client.put(`${instancePath}/service_bindings/bad.id`, { service_id: ids.service, plan_id: ids.small });
      expect(res.status).to.equal(400);
      expect(res.json.description).to.contain('binding_id');
      const predecessor = await server.client.put(bindingPath, {
        service_id: ids.service,
        plan_id: ids.small,
        predecessor_binding_id: '../x',
      });
      expect(predecessor.status).to.equal(400);
      expect(predecessor.json.description).to.contain('predecessor_binding_id');
      expect(broker.calls).to.have.length(0);
    });
  });

  describe('body and query fields', () => {
    const cases: Array<[string, string, string, unknown, RegExp]> = [
      ['provision without service_id', 'PUT', `${instancePath}?accepts_incomplete=true`, { plan_id: ids.small }, /service_id is required/],
      ['provision without plan_id', 'PUT', `${instancePath}?accepts_incomplete=true`, { service_id: ids.service }, /plan_id is required/],
      ['unknown service', 'PUT', `${instancePath}?accepts_incomplete=true`, provisionBody({ service_id: 'nope' }), /service_id "nope"/],
      ['unknown plan', 'PUT', `${instancePath}?accepts_incomplete=true`, provisionBody({ plan_id: 'nope' }), /plan_id "nope"/],
      ['plan of another service', 'PUT', `${instancePath}?accepts_incomplete=true`, provisionBody({ plan_id: ids.mysqlPlan }), /plan_id/],
      [
        'service_id not a string',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ service_id: 7 }),
        /service_id must be a non-empty string/,
      ],
      [
        'context not an object',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ context: 'cf' }),
        /context must be a JSON object/,
      ],
      [
        'parameters an array',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ parameters: [] }),
        /parameters must be a JSON object/,
      ],
      [
        'maintenance_info without version',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ maintenance_info: { description: 'no version' } }),
        /maintenance_info.version/,
      ],
      [
        'maintenance_info version not semver',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ maintenance_info: { version: 'new' } }),
        /maintenance_info.version/,
      ],
      ['update without service_id', 'PATCH', `${instancePath}?accepts_incomplete=true`, { plan_id: ids.small }, /service_id is required/],
      [
        'update to a plan of another service',
        'PATCH',
        `${instancePath}?accepts_incomplete=true`,
        { service_id: ids.service, plan_id: ids.mysqlPlan },
        /plan_id/,
      ],
      [
        'previous_values not an object',
        'PATCH',
        `${instancePath}?accepts_incomplete=true`,
        { service_id: ids.service, previous_values: 1 },
        /previous_values/,
      ],
      ['bind to a plan that is not bindable', 'PUT', bindingPath, { service_id: ids.service, plan_id: ids.nobind }, /not bindable/],
      [
        'bind_resource not an object',
        'PUT',
        bindingPath,
        { service_id: ids.service, plan_id: ids.small, bind_resource: [] },
        /bind_resource/,
      ],
      [
        'unknown provision parameter',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ parameters: { size: 'xl' } }),
        /"size"/,
      ],
      [
        'mistyped provision parameter',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ parameters: { backup_retention_period: '7' } }),
        /backup_retention_period must be an integer/,
      ],
      [
        'parameter not accepted by the plan',
        'PUT',
        `${instancePath}?accepts_incomplete=true`,
        provisionBody({ plan_id: ids.large, parameters: { skip_final_snapshot: true } }),
        /"skip_final_snapshot"/,
      ],
      [
        'bind parameter of the wrong type',
        'PUT',
        bindingPath,
        { service_id: ids.service, plan_id: ids.small, parameters: { read_only: 'yes' } },
        /read_only must be a boolean/,
      ],
      [
        'update parameter out of range',
        'PATCH',
        `${instancePath}?accepts_incomplete=true`,
        { service_id: ids.service, plan_id: ids.small, parameters: { backup_retention_period: 36 } },
        /backup_retention_period/,
      ],
    ];
    for (const [name, method, path, body, message] of cases) {
      it(`${name} → 400 naming the problem`, async () => {
        const res = await server.client.call(method, path, { body });
        expect(res.status, res.text).to.equal(400);
        expect(res.json.description).to.match(message);
        expect(broker.calls).to.have.length(0);
      });
    }

    const queryCases: Array<[string, string, RegExp]> = [
      ['deprovision without plan_id', `${instancePath}?accepts_incomplete=true&service_id=${ids.service}`, /plan_id is required/],
      [
        'deprovision with an unknown plan',
        `${instancePath}?accepts_incomplete=true&service_id=${ids.service}&plan_id=zzz`,
        /plan_id "zzz"/,
      ],
      ['unbind without service_id', `${bindingPath}?plan_id=${ids.small}`, /service_id is required/],
      [
        'repeated query parameter',
        `${instancePath}?accepts_incomplete=true&service_id=${ids.service}&service_id=${ids.service}&plan_id=${ids.small}`,
        /more than once/,
      ],
    ];
    for (const [name, path, message] of queryCases) {
      it(`${name} → 400`, async () => {
        const res = await server.client.delete(path);
        expect(res.status).to.equal(400);
        expect(res.json.description).to.match(message);
        expect(broker.calls).to.have.length(0);
      });
    }

    it('optional service_id and plan_id hints must name the catalog when sent', async () => {
      const res = await server.client.get(`${instancePath}/last_operation?plan_id=unknown-plan`);
      expect(res.status).to.equal(400);
      const ok = await server.client.get(`${instancePath}/last_operation?plan_id=${ids.large}`);
      expect(ok.status).to.equal(200);
    });

    it('validates update parameters against the plan being moved to', async () => {
      // reboot is accepted on update by the large plan only; db_name by no update at all
      const toLarge = await server.client.patch(`${instancePath}?accepts_incomplete=true`, {
        service_id: ids.service,
        plan_id: ids.large,
        parameters: { reboot: true },
      });
      expect(toLarge.status).to.equal(202);
      const smallWithBackup = await server.client.patch(`${instancePath}?accepts_incomplete=true`, {
        service_id: ids.service,
        previous_values: { plan_id: ids.large },
        parameters: { backup_retention_period: 3 },
      });
      expect(smallWithBackup.status).to.equal(400);
      expect(smallWithBackup.json.description).to.contain('backup_retention_period');
    });

    it('ignores unknown top-level fields, as the spec requires of vendor extensions', async () => {
      const res = await server.client.put(`${instancePath}?accepts_incomplete=true`, provisionBody({ 'x-vendor_field': { any: 'thing' } }));
      expect(res.status).to.equal(202);
    });
  });
});
