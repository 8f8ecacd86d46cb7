import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CheckReport } from '../../src/operator/check.js';
import { provisionAndWait } from '../support/osb-flows.js';
import { startStack, type Stack } from '../support/stack.js';
import { configDir, configDocument, runCli } from './cli-support.js';

/**
 * `rds-broker check`, run as a process against the emulator with a provisioned instance (a real
 * PostgreSQL with TLS behind it): what provisioning would hit is caught before serving — a CA
 * bundle that cannot verify the databases, an authority RDS does not offer, an action the broker's
 * identity may not call.
 */
const run = promisify(execFile);

describe('check against the emulator: database TLS and permissions', function () {
  this.timeout(300_000);
  let stack: Stack;
  let files: ReturnType<typeof configDir>;
  let otherCa = '';

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
    files = configDir();
    // An authority of its own, made by openssl: valid PEM, but not the one that signs the databases.
    otherCa = join(files.dir, 'other-ca.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(files.dir, 'other-ca.key'),
      '-out',
      otherCa,
      '-days',
      '30',
      '-subj',
      '/CN=Some other root CA',
    ]);
    expect((await provisionAndWait(stack, randomUUID())).state).to.equal('succeeded');
  });
  after(async () => {
    await stack?.stop();
    files?.remove();
  });

  const variant = (name: string, change: (document: Record<string, any>) => void) => {
    const document = configDocument(stack.config);
    change(document);
    return files.write(name, document);
  };
  async function check(file: string): Promise<{ code: number; report: CheckReport; stderr: string }> {
    const result = await runCli(['check', '--config', file, '--output', 'json']);
    return { code: result.code, report: JSON.parse(result.stdout) as CheckReport, stderr: result.stderr };
  }
  const bundleChecks = (report: CheckReport) => report.checks.filter((c) => c.path === 'database.tls.caBundleFile');

  it("passes with the emulator's CA: the authority RDS reports is in the bundle, and a handshake with the instance verifies", async () => {
    const file = variant('good.yaml', () => undefined);
    const { code, report, stderr } = await check(file);
    expect(report.problems, stderr).to.deep.equal([]);
    expect(code).to.equal(0);
    const messages = bundleChecks(report).map((c) => c.message);
    expect(messages.some((m) => m.includes(`${stack.emulator.caFile} holds rds-ca-rsa2048-g1`) && m.includes('plans'))).to.equal(
      true,
      messages.join('\n'),
    );
    expect(
      messages.some((m) =>
        /a TLS connection to instance local-[0-9a-f-]+ \(postgres at 127\.0\.0\.1:\d+, rds-ca-rsa2048-g1\) verified/.test(m),
      ),
    ).to.equal(true, messages.join('\n'));
  });

  it('fails naming the CA bundle and the fix when the bundle holds another authority', async () => {
    const file = variant('other-ca.yaml', (d) => {
      d.database.tls.caBundleFile = otherCa;
    });
    const { code, report } = await check(file);
    expect(code).to.equal(1);
    expect(report.problems.map((p) => p.path)).to.deep.equal(['database.tls.caBundleFile', 'database.tls.caBundleFile']);
    const [missing, handshake] = report.problems.map((p) => p.message);
    expect(missing).to.contain(`${otherCa} holds no certificate of rds-ca-rsa2048-g1`);
    expect(handshake).to.match(new RegExp(`a TLS connection to instance local-.* failed verification with ${otherCa}`));
    for (const message of [missing, handshake]) {
      expect(message).to.contain('point database.tls.caBundleFile at').and.contain(`${stack.emulator.url}/_emulator/ca.pem`);
    }
  });

  it("fails naming Node.js's own authorities when no CA bundle is configured", async () => {
    const file = variant('no-ca.yaml', (d) => {
      delete d.database.tls.caBundleFile;
    });
    const { code, report } = await check(file);
    expect(code).to.equal(1);
    expect(report.problems.map((p) => p.path)).to.deep.equal(['database.tls.caBundleFile', 'database.tls.caBundleFile']);
    expect(report.problems[0]!.message).to.contain(
      "Node.js's built-in authorities (database.tls.caBundleFile is not set) holds no certificate",
    );
    expect(report.problems[1]!.message).to.contain('failed verification');
  });

  it('fails when RDS refuses a describe action to the identity, naming the action and the fix', async () => {
    const policies = [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'rds:*', Resource: '*' }] },
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: ['rds:DescribeCertificates', 'rds:DescribeDBParameterGroups', 'rds:DescribeDBInstances'],
            Resource: '*',
          },
        ],
      },
    ];
    const setIam = async (body: unknown) => {
      const response = await fetch(`${stack.emulator.url}/_emulator/iam`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.text()).to.equal(200);
    };
    const file = variant('denied.yaml', (d) => {
      d.catalog.services[0].plans[1].rds.dbParameterGroupName = 'default.postgres17';
    });
    await setIam({ policies });
    try {
      const { code, report } = await check(file);
      expect(code).to.equal(1);
      expect(report.problems.map((p) => p.path)).to.deep.equal(['aws.credentials', 'aws.credentials', 'aws.credentials']);
      // Refused, yet RDS answered: the credentials themselves are valid.
      expect(report.checks.find((c) => c.path === 'aws')?.ok).to.equal(true);
      const byAction = (action: string) => report.problems.find((p) => p.message.includes(action))?.message ?? '';
      expect(byAction('rds:DescribeDBParameterGroups')).to.match(/parameter groups [^;]*default\.postgres17/);
      expect(byAction('rds:DescribeDBInstances')).to.contain("the broker's instances could not be checked");
      expect(byAction('rds:DescribeCertificates')).to.contain('the certificate authorities could not be checked');
      for (const problem of report.problems) {
        expect(problem.message).to.contain('AccessDenied').and.contain(`npx rds-broker iam-policy --config ${file}`);
      }
      // What the identity may call was still checked.
      expect(report.checks.find((c) => c.path === 'catalog.services[0].plans[0].rds.engineVersion')?.ok).to.equal(true);
    } finally {
      await setIam({ policies: null });
    }
  });
});
