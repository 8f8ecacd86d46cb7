import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { buildConfig } from '../../src/config/load.js';
import { createBroker } from '../../src/broker/index.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID, localConfigDocument } from '../../src/local/config.js';
import { captureLog, startTestServer, type HttpResponse, type TestServer } from '../support/http.js';
import { OpenApiValidator, openapiPath, type Method } from '../support/openapi.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { bindUri, caOf, instanceExists, loginRefused, query, rdsTags, takeSnapshot } from '../support/osb-flows.js';

const k8s = (namespace: string, clusterid = 'cluster-1') => ({ platform: 'kubernetes', clusterid, namespace, instance_name: 'db' });
const instancePath = '/v2/service_instances/{instance_id}';
const bindingPath = `${instancePath}/service_bindings/{binding_id}`;

describe('every platform: contexts, maintenance_info, binding rotation, metadata', function () {
  this.timeout(300_000);
  let stack: Stack;
  let ca: string;
  const openapi = new OpenApiValidator();
  /** Every answer a test checks also conforms to the OSB OpenAPI document, when it is there. */
  function conforms(response: HttpResponse, path: string, method: Method): HttpResponse {
    if (openapi.available) expect(openapi.problems(response, path, method)).to.deep.equal([]);
    return response;
  }

  before(async () => {
    if (!openapi.available) console.log(`      note: ${openapiPath} is absent; answers are not checked against the OSB OpenAPI document`);
    // The small plan runs an older minor version, so that a newer catalog can offer an upgrade.
    stack = await startStack({
      emulator: { speed: 0 },
      configure: (doc) => {
        doc.catalog.services[0].plans[0].rds.engineVersion = '17.2';
        // The medium plan opts in to binding endpoints; the default (small) does not.
        doc.catalog.services[0].plans[1].bindingEndpoints = true;
      },
    });
    ca = caOf(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  const provision = (id: string, context: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context,
      ...extra,
    });

  describe('Kubernetes tenants', () => {
    const a = randomUUID();
    before(async () => {
      const response = conforms(await provision(a, k8s('team-a')), instancePath, 'put');
      expect(response.status).to.equal(202);
      expect((await pollUntilDone(stack, a, 'provision')).state).to.equal('succeeded');
      await takeSnapshot(stack, a, `snap-k8s-${a.slice(0, 8)}`);
    });

    it('records cluster and namespace in the tags', async () => {
      const tags = await rdsTags(stack, a);
      expect(tags).to.include({ Platform: 'kubernetes', 'Cluster ID': 'cluster-1', Namespace: 'team-a' });
    });

    for (const [name, context] of [
      ['another namespace', k8s('team-b')],
      ['another cluster', k8s('team-a', 'cluster-2')],
      ['a Cloud Foundry space', { platform: 'cloudfoundry', organization_guid: 'cluster-1', space_guid: 'team-a' }],
    ] as const) {
      it(`refuses a restore from ${name}, and no RDS instance appears`, async () => {
        for (const parameters of [{ restore_from_latest_snapshot_of: a }, { restore_from_point_in_time_of: a }]) {
          const id = randomUUID();
          const response = conforms(await provision(id, context, { parameters }), instancePath, 'put');
          expect(response.status).to.equal(400);
          expect(await instanceExists(stack, id)).to.equal(false);
        }
      });
    }

    it('allows the same namespace of the same cluster', async () => {
      const id = randomUUID();
      const response = conforms(
        await provision(id, k8s('team-a'), { parameters: { restore_from_latest_snapshot_of: a } }),
        instancePath,
        'put',
      );
      expect(response.status, response.text).to.equal(202);
      expect((await pollUntilDone(stack, id, 'restore')).state).to.equal('succeeded');
    });

    it('a context-only update changes the tags, not RDS, and answers at once', async () => {
      const before = stack.emulator.stats();
      const response = conforms(
        await stack.server.client.patch(`/v2/service_instances/${a}?accepts_incomplete=true`, {
          service_id: LOCAL_SERVICE_ID,
          context: { ...k8s('team-a'), instance_name: 'renamed-db' },
        }),
        instancePath,
        'patch',
      );
      expect(response.status, response.text).to.equal(200);
      expect((await rdsTags(stack, a))['Instance Name']).to.equal('renamed-db');
      const after = stack.emulator.stats();
      expect(after.calls.ModifyDBInstance ?? 0).to.equal(before.calls.ModifyDBInstance ?? 0);
      expect(after.calls.AddTagsToResource ?? 0).to.be.greaterThan(before.calls.AddTagsToResource ?? 0);
    });
  });

  describe('maintenance_info', () => {
    const id = randomUUID();
    before(async () => {
      expect((await provision(id, { platform: 'cloudfoundry', organization_guid: 'o', space_guid: 's' })).status).to.equal(202);
      expect((await pollUntilDone(stack, id, 'provision')).state).to.equal('succeeded');
    });

    it('refuses a version that differs from the catalog with 422 MaintenanceInfoConflict', async () => {
      const put = conforms(
        await provision(
          randomUUID(),
          { platform: 'cloudfoundry', organization_guid: 'o', space_guid: 's' },
          { maintenance_info: { version: '99.0.0' } },
        ),
        instancePath,
        'put',
      );
      expect(put.status).to.equal(422);
      expect(put.json.error).to.equal('MaintenanceInfoConflict');
      const patch = conforms(
        await stack.server.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
          service_id: LOCAL_SERVICE_ID,
          maintenance_info: { version: '99.0.0' },
        }),
        instancePath,
        'patch',
      );
      expect(patch.status).to.equal(422);
      expect(patch.json.error).to.equal('MaintenanceInfoConflict');
    });

    it('GET instance shows the current maintenance_info; an update to the newer one upgrades the engine', async () => {
      const fetched = conforms(await stack.server.client.get(`/v2/service_instances/${id}`), instancePath, 'get');
      expect(fetched.json.maintenance_info.version).to.equal('17.2.0');
      // The operator rolls out a catalog whose plan moved to 17.5: a second broker on the same RDS.
      const document = localConfigDocument({
        port: 0,
        emulatorUrl: stack.emulator.url,
        caFile: stack.emulator.caFile,
        username: 'platform',
        password: 'platform-password-for-tests',
        derivationSecret: 'unused-secret-replaced-below',
      });
      (document.broker as any).derivationSecrets = stack.config.broker.derivationSecrets;
      (document.catalog as any).services[0].plans[0].rds.engineVersion = '17.5';
      const config = buildConfig(document, {});
      const broker = await createBroker(config, captureLog().log);
      let upgraded: TestServer | undefined;
      try {
        upgraded = await startTestServer({ config, broker });
        const catalog = await upgraded.client.get('/v2/catalog');
        const newer = catalog.json.services[0].plans[0].maintenance_info;
        expect(newer.version).to.equal('17.5.0');
        const response = conforms(
          await upgraded.client.patch(`/v2/service_instances/${id}?accepts_incomplete=true`, {
            service_id: LOCAL_SERVICE_ID,
            plan_id: LOCAL_PLANS.small,
            maintenance_info: { version: newer.version },
          }),
          instancePath,
          'patch',
        );
        expect(response.status, response.text).to.equal(202);
        for (let i = 0; i < 600; i++) {
          const poll = await upgraded.client.get(`/v2/service_instances/${id}/last_operation?operation=${response.json.operation}`);
          if (poll.json.state !== 'in progress') {
            expect(poll.json.state, poll.json.description).to.equal('succeeded');
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        const described = await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `local-${id}` }));
        expect(described.DBInstances![0]!.EngineVersion).to.equal('17.5');
        const after = conforms(await upgraded.client.get(`/v2/service_instances/${id}`), instancePath, 'get');
        expect(after.json.maintenance_info.version).to.equal('17.5.0');
      } finally {
        await upgraded?.close();
        await broker.close();
      }
    });
  });

  describe('binding rotation, metadata and endpoints', () => {
    const id = randomUUID();
    before(async () => {
      const response = conforms(
        await provision(id, { platform: 'cloudfoundry', organization_guid: 'o', space_guid: 's' }),
        instancePath,
        'put',
      );
      expect(response.json.metadata.labels).to.include.keys('rds_arn', 'engine', 'engine_version');
      expect((await pollUntilDone(stack, id, 'provision')).state).to.equal('succeeded');
    });

    it('GET instance answers metadata labels; bind and GET binding of the default configuration carry no endpoints', async () => {
      const fetched = conforms(await stack.server.client.get(`/v2/service_instances/${id}`), instancePath, 'get');
      expect(fetched.json.metadata.labels.engine).to.equal('postgres');
      expect(fetched.json.metadata.labels.rds_arn).to.match(/^arn:aws:rds:/);
      const bind = conforms(
        await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/meta`, {
          service_id: LOCAL_SERVICE_ID,
          plan_id: LOCAL_PLANS.small,
        }),
        bindingPath,
        'put',
      );
      expect(bind.status, bind.text).to.equal(201);
      expect(bind.json).to.not.have.property('endpoints');
      const got = conforms(await stack.server.client.get(`/v2/service_instances/${id}/service_bindings/meta`), bindingPath, 'get');
      expect(got.json).to.not.have.property('endpoints');
      expect(got.json.credentials.uri).to.equal(bind.json.credentials.uri);
    });

    it('a plan that opts in (bindingEndpoints) gets endpoints as the spec defines them: host, ports as strings, protocol', async () => {
      const optedIn = randomUUID();
      const response = conforms(
        await provision(optedIn, { platform: 'cloudfoundry', organization_guid: 'o', space_guid: 's' }, { plan_id: LOCAL_PLANS.medium }),
        instancePath,
        'put',
      );
      expect(response.status, response.text).to.equal(202);
      expect((await pollUntilDone(stack, optedIn, 'provision')).state).to.equal('succeeded');
      const bind = conforms(
        await stack.server.client.put(`/v2/service_instances/${optedIn}/service_bindings/ep`, {
          service_id: LOCAL_SERVICE_ID,
          plan_id: LOCAL_PLANS.medium,
        }),
        bindingPath,
        'put',
      );
      expect(bind.json.endpoints).to.deep.equal([
        { host: bind.json.credentials.host, ports: [String(bind.json.credentials.port)], protocol: 'tcp' },
      ]);
      const got = conforms(await stack.server.client.get(`/v2/service_instances/${optedIn}/service_bindings/ep`), bindingPath, 'get');
      expect(got.json.endpoints).to.deep.equal(bind.json.endpoints);
    });

    it("a successor binding has new credentials and its predecessor's access; the predecessor works until unbound", async () => {
      const predecessorUri = await bindUri(stack, id, 'old', { read_only: true });
      const writer = await bindUri(stack, id, 'writer');
      await query(writer, ca, "CREATE TABLE r (v text); INSERT INTO r VALUES ('x')");
      const rotated = conforms(
        await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/new`, {
          service_id: LOCAL_SERVICE_ID,
          plan_id: LOCAL_PLANS.small,
          predecessor_binding_id: 'old',
        }),
        bindingPath,
        'put',
      );
      expect(rotated.status, rotated.text).to.equal(201);
      const successorUri = rotated.json.credentials.uri as string;
      expect(new URL(successorUri).username).to.not.equal(new URL(predecessorUri).username);
      expect(new URL(successorUri).password).to.not.equal(new URL(predecessorUri).password);
      for (const uri of [predecessorUri, successorUri]) {
        expect((await query(uri, ca, 'SELECT v FROM r'))[0].v).to.equal('x');
        // Read-only is inherited: the successor cannot write either.
        let error = '';
        await query(uri, ca, "INSERT INTO r VALUES ('y')").catch((e: Error) => (error = e.message));
        expect(error).to.match(/read-only|permission denied/);
      }
      expect(
        (
          await stack.server.client.delete(
            `/v2/service_instances/${id}/service_bindings/old?service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
          )
        ).status,
      ).to.equal(200);
      expect(await loginRefused(predecessorUri, ca)).to.equal(true);
      expect((await query(successorUri, ca, 'SELECT v FROM r'))[0].v).to.equal('x');
    });

    it('refuses an unknown predecessor, and one of another instance', async () => {
      const unknown = conforms(
        await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/${randomUUID()}`, {
          service_id: LOCAL_SERVICE_ID,
          plan_id: LOCAL_PLANS.small,
          predecessor_binding_id: 'never-existed',
        }),
        bindingPath,
        'put',
      );
      expect(unknown.status).to.equal(400);
      const other = randomUUID();
      expect((await provision(other, { platform: 'cloudfoundry', organization_guid: 'o', space_guid: 's' })).status).to.equal(202);
      expect((await pollUntilDone(stack, other, 'provision')).state).to.equal('succeeded');
      await bindUri(stack, other, 'elsewhere');
      const foreign = await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/${randomUUID()}`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
        predecessor_binding_id: 'elsewhere',
      });
      expect(foreign.status).to.equal(400);
    });
  });
});
