import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Least privilege, both ways: the IAM policy in deploy/ allows exactly the RDS actions whose SDK
 * commands the AWS gateway (src/aws/, the only module that talks to RDS) sends. A command the policy
 * lacks fails in production; an action the code never calls is a permission an attacker holding the
 * broker's role gets for free. test/helm/deploy.test.ts checks the first direction and the policy's
 * conditions; this checks that the two sets are equal.
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
  const policy = JSON.parse(readFileSync(join(root, 'deploy', 'iam-policy.json'), 'utf8')) as { Statement: Array<{ Action: string[] }> };
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

  it('nothing outside the gateway sends RDS commands (so src/aws is the whole set)', () => {
    const elsewhere = readdirSync(join(root, 'src'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !['aws', 'emulator', 'local'].includes(d.name))
      .flatMap((d) => [...commandsSentBy(join('src', d.name))].map((c) => `${d.name}: ${c}`));
    expect(elsewhere).to.deep.equal([]);
  });
});
