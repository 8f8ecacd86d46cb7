import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { buildConfig, loadConfigFile } from '../../src/config/load.js';
import { iamPolicy } from '../../src/operator/iam-policy.js';

/**
 * Least privilege, both ways: the IAM policy `rds-broker iam-policy` generates for the example
 * configuration (and deploy/iam-policy.json, which test/operator/iam-policy.test.ts keeps equal to
 * it) allows exactly the RDS actions whose SDK commands the AWS gateway (src/aws/, the only module
 * that talks to RDS) sends. A command the policy lacks fails in production; an action the code never
 * calls is a permission an attacker holding the broker's role gets for free. For any other
 * configuration the policy may leave out what that configuration never needs, never add.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

function commandsSentBy(dir: string): Set<string> {
  const sources = readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => readFileSync(join(root, dir, f), 'utf8'))
    .join('\n');
  // `new XCommand(` is a call; a type-only mention (XCommandInput) is not.
  return new Set([...sources.matchAll(/\bnew ([A-Z][A-Za-z]+)Command\(/g)].map((m) => `rds:${m[1]}`));
}

describe('reliability: the IAM policy allows exactly what the code calls', () => {
  const policy = iamPolicy(loadConfigFile(join(root, 'examples', 'config.yaml'), {}));
  const allowed = new Set(policy.Statement.flatMap((s) => s.Action));
  const sent = commandsSentBy('src/aws');

  it('finds the gateway’s commands (the scan works)', () => {
    expect(sent.has('rds:DescribeDBInstances')).to.equal(true);
    expect(sent.size).to.be.greaterThan(10);
  });

  it('every command the gateway sends is allowed', () => {
    expect([...sent].filter((a) => !allowed.has(a)).sort()).to.deep.equal([]);
  });

  it('every allowed action is one the gateway sends', () => {
    expect([...allowed].filter((a) => !sent.has(a)).sort()).to.deep.equal([]);
  });

  it('a configuration with every option (KMS keys, monitoring, named groups) adds no RDS action, only the KMS and IAM ones RDS needs', () => {
    const everything = iamPolicy(
      buildConfig(
        (() => {
          const document = parseYaml(readFileSync(join(root, 'examples', 'config.yaml'), 'utf8'));
          Object.assign(document.catalog.services[0].plans[0].rds, {
            kmsKeyId: 'alias/rds-storage',
            performanceInsightsEnabled: true,
            performanceInsightsKmsKeyId: 'arn:aws:kms:eu-west-1:123456789012:key/0c2d8d1e-7c55-4bd5-9a53-0f4f1f6a0b11',
            monitoringInterval: 60,
            monitoringRoleArn: 'arn:aws:iam::123456789012:role/rds-monitoring',
            dbParameterGroupName: 'pg17-tuned',
            dbSubnetGroupName: 'private',
          });
          return document;
        })(),
        {},
      ),
    );
    const granted = new Set(everything.Statement.flatMap((s) => s.Action));
    expect([...granted].filter((a) => a.startsWith('rds:') && !sent.has(a)).sort()).to.deep.equal([]);
    expect([...granted].filter((a) => !a.startsWith('rds:')).sort()).to.deep.equal(['iam:PassRole', 'kms:CreateGrant', 'kms:DescribeKey']);
  });

  it('nothing outside the gateway sends RDS commands (so src/aws is the whole set)', () => {
    const elsewhere = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !['aws', 'emulator', 'local'].includes(d.name))
      .flatMap((d) => [...commandsSentBy(join('src', d.name))].map((c) => `${d.name}: ${c}`));
    expect(elsewhere).to.deep.equal([]);
  });
});
