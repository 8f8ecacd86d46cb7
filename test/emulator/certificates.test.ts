import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DescribeCertificatesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { RdsGateway } from '../../src/aws/gateway.js';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { CliSession, cliTime, findAwsCli } from './aws-cli-support.js';
import { admin, rdsClient, rejection, startModelEmulator } from './helpers.js';

/**
 * DescribeCertificates: the emulator reports its own authority, the one that signs every database,
 * under each identifier CACertificateIdentifier accepts. What it reports is compared with what the
 * openssl command reads from the authority's certificate, not with the emulator's own computation.
 */
const run = promisify(execFile);

interface OpensslFacts {
  thumbprint: string;
  notBefore: number;
  notAfter: number;
}

async function opensslFacts(file: string): Promise<OpensslFacts> {
  const { stdout } = await run('openssl', ['x509', '-in', file, '-noout', '-fingerprint', '-sha1', '-startdate', '-enddate']);
  const field = (name: string) => {
    const match = new RegExp(`^${name}=(.*)$`, 'mi').exec(stdout);
    if (!match) throw new Error(`openssl printed no ${name}: ${stdout}`);
    return match[1]!.trim();
  };
  return {
    thumbprint: field('SHA1 Fingerprint').replace(/:/g, '').toLowerCase(),
    notBefore: Date.parse(field('notBefore')),
    notAfter: Date.parse(field('notAfter')),
  };
}

const IDENTIFIERS = ['rds-ca-2019', 'rds-ca-ecc384-g1', 'rds-ca-rsa2048-g1', 'rds-ca-rsa4096-g1'];

describe('emulator: DescribeCertificates reports the authority that signs the databases', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  let expected: OpensslFacts;

  before(async () => {
    emulator = await startModelEmulator({ region: 'eu-west-1' });
    rds = rdsClient(emulator);
    expected = await opensslFacts(emulator.caFile);
  });
  after(async () => {
    rds?.destroy();
    await emulator?.stop();
  });

  it('through the SDK: every identifier, type CA, the thumbprint and validity of the served ca.pem, and the default for new launches', async () => {
    const served = await admin(emulator, 'GET', 'ca.pem');
    expect(served.status).to.equal(200);
    expect(served.text).to.contain('-----BEGIN CERTIFICATE-----');

    const answer = await rds.send(new DescribeCertificatesCommand({}));
    expect(answer.DefaultCertificateForNewLaunches).to.equal('rds-ca-rsa2048-g1');
    const certificates = answer.Certificates ?? [];
    expect(certificates.map((c) => c.CertificateIdentifier).sort()).to.deep.equal(IDENTIFIERS);
    for (const c of certificates) {
      expect(c.CertificateType).to.equal('CA');
      expect(c.Thumbprint).to.equal(expected.thumbprint);
      expect(c.ValidFrom?.getTime()).to.equal(expected.notBefore);
      expect(c.ValidTill?.getTime()).to.equal(expected.notAfter);
      expect(c.CertificateArn).to.equal(`arn:aws:rds:eu-west-1:123456789012:cert:${c.CertificateIdentifier}`);
      expect(c.CustomerOverride).to.equal(false);
      expect(c.CustomerOverrideValidTill).to.equal(undefined);
    }
    expect(answer.Marker).to.equal(undefined);
  });

  it('through the SDK: one identifier, case-insensitively; CertificateNotFound for another; MaxRecords bounded as on RDS', async () => {
    const one = await rds.send(new DescribeCertificatesCommand({ CertificateIdentifier: 'RDS-CA-ECC384-G1' }));
    expect(one.Certificates?.map((c) => c.CertificateIdentifier)).to.deep.equal(['rds-ca-ecc384-g1']);

    const missing = await rejection(rds.send(new DescribeCertificatesCommand({ CertificateIdentifier: 'rds-ca-2015' })));
    expect(missing.name).to.equal('CertificateNotFoundFault');
    expect(missing.$metadata.httpStatusCode).to.equal(404);
    expect(missing.message).to.contain('rds-ca-2015');

    const tooFew = await rejection(rds.send(new DescribeCertificatesCommand({ MaxRecords: 5 })));
    expect(tooFew.name).to.equal('InvalidParameterValue');
  });

  it("through the broker's gateway: the authorities and the default", async () => {
    const gateway = new RdsGateway({
      region: emulator.region,
      endpoint: emulator.url,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' },
      retry: { maxAttempts: 1, budgetMs: 5000, baseDelayMs: 10, maxDelayMs: 10 },
      coalesce: { enabled: false, windowMs: 0, maxIdentifiers: 100 },
    });
    try {
      const { certificates, defaultForNewLaunches } = await gateway.describeCertificates();
      expect(defaultForNewLaunches).to.equal('rds-ca-rsa2048-g1');
      expect(certificates.map((c) => c.CertificateIdentifier).sort()).to.deep.equal(IDENTIFIERS);
      expect(certificates.every((c) => c.Thumbprint === expected.thumbprint)).to.equal(true);
    } finally {
      gateway.close();
    }
  });

  it('through the AWS CLI: describe-certificates prints the same authority', async function () {
    const cli = await findAwsCli();
    if ('missing' in cli) {
      console.log(`      skipped: ${cli.missing}`);
      this.skip();
    }
    const aws = await CliSession.open(cli, emulator.url, emulator.region);
    try {
      const out = await aws.json(['describe-certificates']);
      // Models older than 2023 (Debian's CLI 2.9) do not know DefaultCertificateForNewLaunches and drop it.
      if ('DefaultCertificateForNewLaunches' in out) expect(out.DefaultCertificateForNewLaunches).to.equal('rds-ca-rsa2048-g1');
      expect((out.Certificates as any[]).map((c) => c.CertificateIdentifier).sort()).to.deep.equal(IDENTIFIERS);
      for (const c of out.Certificates as any[]) {
        expect(c.CertificateType).to.equal('CA');
        expect(c.Thumbprint).to.equal(expected.thumbprint);
        expect(cliTime(c.ValidFrom)).to.equal(expected.notBefore);
        expect(cliTime(c.ValidTill)).to.equal(expected.notAfter);
        expect(c.CustomerOverride).to.equal(false);
      }
      const one = await aws.json(['describe-certificates', '--certificate-identifier', 'rds-ca-rsa4096-g1']);
      expect((one.Certificates as any[]).map((c) => c.CertificateIdentifier)).to.deep.equal(['rds-ca-rsa4096-g1']);
      const refused = await aws.serviceError(['describe-certificates', '--certificate-identifier', 'rds-ca-2015']);
      expect(refused.code).to.equal('CertificateNotFound');
      expect(refused.operation).to.equal('DescribeCertificates');
      expect(refused.exit).to.equal(cli.serviceErrorExit);
    } finally {
      await aws.close();
    }
  });
});
