import { expect } from 'chai';
import { Ajv } from 'ajv';
import {
  acceptedParameters,
  buildCatalog,
  DEFAULT_MAXIMUM_POLLING_DURATION_SECONDS,
  deriveMaintenanceInfo,
  findPlan,
  JSON_SCHEMA_DRAFT_04,
} from '../../src/catalog/index.js';
import { bindParameterNames, provisionParameterNames, updateParameterNames } from '../../src/config/schema.js';
import { ids, testConfig } from '../osb/fixtures.js';

/** Keywords that exist, with the same meaning, in JSON Schema draft-04 (what platforms must support). */
const draft04Keywords = new Set([
  '$schema',
  'type',
  'properties',
  'additionalProperties',
  'items',
  'uniqueItems',
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
  'format',
  'description',
  'dependencies',
  'not',
  'anyOf',
  'required',
]);

function keywordsOf(schema: unknown, out = new Set<string>(), inProperties = false): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) keywordsOf(s, out);
  else if (schema && typeof schema === 'object') {
    for (const [key, value] of Object.entries(schema)) {
      if (!inProperties) out.add(key);
      if (key === 'enum' || key === 'required' || key === 'description' || key === 'pattern') continue;
      if (key === 'dependencies') continue; // values are property-name lists
      keywordsOf(value, out, key === 'properties' && !inProperties);
    }
  }
  return out;
}

describe('catalog', () => {
  const config = testConfig();
  const catalog = buildCatalog(config);
  const services = catalog.services as any[];
  const plans = services.flatMap((s) => s.plans);

  it('has unique service and plan IDs, and unique names where OSB requires them', () => {
    const allIds = [...services.map((s) => s.id), ...plans.map((p) => p.id)];
    expect(new Set(allIds).size).to.equal(allIds.length);
    expect(new Set(services.map((s) => s.name)).size).to.equal(services.length);
    for (const service of services) expect(new Set(service.plans.map((p: any) => p.name)).size).to.equal(service.plans.length);
  });

  it('uses CLI-friendly names and non-empty descriptions', () => {
    for (const item of [...services, ...plans]) {
      expect(item.name).to.match(/^[a-zA-Z0-9.-]+$/);
      expect(item.description).to.be.a('string').and.not.equal('');
    }
  });

  it('declares what OSB 2.17 platforms rely on, on every service', () => {
    for (const service of services) {
      expect(service).to.include({ bindable: true, instances_retrievable: true, bindings_retrievable: true, allow_context_updates: true });
      expect(service.plan_updateable).to.be.a('boolean');
      expect(service.plans).to.have.length.greaterThan(0);
    }
  });

  it('resolves bindable and plan_updateable per plan', () => {
    const byId = Object.fromEntries(plans.map((p) => [p.id, p]));
    expect(byId[ids.small]).to.include({ bindable: true, plan_updateable: true, binding_rotatable: true });
    expect(byId[ids.nobind]).to.include({ bindable: false, plan_updateable: false, binding_rotatable: false });
    expect(byId[ids.nobind].schemas).not.to.have.property('service_binding');
  });

  it('publishes maintenance_info: declared, or derived from the engine version', () => {
    const byId = Object.fromEntries(plans.map((p) => [p.id, p]));
    expect(byId[ids.large].maintenance_info).to.deep.equal({ version: '2.0.0', description: 'declared' });
    expect(byId[ids.small].maintenance_info).to.deep.equal({ version: '17.4.0', description: 'PostgreSQL engine version 17.4' });
    expect(byId[ids.mysqlPlan].maintenance_info).to.deep.equal({ version: '8.0.39', description: 'MySQL engine version 8.0.39' });
  });

  describe('deriveMaintenanceInfo', () => {
    const table: Array<[string, string, string]> = [
      ['postgres', '17.4', '17.4.0'],
      ['postgres', '17', '17.0.0'],
      ['postgres', '16.10', '16.10.0'],
      ['mysql', '8.0.39', '8.0.39'],
      ['mysql', '5.7.44-rds.20240408', '5.7.44+rds.20240408'],
      ['mariadb', '10.11.8', '10.11.8'],
      ['postgres', '09.6', '9.6.0'],
    ];
    for (const [engine, version, expected] of table) {
      it(`${engine} ${version} → ${expected}`, () => {
        const info = deriveMaintenanceInfo(engine, version);
        expect(info.version).to.equal(expected);
        expect(info.version).to.match(/^\d+\.\d+\.\d+(?:\+[0-9A-Za-z.-]+)?$/);
        expect(info.description).to.contain(version);
      });
    }
  });

  it('gives every plan a maximum_polling_duration', () => {
    for (const plan of plans) expect(plan.maximum_polling_duration).to.equal(DEFAULT_MAXIMUM_POLLING_DURATION_SECONDS);
    const declared = buildCatalog(testConfig((d) => (d.catalog.services[0].plans[0].maximum_polling_duration = 600))) as any;
    expect(declared.services[0].plans[0].maximum_polling_duration).to.equal(600);
  });

  it('keeps configured plan metadata and adds bullets only when it has none', () => {
    const custom = buildCatalog(
      testConfig((d) => (d.catalog.services[0].plans[0].metadata = { bullets: ['mine'], displayName: 'Small' })),
    ) as any;
    expect(custom.services[0].plans[0].metadata).to.deep.equal({ bullets: ['mine'], displayName: 'Small' });
    expect(plans[0].metadata.bullets).to.include('PostgreSQL 17.4');
  });

  describe('plan schemas', () => {
    const schemasOf = (plan: any): any[] =>
      [plan.schemas.service_instance.create, plan.schemas.service_instance.update, plan.schemas.service_binding?.create]
        .filter(Boolean)
        .map((s: any) => s.parameters);

    it('declare draft-04, use only draft-04 keywords, hold no references and stay under 64 kB', () => {
      const ajv = new Ajv({ strict: false });
      for (const plan of plans) {
        for (const schema of schemasOf(plan)) {
          expect(schema.$schema).to.equal(JSON_SCHEMA_DRAFT_04);
          expect(JSON.stringify(schema)).not.to.contain('$ref');
          expect(Buffer.byteLength(JSON.stringify(schema))).to.be.below(64 * 1024);
          const unknown = [...keywordsOf(schema)].filter((k) => !draft04Keywords.has(k));
          expect(unknown, plan.name).to.deep.equal([]);
          const { $schema: _ignored, ...body } = schema;
          expect(ajv.validateSchema(body), JSON.stringify(ajv.errors)).to.equal(true);
        }
      }
    });

    it('describe exactly the accepted parameters', () => {
      const small = plans.find((p) => p.id === ids.small);
      // The small plan allows no read replicas and sets no storage bounds: those parameters are not offered.
      const fixed = new Set(['read_replicas', 'allocated_storage', 'max_allocated_storage']);
      const noReplicas = (names: readonly string[]) => names.filter((n) => !fixed.has(n));
      expect(Object.keys(small.schemas.service_instance.create.parameters.properties)).to.deep.equal(noReplicas(provisionParameterNames));
      expect(Object.keys(small.schemas.service_instance.update.parameters.properties)).to.deep.equal(noReplicas(updateParameterNames));
      expect(Object.keys(small.schemas.service_binding.create.parameters.properties)).to.deep.equal([...bindParameterNames]);
      const large = plans.find((p) => p.id === ids.large);
      expect(Object.keys(large.schemas.service_instance.create.parameters.properties)).to.deep.equal(['db_name']);
      expect(Object.keys(large.schemas.service_instance.update.parameters.properties)).to.deep.equal(['reboot']);
      expect(Object.keys(large.schemas.service_binding.create.parameters.properties)).to.deep.equal([]);
      for (const plan of plans) for (const schema of schemasOf(plan)) expect(schema.additionalProperties).to.equal(false);
    });
  });

  describe('acceptedParameters', () => {
    const [postgres, mysql] = config.catalog.services as [any, any];
    it("takes the plan's selection first", () => {
      expect(acceptedParameters(postgres, postgres.plans[1], 'provision')).to.deep.equal(['db_name']);
    });
    it("then the service's", () => {
      expect(acceptedParameters(mysql, mysql.plans[0], 'provision')).to.deep.equal(['backup_retention_period']);
    });
    it('else every name the broker understands, without extension parameters when the plan allows none, nor read_replicas without replicas, nor storage parameters without bounds', () => {
      const storage = new Set(['allocated_storage', 'max_allocated_storage']);
      expect(acceptedParameters(postgres, postgres.plans[0], 'update')).to.deep.equal(
        updateParameterNames.filter((n) => n !== 'read_replicas' && !storage.has(n)),
      );
      expect(acceptedParameters(postgres, postgres.plans[2], 'update')).to.deep.equal(
        updateParameterNames.filter(
          (n) => n !== 'enable_extensions' && n !== 'disable_extensions' && n !== 'read_replicas' && !storage.has(n),
        ),
      );
      const replicated = { ...postgres.plans[0], readReplicas: { default: 0, max: 2 } };
      expect(acceptedParameters(postgres, replicated, 'update')).to.deep.equal(updateParameterNames.filter((n) => !storage.has(n)));
      const bounded = { ...replicated, userStorage: { allocatedStorage: { min: 20, max: 100 }, maxAllocatedStorage: { max: 200 } } };
      expect(acceptedParameters(postgres, bounded, 'update')).to.deep.equal([...updateParameterNames]);
      expect(acceptedParameters(mysql, mysql.plans[0], 'bind')).to.deep.equal(['read_only']);
    });
  });

  describe('findPlan', () => {
    it('finds a plan of the named service only', () => {
      expect(findPlan(config, ids.service, ids.small)?.plan.name).to.equal('small');
      expect(findPlan(config, ids.service, ids.mysqlPlan)).to.equal(undefined);
      expect(findPlan(config, 'nope', ids.small)).to.equal(undefined);
      expect(findPlan(config, ids.service, 'nope')).to.equal(undefined);
    });
  });
});
