import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Ajv, type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { request, startTestServer, type HttpResponse, type TestServer } from '../support/http.js';
import { BINDING, ids, INSTANCE, provisionBody, RecordingBroker, testConfig } from './fixtures.js';

/**
 * Responses checked against the OSB project's OpenAPI document, which lives beside the repository
 * (../shared/osb/openapi.yaml). A fresh clone without it skips these tests and says so.
 */
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const openapiPath = join(repoRoot, '..', 'shared', 'osb', 'openapi.yaml');
const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv) => Ajv;

type Method = 'get' | 'put' | 'patch' | 'delete';

describe('OSB conformance against the OpenAPI document', () => {
  let doc: any;
  let ajv: Ajv;
  let server: TestServer;
  let broker: RecordingBroker;

  before(function () {
    if (!existsSync(openapiPath)) {
      console.log(`      skipped: the OSB OpenAPI document is not at ${openapiPath} (it sits beside the repository, not in it)`);
      this.skip();
    }
    doc = parseYaml(readFileSync(openapiPath, 'utf8'));
    // OpenAPI 3.0 schemas carry keywords JSON Schema does not know (deprecated, …): not strict.
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(doc, 'osb');
  });

  beforeEach(async () => {
    broker = new RecordingBroker();
    server = await startTestServer({ config: testConfig(), broker });
  });
  afterEach(() => server?.close());

  const compiled = new Map<string, ValidateFunction>();
  function validatorFor(schema: any): ValidateFunction {
    const ref: string = schema.$ref ? `osb${schema.$ref}` : JSON.stringify(schema);
    let validate = compiled.get(ref);
    if (!validate) {
      validate = schema.$ref ? ajv.getSchema(ref)! : ajv.compile(schema);
      expect(validate, `schema ${ref}`).to.be.a('function');
      compiled.set(ref, validate);
    }
    return validate;
  }

  /** The documented schema of a response, or the Error schema for error statuses the document leaves out. */
  function responseSchema(path: string, method: Method, status: number): any {
    const documented = doc.paths[path]?.[method]?.responses?.[String(status)]?.content?.['application/json']?.schema;
    if (documented) return documented;
    expect(status, `${method.toUpperCase()} ${path} answered ${status}, which the document does not list`).to.be.at.least(400);
    return { $ref: '#/components/schemas/Error' };
  }

  function expectConforms(res: HttpResponse, path: string, method: Method) {
    expect(res.headers['content-type'], `${method} ${path}`).to.match(/^application\/json/);
    const validate = validatorFor(responseSchema(path, method, res.status));
    const valid = validate(res.json);
    expect(valid, `${method.toUpperCase()} ${path} → ${res.status}: ${ajv.errorsText(validate.errors)}\n${res.text}`).to.equal(true);
    if (res.status >= 400) {
      // Stricter than the document, as the spec's prose says: description non-empty, error a known code.
      expect(res.json.description).to.be.a('string').and.not.equal('');
      if ('error' in res.json)
        expect(['AsyncRequired', 'ConcurrencyError', 'RequiresApp', 'MaintenanceInfoConflict']).to.include(res.json.error);
    }
  }

  const instance = `/v2/service_instances/${INSTANCE}`;
  const binding = `${instance}/service_bindings/${BINDING}`;
  const specInstance = '/v2/service_instances/{instance_id}';
  const specBinding = `${specInstance}/service_bindings/{binding_id}`;
  const hints = `service_id=${ids.service}&plan_id=${ids.small}`;

  /** One well-formed request per documented operation. */
  const operations: Array<{ spec: string; method: Method; path: string; body?: unknown }> = [
    { spec: '/v2/catalog', method: 'get', path: '/v2/catalog' },
    { spec: specInstance, method: 'put', path: `${instance}?accepts_incomplete=true`, body: provisionBody() },
    {
      spec: specInstance,
      method: 'patch',
      path: `${instance}?accepts_incomplete=true`,
      body: { service_id: ids.service, plan_id: ids.large },
    },
    { spec: specInstance, method: 'delete', path: `${instance}?accepts_incomplete=true&${hints}` },
    { spec: specInstance, method: 'get', path: instance },
    { spec: `${specInstance}/last_operation`, method: 'get', path: `${instance}/last_operation?${hints}` },
    { spec: specBinding, method: 'put', path: binding, body: { service_id: ids.service, plan_id: ids.small } },
    { spec: specBinding, method: 'delete', path: `${binding}?${hints}` },
    { spec: specBinding, method: 'get', path: binding },
    { spec: `${specBinding}/last_operation`, method: 'get', path: `${binding}/last_operation` },
  ];

  it('routes every operation of the document', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]: [string, any]) =>
      Object.keys(item)
        .filter((k) => ['get', 'put', 'patch', 'delete', 'post'].includes(k))
        .map((m) => `${m} ${path}`),
    );
    expect(operations.map((o) => `${o.method} ${o.spec}`).sort()).to.deep.equal(documented.sort());
  });

  for (const op of operations) {
    it(`${op.method.toUpperCase()} ${op.spec}: the success response conforms`, async () => {
      const res = await server.client.call(op.method.toUpperCase(), op.path, op.body === undefined ? {} : { body: op.body });
      expect(res.status).to.be.within(200, 299);
      expectConforms(res, op.spec, op.method);
    });
  }

  it('the catalog conforms, and every plan carries the fields OSB 2.17 platforms use', async () => {
    const res = await server.client.get('/v2/catalog');
    expectConforms(res, '/v2/catalog', 'get');
    for (const service of res.json.services) {
      expect(service).to.include({ instances_retrievable: true, bindings_retrievable: true, allow_context_updates: true });
      for (const plan of service.plans) {
        expect(plan.maintenance_info.version).to.match(/^\d+\.\d+\.\d+/);
        expect(plan.maximum_polling_duration).to.be.a('number');
      }
    }
  });

  it('front-end errors conform: 400, 401, 404, 405, 412, 413, 422', async () => {
    const cases: Array<[number, Method, string, () => Promise<HttpResponse>]> = [
      [
        400,
        'put',
        specInstance,
        () => server.client.put(`${instance}?accepts_incomplete=true`, '{oops', { headers: { 'Content-Type': 'application/json' } }),
      ],
      [401, 'get', '/v2/catalog', () => request(`${server.url}/v2/catalog`, { headers: { 'X-Broker-API-Version': '2.17' } })],
      [404, 'get', '/v2/nothing', () => server.client.get('/v2/nothing')],
      [405, 'get', '/v2/catalog', () => server.client.call('POST', '/v2/catalog', { body: {} })],
      [412, 'get', '/v2/catalog', () => server.client.call('GET', '/v2/catalog', { headers: { 'X-Broker-API-Version': '2.1' } })],
      [413, 'put', specInstance, () => server.client.put(`${instance}?accepts_incomplete=true`, Buffer.alloc(70 * 1024, 0x20))],
      [422, 'put', specInstance, () => server.client.put(instance, provisionBody())],
    ];
    for (const [status, method, spec, send] of cases) {
      const res = await send();
      expect(res.status, spec).to.equal(status);
      expectConforms(res, spec, method);
    }
  });

  it('broker errors and unexpected failures conform', async () => {
    broker.responses.deprovision = () => {
      throw Object.assign(new Error('boom'), { detail: 'internal' });
    };
    const res = await server.client.delete(`${instance}?accepts_incomplete=true&${hints}`);
    expect(res.status).to.equal(500);
    expectConforms(res, specInstance, 'delete');
  });
});
