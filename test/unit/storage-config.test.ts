import { expect } from 'chai';
import { buildConfig, ConfigError } from '../../src/config/load.js';
import { leastMaxAllocatedStorage, storageProblems, userStorageProblems } from '../../src/config/storage.js';
import { storageFullRefusal, storageRequestProblem } from '../../src/broker/storage-request.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { settingsDiff, type DesiredSettings } from '../../src/reconcile/settings.js';
import { configDocument } from '../osb/fixtures.js';

const observed = (overrides: Partial<ObservedInstance> = {}): ObservedInstance => ({
  identifier: 'rdsb-a',
  arn: 'arn:aws:rds:eu-west-1:123456789012:db:rdsb-a',
  status: 'available',
  engine: 'postgres',
  engineVersion: '17.4',
  instanceClass: 'db.t4g.micro',
  allocatedStorage: 20,
  storageType: 'gp3',
  iops: 3000,
  storageThroughput: 125,
  multiAz: false,
  vpcSecurityGroupIds: [],
  parameterGroups: [],
  backupRetentionPeriod: 7,
  pendingModifications: [],
  tags: {},
  ...overrides,
});
const desired = (overrides: Partial<DesiredSettings> = {}): DesiredSettings => ({
  instanceClass: 'db.t4g.micro',
  allocatedStorage: 20,
  storageType: 'gp3',
  multiAz: false,
  vpcSecurityGroupIds: [],
  backupRetentionPeriod: 7,
  ...overrides,
});

describe('plan storage: type, IOPS, throughput, autoscaling ceiling', () => {
  describe('storageProblems (pure, RDS rules)', () => {
    const cases: Array<[string, Parameters<typeof storageProblems>[0], string[]]> = [
      ['gp3 at its baseline', { storageType: 'gp3', allocatedStorage: 20 }, []],
      [
        'gp3 from 400 GiB with IOPS and throughput',
        { storageType: 'gp3', allocatedStorage: 400, iops: 16000, storageThroughput: 4000 },
        [],
      ],
      [
        'gp3 from 400 GiB with throughput only (IOPS at the 12000 baseline)',
        { storageType: 'gp3', allocatedStorage: 500, storageThroughput: 3000 },
        [],
      ],
      ['gp3 IOPS below 400 GiB', { storageType: 'gp3', allocatedStorage: 399, iops: 12000 }, ['iops']],
      ['gp3 throughput below 400 GiB', { storageType: 'gp3', allocatedStorage: 100, storageThroughput: 500 }, ['storageThroughput']],
      ['gp3 IOPS under 12000', { storageType: 'gp3', allocatedStorage: 400, iops: 3000 }, ['iops']],
      [
        'gp3 throughput over a quarter per IOPS',
        { storageType: 'gp3', allocatedStorage: 400, iops: 12000, storageThroughput: 3001 },
        ['storageThroughput'],
      ],
      [
        'gp3 throughput over 4000',
        { storageType: 'gp3', allocatedStorage: 400, iops: 64000, storageThroughput: 4001 },
        ['storageThroughput'],
      ],
      ['io1 with IOPS within 1–50 per GiB', { storageType: 'io1', allocatedStorage: 100, iops: 5000 }, []],
      ['io1 without IOPS', { storageType: 'io1', allocatedStorage: 100 }, ['iops']],
      ['io1 above 50 per GiB', { storageType: 'io1', allocatedStorage: 100, iops: 5001 }, ['iops']],
      ['io2 up to 1000 per GiB', { storageType: 'io2', allocatedStorage: 100, iops: 100000 }, []],
      ['io2 under 1000 IOPS', { storageType: 'io2', allocatedStorage: 100, iops: 999 }, ['iops']],
      ['io1 below 100 GiB', { storageType: 'io1', allocatedStorage: 50, iops: 1000 }, ['allocatedStorage']],
      ['throughput on io1', { storageType: 'io1', allocatedStorage: 100, iops: 1000, storageThroughput: 500 }, ['storageThroughput']],
      ['IOPS on gp2', { storageType: 'gp2', allocatedStorage: 100, iops: 1000 }, ['iops']],
      ['IOPS on standard', { storageType: 'standard', allocatedStorage: 100, iops: 1000 }, ['iops']],
      ['standard beyond 3072 GiB', { storageType: 'standard', allocatedStorage: 4000 }, ['allocatedStorage']],
      ['gp2 below 20 GiB', { storageType: 'gp2', allocatedStorage: 10 }, ['allocatedStorage']],
      ['a ceiling 10% above', { storageType: 'gp3', allocatedStorage: 100, maxAllocatedStorage: 110 }, []],
      ['a ceiling less than 10% above', { storageType: 'gp3', allocatedStorage: 100, maxAllocatedStorage: 109 }, ['maxAllocatedStorage']],
      ['a ceiling beyond the type', { storageType: 'standard', allocatedStorage: 100, maxAllocatedStorage: 4000 }, ['maxAllocatedStorage']],
    ];
    for (const [title, settings, fields] of cases) {
      it(`${title}: ${fields.length === 0 ? 'accepted' : `refused at ${fields.join(', ')}`}`, () => {
        expect(storageProblems(settings).map((p) => p.field)).to.deep.equal(fields);
      });
    }
    it('the least ceiling is 10% above the storage, rounded up', () => {
      expect([leastMaxAllocatedStorage(20), leastMaxAllocatedStorage(100), leastMaxAllocatedStorage(101)]).to.deep.equal([22, 110, 112]);
    });
  });

  describe('settingsDiff: storage (pure)', () => {
    it('a plan that sets no IOPS, throughput or ceiling leaves what RDS shows (gp3 baseline, autoscaling) alone', () => {
      expect(settingsDiff(observed({ maxAllocatedStorage: 50 }), desired())).to.deep.equal({});
    });
    it('growing into provisioned gp3: size, IOPS, throughput and ceiling in one change', () => {
      expect(
        settingsDiff(observed(), desired({ allocatedStorage: 400, iops: 12000, storageThroughput: 600, maxAllocatedStorage: 1000 })),
      ).to.deep.equal({ AllocatedStorage: 400, Iops: 12000, StorageThroughput: 600, MaxAllocatedStorage: 1000 });
    });
    it('a new storage type carries its IOPS even when RDS already shows the same number', () => {
      expect(
        settingsDiff(observed({ allocatedStorage: 100 }), desired({ allocatedStorage: 100, storageType: 'io1', iops: 3000 })),
      ).to.deep.equal({ StorageType: 'io1', Iops: 3000 });
    });
    it('an instance already as asked needs nothing; storage grown by autoscaling is never shrunk', () => {
      const asked = desired({ allocatedStorage: 400, iops: 12000, storageThroughput: 600, maxAllocatedStorage: 1000 });
      expect(
        settingsDiff(observed({ allocatedStorage: 480, iops: 12000, storageThroughput: 600, maxAllocatedStorage: 1000 }), asked),
      ).to.deep.equal({});
    });
  });

  describe('configuration refuses an impossible plan, naming the field', () => {
    function problemsOf(rds: Record<string, unknown>): string[] {
      const doc = configDocument();
      Object.assign(doc.catalog.services[0].plans[0].rds, rds);
      try {
        buildConfig(doc, {});
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
    }
    it('accepts a gp3 plan with provisioned IOPS and throughput from 400 GiB', () => {
      expect(
        problemsOf({ storageType: 'gp3', allocatedStorage: 400, iops: 12000, storageThroughput: 1000, maxAllocatedStorage: 800 }),
      ).to.deep.equal([]);
    });
    it('refuses gp3 IOPS on 100 GiB at rds.iops', () => {
      expect(problemsOf({ storageType: 'gp3', allocatedStorage: 100, iops: 12000 }).join('\n')).to.match(/rds\.iops.*400 GiB/);
    });
    it('refuses io1 without IOPS at rds.iops', () => {
      expect(problemsOf({ storageType: 'io1', allocatedStorage: 100 }).join('\n')).to.match(/rds\.iops.*required/);
    });
    it('refuses a ceiling below the storage at rds.maxAllocatedStorage', () => {
      expect(problemsOf({ allocatedStorage: 100, maxAllocatedStorage: 100 }).join('\n')).to.match(/rds\.maxAllocatedStorage.*110 GiB/);
    });
  });

  describe('userStorageProblems (pure): the bounds must hold storage RDS accepts', () => {
    const gp3 = { storageType: 'gp3', allocatedStorage: 100 };
    it('bounds around the default, on plain gp3', () => {
      expect(userStorageProblems(gp3, { allocatedStorage: { min: 20, max: 1000 }, maxAllocatedStorage: { max: 2000 } })).to.deep.equal([]);
    });
    it('bounds that leave out the default', () => {
      expect(userStorageProblems(gp3, { allocatedStorage: { min: 200, max: 1000 } }).map((p) => p.field)).to.deep.equal([
        'userStorage.allocatedStorage',
      ]);
    });
    it('provisioned gp3 IOPS with a minimum under 400 GiB', () => {
      const problems = userStorageProblems(
        { storageType: 'gp3', allocatedStorage: 400, iops: 12000 },
        { allocatedStorage: { min: 100, max: 1000 } },
      );
      expect(problems.map((p) => p.field)).to.deep.equal(['userStorage.allocatedStorage.min']);
      expect(problems[0]!.message).to.match(/with 100 GiB, rds\.iops can be set for gp3 only from 400 GiB/);
    });
    it('io1 IOPS below 1 per GiB at the maximum', () => {
      expect(
        userStorageProblems({ storageType: 'io1', allocatedStorage: 100, iops: 1000 }, { allocatedStorage: { min: 100, max: 2000 } }).map(
          (p) => p.field,
        ),
      ).to.deep.equal(['userStorage.allocatedStorage.max']);
    });
    it('a ceiling bound under 10% above the smallest size, or under the plan ceiling', () => {
      expect(
        userStorageProblems(gp3, { allocatedStorage: { min: 50, max: 200 }, maxAllocatedStorage: { max: 54 } }).map((p) => p.field),
      ).to.deep.equal(['userStorage.maxAllocatedStorage.max']);
      expect(
        userStorageProblems({ ...gp3, maxAllocatedStorage: 300 }, { maxAllocatedStorage: { max: 200 } }).map((p) => p.message),
      ).to.deep.equal(['must include rds.maxAllocatedStorage (300 GiB), the default']);
    });
  });

  describe('storageRequestProblem (pure): refused before anything changes', () => {
    it('nothing asked, nothing to say, whatever the instance', () => {
      expect(storageRequestProblem({}, desired({ maxAllocatedStorage: 21 }), { allocatedStorage: 100 })).to.equal(undefined);
    });
    it("a decrease, in the user's words", () => {
      expect(storageRequestProblem({ allocated_storage: 40 }, desired({ allocatedStorage: 40 }), { allocatedStorage: 60 })).to.equal(
        'allocated_storage 40 is less than the 60 GiB the instance has: RDS cannot shrink storage; ask for 60 GiB or more',
      );
    });
    it('the current size is fine (no change)', () => {
      expect(storageRequestProblem({ allocated_storage: 60 }, desired({ allocatedStorage: 60 }), { allocatedStorage: 60 })).to.equal(
        undefined,
      );
    });
    it('a ceiling the user sends too low for the storage', () => {
      expect(storageRequestProblem({ max_allocated_storage: 65 }, desired({ maxAllocatedStorage: 65 }), { allocatedStorage: 60 })).to.match(
        /max_allocated_storage 65 must be at least 10% above the instance's 60 GiB of storage: 66 GiB or more/,
      );
    });
    it("a size that outgrows the plan ceiling (or the instance's) asks for max_allocated_storage too", () => {
      expect(storageRequestProblem({ allocated_storage: 50 }, desired({ allocatedStorage: 50, maxAllocatedStorage: 30 }))).to.match(
        /ceiling of 30 GiB is too low.*max_allocated_storage of 55 GiB or more/,
      );
      expect(
        storageRequestProblem({ allocated_storage: 100 }, desired({ allocatedStorage: 100 }), {
          allocatedStorage: 50,
          maxAllocatedStorage: 80,
        }),
      ).to.match(/ceiling of 80 GiB/);
    });
  });

  describe('storageFullRefusal (pure): out of storage, only more storage goes', () => {
    const current = { allocatedStorage: 20 };
    it('more storage alone (with a ceiling) is the one update taken', () => {
      expect(storageFullRefusal({ allocated_storage: 40, max_allocated_storage: 60 }, false, current, 200)).to.equal(undefined);
    });
    it('a plan change, other parameters, or no growth are refused saying what to do and within which bound', () => {
      for (const [parameters, planChanges] of [
        [{}, true],
        [{ allocated_storage: 40, backup_retention_period: 3 }, false],
        [{ allocated_storage: 20 }, false],
        [{ allocated_storage: 40 }, true],
      ] as const) {
        expect(storageFullRefusal(parameters, planChanges, current, 200)).to.match(
          /storage-full.*first update it with only allocated_storage above 20 GiB \(this plan allows up to 200 GiB\)/,
        );
      }
    });
    it('a plan that lets no user grow the storage sends the user to an operator', () => {
      expect(storageFullRefusal({}, true, current, undefined)).to.match(/ask an operator to increase its allocated storage above 20 GiB/);
      expect(storageFullRefusal({}, true, { allocatedStorage: 200 }, 200)).to.match(/ask an operator/);
    });
  });
});
