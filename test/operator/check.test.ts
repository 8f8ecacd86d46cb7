import { expect } from 'chai';
import {
  allFindings,
  budgetFinding,
  checkReport,
  invalidConfigReport,
  lookupsNeeded,
  renderCheck,
  splitProblem,
  type CheckFacts,
  type Lookup,
  type EngineVersionFact,
} from '../../src/operator/check.js';
import { testConfig } from './fixtures.js';

describe('check: findings that name their configuration paths', () => {
  const config = testConfig((document) => {
    const plans = document.catalog.services[0].plans;
    plans[1].rds.engineVersion = '17.99';
    plans[1].rds.dbSubnetGroupName = 'no-such-subnets';
    plans[0].rds.dbSubnetGroupName = 'default';
    plans[2].rds.dbParameterGroupName = 'pg17-group';
  });

  const facts = (overrides: Partial<CheckFacts> = {}): CheckFacts => ({
    aws: { ok: true, message: 'RDS answered' },
    files: [],
    engineVersions: new Map<string, Lookup<EngineVersionFact>>([
      ['postgres 17.4', { state: 'found', value: { family: 'postgres17' } }],
      ['postgres 17.99', { state: 'missing' }],
      ['postgres 16.4', { state: 'found', value: { family: 'postgres16' } }],
    ]),
    parameterGroups: new Map([['pg17-group', { state: 'found', value: { family: 'postgres17' } }]]),
    subnetGroups: new Map([
      ['default', { state: 'found', value: { subnets: 3, vpcId: 'vpc-1', status: 'Complete' } }],
      ['no-such-subnets', { state: 'missing' }],
    ]),
    ...overrides,
  });

  it('asks RDS once per distinct engine version and group', () => {
    expect(lookupsNeeded(config)).to.deep.equal({
      engineVersions: [
        { engine: 'postgres', version: '17.4' },
        { engine: 'postgres', version: '17.99' },
        { engine: 'postgres', version: '16.4' },
      ],
      parameterGroups: ['pg17-group'],
      subnetGroups: ['default', 'no-such-subnets'],
    });
  });

  it('reports a wrong engine version, a missing subnet group and a parameter group of another family at their paths', () => {
    const report = checkReport('broker.yaml', allFindings(config, facts()));
    expect(report.ok).to.equal(false);
    expect(report.problems.map((p) => p.path)).to.deep.equal([
      'catalog.services[0].plans[1].rds.engineVersion',
      'catalog.services[0].plans[1].rds.dbSubnetGroupName',
      'catalog.services[0].plans[2].rds.dbParameterGroupName',
    ]);
    expect(report.problems[0]!.message).to.contain('postgres 17.99').and.contain('eu-west-1');
    expect(report.problems[2]!.message).to.contain('postgres17').and.contain('postgres16');
    const okPaths = report.checks.filter((c) => c.ok).map((c) => c.path);
    expect(okPaths).to.include.members([
      'aws',
      'catalog.services[0].plans[0].rds.engineVersion',
      'catalog.services[0].plans[0].rds.dbSubnetGroupName',
    ]);
    const text = renderCheck(report);
    expect(text).to.contain('FAIL  catalog.services[0].plans[1].rds.engineVersion:').and.contain('3 problems found.');
  });

  it('passes when everything exists', () => {
    const good = testConfig();
    const report = checkReport('broker.yaml', allFindings(good, facts()));
    expect(report.problems).to.deep.equal([]);
    expect(report.ok).to.equal(true);
    expect(renderCheck(report)).to.contain('All checks passed.');
  });

  it("prints the configured request budget against RDS's documented default, and says when it is above it", () => {
    const good = testConfig();
    const text = renderCheck(checkReport('broker.yaml', allFindings(good, facts())));
    expect(text).to.contain(`ok    aws.budget: burst ${good.aws.budget.burst}, ${good.aws.budget.ratePerSecond}/s per replica`);
    expect(text).to.contain("RDS's default per account and region: burst 300, 12/s");
    expect(budgetFinding({ ...good.aws.budget, burst: 500 }).message).to.contain('above the default');
    expect(budgetFinding(good.aws.budget).message).not.to.contain('above the default');
    expect(budgetFinding({ ...good.aws.budget, enabled: false }).message).to.match(/^off: RDS calls are not paced/);
  });

  it('checks no plan when RDS cannot be reached, and names what to fix', () => {
    const report = checkReport(
      'broker.yaml',
      allFindings(config, facts({ aws: { ok: false, path: 'aws.endpoint', message: 'cannot reach RDS' } })),
    );
    expect(report.problems).to.deep.equal([{ path: 'aws.endpoint', message: 'cannot reach RDS' }]);
  });

  it('counts a look-up that failed as a problem, never as a pass', () => {
    const report = checkReport(
      'broker.yaml',
      allFindings(
        config,
        facts({
          subnetGroups: new Map([
            ['default', { state: 'error', message: 'Throttling' }],
            ['no-such-subnets', { state: 'missing' }],
          ]),
        }),
      ),
    );
    expect(report.problems.find((p) => p.path === 'catalog.services[0].plans[0].rds.dbSubnetGroupName')?.message)
      .to.contain('cannot tell')
      .and.contain('Throttling');
  });

  it('keeps file findings and reports an invalid file with the paths of its problems', () => {
    const report = checkReport(
      'b.yaml',
      allFindings(config, facts({ files: [{ path: 'database.tls.caBundleFile', ok: false, message: 'cannot read x: ENOENT' }] })),
    );
    expect(report.problems[0]).to.deep.equal({ path: 'database.tls.caBundleFile', message: 'cannot read x: ENOENT' });
    const invalid = invalidConfigReport('b.yaml', [
      'catalog.services[0].plans[1].rds.instanceClass: must look like db.t4g.micro',
      'cannot read b.yaml: ENOENT',
      '(root): bad',
    ]);
    expect(invalid.valid).to.equal(false);
    expect(invalid.problems).to.deep.equal([
      { path: 'catalog.services[0].plans[1].rds.instanceClass', message: 'must look like db.t4g.micro' },
      { path: null, message: 'cannot read b.yaml: ENOENT' },
      { path: '(root)', message: 'bad' },
    ]);
    expect(splitProblem('broker.derivationSecrets[0].value: must be at least 16 characters')).to.deep.equal({
      path: 'broker.derivationSecrets[0].value',
      message: 'must be at least 16 characters',
    });
  });
});
