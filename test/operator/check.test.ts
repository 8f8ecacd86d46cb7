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
import {
  matchAuthority,
  tlsFindings,
  type AuthorityFact,
  type BundleCertificate,
  type ConnectionOutcome,
  type TlsFacts,
} from '../../src/operator/check-tls.js';
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

describe('check: database TLS findings', () => {
  const day = (iso: string) => new Date(`${iso}T00:00:00Z`);
  const rdsCa: AuthorityFact = {
    identifier: 'rds-ca-rsa2048-g1',
    thumbprint: 'a'.repeat(40),
    validFrom: day('2021-05-25'),
    validTill: day('2061-05-25'),
  };
  const same: BundleCertificate = {
    thumbprint: 'a'.repeat(40),
    validFrom: day('2021-05-25'),
    validTill: day('2061-05-25'),
    subject: 'CN=x',
  };
  const other: BundleCertificate = {
    thumbprint: 'b'.repeat(40),
    validFrom: day('2020-01-01'),
    validTill: day('2030-01-01'),
    subject: 'CN=y',
  };
  const base = (overrides: Partial<TlsFacts> = {}): TlsFacts => ({
    certificates: { state: 'found', value: { authorities: [rdsCa], defaultForNewLaunches: 'rds-ca-rsa2048-g1' } },
    trust: { file: '/etc/ca.pem', certificates: [other] },
    ...overrides,
  });

  it('matches a bundle certificate by thumbprint (any case or separators), else by the validity period to the second, else not', () => {
    expect(matchAuthority(rdsCa, [other, same])).to.equal('thumbprint');
    expect(matchAuthority({ ...rdsCa, thumbprint: 'AA:'.repeat(20).slice(0, -1) }, [same])).to.equal('thumbprint');
    expect(matchAuthority({ ...rdsCa, thumbprint: 'c'.repeat(40) }, [same])).to.equal('validity');
    expect(matchAuthority({ ...rdsCa, thumbprint: 'c'.repeat(40) }, [{ ...same, validTill: day('2061-05-26') }])).to.equal(undefined);
    expect(matchAuthority(rdsCa, [other])).to.equal(undefined);
  });

  it('fails naming the bundle, the authority, the plans that use it and the fix; RDS default applies to plans naming none', () => {
    const config = testConfig();
    const findings = tlsFindings(config, base());
    expect(findings).to.have.length(1);
    expect(findings[0]!.ok).to.equal(false);
    expect(findings[0]!.path).to.equal('database.tls.caBundleFile');
    expect(findings[0]!.message)
      .to.contain('/etc/ca.pem holds no certificate of rds-ca-rsa2048-g1')
      .and.contain('plans small, medium, small-16')
      .and.contain('https://truststore.pki.rds.amazonaws.com/eu-west-1/eu-west-1-bundle.pem')
      .and.contain('http://127.0.0.1:9/_emulator/ca.pem');
    const passing = tlsFindings(config, base({ trust: { file: '/etc/ca.pem', certificates: [same] } }));
    expect(passing.map((f) => f.ok)).to.deep.equal([true]);
  });

  it("counts the existing instances' authorities too, and refuses a plan's authority RDS does not list", () => {
    const config = testConfig((d) => {
      d.catalog.services[0].plans[0].rds.caCertificateIdentifier = 'rds-ca-ecc384-g1';
    });
    const findings = tlsFindings(
      config,
      base({ trust: { certificates: [same] }, instanceAuthorities: new Map([['rds-ca-rsa2048-g1', 2]]) }),
    );
    expect(findings.map((f) => [f.path, f.ok])).to.deep.equal([
      ['catalog.services[0].plans[0].rds.caCertificateIdentifier', false],
      ['database.tls.caBundleFile', true],
    ]);
    expect(findings[0]!.message).to.contain('offers no certificate authority rds-ca-ecc384-g1').and.contain('lists rds-ca-rsa2048-g1');
    expect(findings[1]!.message)
      .to.contain("Node.js's built-in authorities (database.tls.caBundleFile is not set) holds rds-ca-rsa2048-g1")
      .and.contain('plans medium, small-16 and 2 existing instances');
  });

  it('reports a refused handshake as a problem with the fix, an unreachable instance as not checked, and nothing with TLS off', () => {
    const config = testConfig();
    const instance = (outcome: ConnectionOutcome) => ({
      state: 'found' as const,
      value: [{ identifier: 'local-1', engine: 'postgres', caCertificateIdentifier: 'rds-ca-rsa2048-g1', endpoint: 'db:5432', outcome }],
    });
    const trusted = { file: '/etc/ca.pem', certificates: [same] };
    const refused = tlsFindings(
      config,
      base({ trust: trusted, instances: instance({ state: 'refused', reason: 'self-signed certificate in certificate chain' }) }),
    );
    expect(refused[1]).to.deep.include({ path: 'database.tls.caBundleFile', ok: false });
    expect(refused[1]!.message)
      .to.contain('a TLS connection to instance local-1 (postgres at db:5432, rds-ca-rsa2048-g1) failed verification with /etc/ca.pem')
      .and.contain('self-signed')
      .and.contain('Fix: point database.tls.caBundleFile at');
    const unreachable = tlsFindings(config, base({ trust: trusted, instances: instance({ state: 'unreachable', reason: 'ETIMEDOUT' }) }));
    expect(unreachable[1]).to.deep.include({ ok: true });
    expect(unreachable[1]!.message).to.contain('not reachable from here (ETIMEDOUT); its certificate was not checked');
    const plaintext = testConfig((d) => {
      d.database = { tls: { allowPlaintext: true } };
    });
    expect(tlsFindings(plaintext, base()).map((f) => [f.path, f.ok])).to.deep.equal([['database.tls.allowPlaintext', true]]);
  });

  it('names each refused action once, with what it left unchecked and the fix, and does not repeat it at the plan paths', () => {
    const config = testConfig((d) => {
      d.catalog.services[0].plans[0].rds.dbParameterGroupName = 'pg-a';
      d.catalog.services[0].plans[1].rds.dbParameterGroupName = 'pg-b';
    });
    const denied = { state: 'error' as const, message: 'AccessDenied: not authorized', denied: 'rds:DescribeDBParameterGroups' };
    const facts: CheckFacts = {
      aws: { ok: true, message: 'RDS answered' },
      files: [],
      engineVersions: new Map([
        ['postgres 17.4', { state: 'found', value: { family: 'postgres17' } }],
        ['postgres 16.4', { state: 'found', value: { family: 'postgres16' } }],
      ]),
      parameterGroups: new Map([
        ['pg-a', denied],
        ['pg-b', denied],
      ]),
      subnetGroups: new Map(),
    };
    const report = checkReport('broker.yaml', allFindings(config, facts, 'broker.yaml'));
    expect(report.problems).to.have.length(1);
    expect(report.problems[0]!.path).to.equal('aws.credentials');
    expect(report.problems[0]!.message)
      .to.contain('RDS refused rds:DescribeDBParameterGroups')
      .and.contain('parameter groups pg-a, pg-b could not be checked')
      .and.contain('`npx rds-broker iam-policy --config broker.yaml`');
  });
});
