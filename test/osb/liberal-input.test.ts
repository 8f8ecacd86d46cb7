import { expect } from 'chai';
import { startTestServer, type TestServer } from '../support/http.js';
import { ids, INSTANCE, BINDING, provisionBody, RecordingBroker, testConfig } from './fixtures.js';

/**
 * Some platforms' client libraries serialise an absent optional structure as `{}` or `null`. Where
 * the spec makes the whole field optional, both mean "absent": never a 400. A structure that is
 * present with content is still checked, and its errors name the field where the caller sent it.
 */
describe('liberal input: {} and null for optional structures', () => {
  let server: TestServer;
  let broker: RecordingBroker;
  beforeEach(async () => {
    broker = new RecordingBroker();
    server = await startTestServer({ config: testConfig(), broker });
  });
  afterEach(() => server.close());

  const instancePath = `/v2/service_instances/${INSTANCE}?accepts_incomplete=true`;
  const bindingPath = `/v2/service_instances/${INSTANCE}/service_bindings/${BINDING}`;

  for (const empty of [{}, null]) {
    const shown = JSON.stringify(empty);
    it(`provision with maintenance_info, context and parameters ${shown} is accepted as if they were absent`, async () => {
      const res = await server.client.put(instancePath, {
        service_id: ids.service,
        plan_id: ids.small,
        maintenance_info: empty,
        context: empty,
        parameters: empty,
      });
      expect(res.status, res.text).to.equal(202);
      expect(broker.calls[0]!.request).to.deep.equal({
        instanceId: INSTANCE,
        serviceId: ids.service,
        planId: ids.small,
        context: {},
        parameters: {},
      });
    });

    it(`update with maintenance_info, context, parameters and previous_values ${shown} is accepted as if they were absent`, async () => {
      const res = await server.client.patch(instancePath, {
        service_id: ids.service,
        plan_id: ids.large,
        maintenance_info: empty,
        context: empty,
        parameters: empty,
        previous_values: empty,
      });
      expect(res.status, res.text).to.equal(202);
      expect(broker.calls[0]!.request).to.deep.equal({
        instanceId: INSTANCE,
        serviceId: ids.service,
        planId: ids.large,
        context: {},
        parameters: {},
      });
    });

    it(`update with previous_values.maintenance_info ${shown} keeps the other previous values`, async () => {
      const res = await server.client.patch(instancePath, {
        service_id: ids.service,
        previous_values: { plan_id: ids.small, maintenance_info: empty },
      });
      expect(res.status, res.text).to.equal(202);
      expect(broker.calls[0]!.request.previousValues).to.deep.equal({ planId: ids.small });
    });

    it(`bind with context, parameters and bind_resource ${shown} is accepted as if they were absent`, async () => {
      const res = await server.client.put(bindingPath, {
        service_id: ids.service,
        plan_id: ids.small,
        context: empty,
        parameters: empty,
        bind_resource: empty,
      });
      expect(res.status, res.text).to.equal(201);
      expect(broker.calls[0]!.request).to.deep.equal({
        instanceId: INSTANCE,
        bindingId: BINDING,
        serviceId: ids.service,
        planId: ids.small,
        context: {},
        parameters: {},
      });
    });
  }

  it('a present maintenance_info with a version that is not semantic is still refused, named as sent', async () => {
    const top = await server.client.put(instancePath, provisionBody({ maintenance_info: { version: 'latest' } }));
    expect(top.status).to.equal(400);
    expect(top.json.description).to.equal('maintenance_info.version must be a semantic version string');
    const previous = await server.client.patch(instancePath, {
      service_id: ids.service,
      previous_values: { maintenance_info: { version: 'latest' } },
    });
    expect(previous.status).to.equal(400);
    expect(previous.json.description).to.equal('previous_values.maintenance_info.version must be a semantic version string');
    const previousPlan = await server.client.patch(instancePath, { service_id: ids.service, previous_values: { plan_id: 7 } });
    expect(previousPlan.status).to.equal(400);
    expect(previousPlan.json.description).to.equal('previous_values.plan_id must be a non-empty string');
    expect(broker.calls).to.have.length(0);
  });

  it('a structure of the wrong kind ([] or a string) is refused, never taken as absent', async () => {
    for (const wrong of [[], 'x', 3]) {
      const res = await server.client.put(instancePath, provisionBody({ maintenance_info: wrong }));
      expect(res.status, JSON.stringify(wrong)).to.equal(400);
      expect(res.json.description).to.equal('maintenance_info must be a JSON object');
    }
    expect(broker.calls).to.have.length(0);
  });
});
