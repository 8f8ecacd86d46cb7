import { expect } from 'chai';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import formatsModule from 'ajv-formats';
import { buildCatalog, validateParameters, type ParameterKind } from '../../src/catalog/index.js';
import { ids, testConfig } from '../osb/fixtures.js';

const addFormats = ((formatsModule as unknown as { default?: unknown }).default ?? formatsModule) as (ajv: Ajv) => Ajv;

describe('user parameter validation', () => {
  const config = testConfig();
  const postgres = config.catalog.services[0]!;
  const small = postgres.plans[0]!;
  const check = (kind: ParameterKind, params: unknown) => validateParameters(postgres, small, kind, params);

  const valid: Array<[ParameterKind, Record<string, unknown>]> = [
    ['provision', {}],
    ['provision', { db_name: 'orders_2024' }],
    [
      'provision',
      { backup_retention_period: 0, preferred_backup_window: '03:00-03:30', preferred_maintenance_window: 'sun:05:00-sun:05:30' },
    ],
    ['provision', { preferred_maintenance_window: 'Mon:23:30-Tue:00:00' }],
    ['provision', { skip_final_snapshot: true, delete_automated_backups: false }],
    ['provision', { restore_from_latest_snapshot_of: '6a2f0c3e-5a1b-4c1e-9e7f-0a1b2c3d4e5f' }],
    ['provision', { restore_from_latest_snapshot_of: 'source_1', restore_from_latest_snapshot_before: '2025-01-31T12:00:00Z' }],
    ['provision', { restore_from_point_in_time_of: 'source', restore_from_point_in_time_before: '2025-01-31T12:00:00.123+02:00' }],
    ['provision', { enable_extensions: ['pgcrypto', 'postgis'] }],
    [
      'update',
      { backup_retention_period: 35, apply_at_maintenance_window: true, reboot: true, force_failover: true, upgrade_minor_version: false },
    ],
    ['update', { disable_extensions: ['postgis'] }],
    ['bind', { read_only: true }],
  ];
  for (const [kind, params] of valid) {
    it(`${kind} accepts ${JSON.stringify(params)}`, () => expect(check(kind, params)).to.deep.equal([]));
  }

  const invalid: Array<[ParameterKind, Record<string, unknown> | unknown, RegExp]> = [
    ['provision', { size: 'xl' }, /parameter "size" is not accepted on provision by this plan \(accepted: db_name, /],
    ['provision', { db_name: 5 }, /^parameter db_name must be a string$/],
    ['provision', { db_name: '1starts_with_digit' }, /^parameter db_name must be a database name/],
    ['provision', { db_name: 'x'.repeat(64) }, /^parameter db_name must be/],
    ['provision', { backup_retention_period: 36 }, /^parameter backup_retention_period must be an integer number of days from 0 to 35$/],
    ['provision', { backup_retention_period: -1 }, /backup_retention_period/],
    ['provision', { backup_retention_period: 1.5 }, /^parameter backup_retention_period must be an integer$/],
    ['provision', { preferred_backup_window: '3:00-3:30' }, /^parameter preferred_backup_window must be a UTC time range/],
    ['provision', { preferred_backup_window: '24:00-00:30' }, /preferred_backup_window/],
    ['provision', { preferred_maintenance_window: 'sunday:05:00-sunday:05:30' }, /^parameter preferred_maintenance_window must be/],
    ['provision', { skip_final_snapshot: 'true' }, /^parameter skip_final_snapshot must be a boolean$/],
    [
      'provision',
      { restore_from_latest_snapshot_of: '../other' },
      /^parameter restore_from_latest_snapshot_of must be the ID of a service instance/,
    ],
    [
      'provision',
      { restore_from_latest_snapshot_of: 'a', restore_from_latest_snapshot_before: 'yesterday' },
      /restore_from_latest_snapshot_before must be an RFC 3339 date-time/,
    ],
    [
      'provision',
      { restore_from_latest_snapshot_before: '2025-01-31T12:00:00Z' },
      /^parameter restore_from_latest_snapshot_before needs parameter restore_from_latest_snapshot_of$/,
    ],
    ['provision', { restore_from_latest_snapshot_of: 'a', restore_from_point_in_time_of: 'b' }, /cannot be used together/],
    ['provision', { enable_extensions: ['hstore'] }, /^parameter enable_extensions holds a value that is not allowed/],
    ['provision', { enable_extensions: ['pgcrypto', 'pgcrypto'] }, /^parameter enable_extensions must be a list of distinct/],
    ['provision', { enable_extensions: 'pgcrypto' }, /^parameter enable_extensions must be an array$/],
    ['provision', { reboot: true }, /parameter "reboot" is not accepted on provision/],
    ['update', { db_name: 'x' }, /parameter "db_name" is not accepted on update/],
    ['update', { force_failover: true }, /^parameter force_failover needs parameter reboot$/],
    ['bind', { read_only: 1 }, /^parameter read_only must be a boolean$/],
    ['bind', JSON.parse('{"__proto__": 1, "constructor": 2}'), /not accepted on bind/],
    ['provision', [], /^parameters must be a JSON object$/],
  ];
  for (const [kind, params, message] of invalid) {
    it(`${kind} refuses ${JSON.stringify(params)}`, () => {
      const problems = check(kind, params);
      expect(
        problems.some((p) => message.test(p)),
        problems.join('\n'),
      ).to.equal(true);
    });
  }

  it('reports every problem, each naming its parameter', () => {
    const problems = check('provision', { db_name: 1, backup_retention_period: 'x', nope: true });
    expect(problems).to.have.length(3);
    expect(problems.join('\n')).to.contain('db_name').and.contain('backup_retention_period').and.contain('"nope"');
  });

  it('never quotes a parameter value in a problem', () => {
    const problems = check('provision', { db_name: 'value-with-secret-7781', preferred_backup_window: 'secret-window-7782' });
    expect(problems.join('\n')).not.to.contain('7781').and.not.contain('7782');
  });

  it("uses the plan's own selection and extension list", () => {
    const large = postgres.plans[1]!;
    expect(validateParameters(postgres, large, 'provision', { db_name: 'ok' })).to.deep.equal([]);
    expect(validateParameters(postgres, large, 'provision', { backup_retention_period: 1 })).to.have.length(1);
    expect(validateParameters(postgres, large, 'update', { enable_extensions: ['pgcrypto'] })).to.have.length(1);
  });

  describe('read_replicas', () => {
    const withReplicas = testConfig((d) => (d.catalog.services[0].plans[0].readReplicas = { default: 1, max: 2 }));
    const service = withReplicas.catalog.services[0]!;
    const plan = service.plans[0]!;
    const onPlan = (kind: ParameterKind, params: unknown) => validateParameters(service, plan, kind, params);

    it('a plan with readReplicas accepts 0 to max on provision and update', () => {
      for (const count of [0, 1, 2]) {
        expect(onPlan('provision', { read_replicas: count })).to.deep.equal([]);
        expect(onPlan('update', { read_replicas: count })).to.deep.equal([]);
      }
    });

    it('a count above the maximum is refused naming the maximum', () => {
      expect(onPlan('provision', { read_replicas: 3 })).to.deep.equal([
        'parameter read_replicas must be at most 2: this plan allows up to 2 read replicas',
      ]);
    });

    it('a negative or fractional count is refused naming the parameter', () => {
      expect(onPlan('update', { read_replicas: -1 }).join()).to.match(
        /^parameter read_replicas must be an integer number of read replicas/,
      );
      expect(onPlan('update', { read_replicas: 1.5 })).to.deep.equal(['parameter read_replicas must be an integer']);
    });

    it('a plan without readReplicas refuses the parameter naming it', () => {
      for (const kind of ['provision', 'update'] as const)
        expect(check(kind, { read_replicas: 1 })).to.deep.equal([
          `parameter "read_replicas" is not accepted on ${kind} by this plan: it allows no read replicas`,
        ]);
    });

    it('the catalog publishes it only for the plan that allows replicas, with its maximum', () => {
      const plans = (buildCatalog(withReplicas) as any).services[0].plans;
      const schemaOf = (p: any) => p.schemas.service_instance.create.parameters.properties.read_replicas;
      expect(schemaOf(plans.find((p: any) => p.id === plan.id))).to.include({ type: 'integer', minimum: 0, maximum: 2 });
      expect(plans.filter((p: any) => p.id !== plan.id).map(schemaOf)).to.deep.equal(plans.slice(1).map(() => undefined));
    });
  });

  describe('allocated_storage and max_allocated_storage', () => {
    const withBounds = testConfig((d) => {
      d.catalog.services[0].plans[0].rds.maxAllocatedStorage = 40;
      d.catalog.services[0].plans[0].userStorage = { allocatedStorage: { min: 20, max: 500 }, maxAllocatedStorage: { max: 1000 } };
    });
    const service = withBounds.catalog.services[0]!;
    const plan = service.plans[0]!;
    const onPlan = (kind: ParameterKind, params: unknown) => validateParameters(service, plan, kind, params);

    it('a plan with userStorage accepts sizes within its bounds on provision and update', () => {
      for (const kind of ['provision', 'update'] as const) {
        expect(onPlan(kind, { allocated_storage: 20, max_allocated_storage: 22 })).to.deep.equal([]);
        expect(onPlan(kind, { allocated_storage: 500, max_allocated_storage: 1000 })).to.deep.equal([]);
      }
    });

    it('a size outside the bounds is refused naming the bound', () => {
      expect(onPlan('provision', { allocated_storage: 501 })).to.deep.equal([
        'parameter allocated_storage must be at most 500 GiB on this plan',
      ]);
      expect(onPlan('update', { allocated_storage: 19 })).to.deep.equal([
        'parameter allocated_storage must be at least 20 GiB on this plan',
      ]);
      expect(onPlan('update', { max_allocated_storage: 21 })).to.deep.equal([
        'parameter max_allocated_storage must be at least 22 GiB on this plan',
      ]);
      expect(onPlan('provision', { allocated_storage: 20.5 })).to.deep.equal(['parameter allocated_storage must be an integer']);
    });

    it('a plan without userStorage refuses both, naming them', () => {
      for (const kind of ['provision', 'update'] as const)
        expect(check(kind, { allocated_storage: 50 })).to.deep.equal([
          `parameter "allocated_storage" is not accepted on ${kind} by this plan: its storage is fixed by the plan`,
        ]);
    });

    it('the catalog publishes them (provision and update) only for the plan with bounds, with the bounds', () => {
      const plans = (buildCatalog(withBounds) as any).services[0].plans;
      const ours = plans.find((p: any) => p.id === plan.id);
      for (const schemas of [ours.schemas.service_instance.create, ours.schemas.service_instance.update]) {
        expect(schemas.parameters.properties.allocated_storage).to.include({ type: 'integer', minimum: 20, maximum: 500 });
        expect(schemas.parameters.properties.max_allocated_storage).to.include({ type: 'integer', minimum: 22, maximum: 1000 });
      }
      for (const other of plans.filter((p: any) => p.id !== plan.id)) {
        expect(other.schemas.service_instance.create.parameters.properties).to.not.have.any.keys(
          'allocated_storage',
          'max_allocated_storage',
        );
      }
    });
  });

  describe('agrees with the schema the catalog publishes', () => {
    // An independent validator compiled from the catalog body a platform receives.
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const published = (buildCatalog(config) as any).services[0].plans.find((p: any) => p.id === ids.small).schemas;
    const platformValidators: Record<ParameterKind, (value: unknown) => boolean> = {
      provision: ajv.compile(strip(published.service_instance.create.parameters)),
      update: ajv.compile(strip(published.service_instance.update.parameters)),
      bind: ajv.compile(strip(published.service_binding.create.parameters)),
    };

    const names = [
      'db_name',
      'backup_retention_period',
      'preferred_backup_window',
      'preferred_maintenance_window',
      'skip_final_snapshot',
      'reboot',
      'force_failover',
      'read_only',
      'enable_extensions',
      'disable_extensions',
      'restore_from_latest_snapshot_of',
      'restore_from_latest_snapshot_before',
      'restore_from_point_in_time_of',
      'unknown_one',
    ];
    const values = fc.oneof(
      fc.boolean(),
      fc.integer({ min: -5, max: 40 }),
      fc.double(),
      fc.constantFrom('orders', '03:00-03:30', 'sun:05:00-sun:05:30', '2025-01-31T12:00:00Z', 'a-b_c', '../x', '', 'Z9'),
      fc.string(),
      fc.array(fc.constantFrom('pgcrypto', 'postgis', 'hstore'), { maxLength: 3 }),
      fc.constant(null),
    );
    const params = fc.dictionary(fc.constantFrom(...names), values, { maxKeys: 4 });

    for (const kind of ['provision', 'update', 'bind'] as const) {
      it(`${kind}: valid for the front end exactly when valid for the published schema`, () => {
        fc.assert(
          fc.property(params, (p) => (check(kind, p).length === 0) === platformValidators[kind](p)),
          { numRuns: 400 },
        );
      });
    }
  });
});

function strip(schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema: _declared, ...rest } = schema;
  return rest;
}
