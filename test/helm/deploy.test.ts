import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { buildConfig } from '../../src/config/load.js';

const execFileAsync = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

interface Statement {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

describe('deploy/: IAM policy and Cloud Foundry manifest', () => {
  describe('iam-policy.json', () => {
    const policy = JSON.parse(read('deploy/iam-policy.json')) as { Version: string; Statement: Statement[] };
    const actions = new Set(policy.Statement.flatMap((s) => s.Action));
    const readOnly = (action: string) => /^rds:(Describe|List)/.test(action);
    const chartValues = parseYaml(read('helm/rds-broker/values.yaml'));

    it('grants the RDS actions the broker calls, and nothing outside RDS', () => {
      expect(policy.Version).to.equal('2012-10-17');
      expect(policy.Statement.every((s) => s.Effect === 'Allow')).to.equal(true);
      expect([...actions].sort()).to.deep.equal(
        [
          'AddTagsToResource',
          'CreateDBInstance',
          'CreateDBInstanceReadReplica',
          'CreateDBParameterGroup',
          'CreateDBSnapshot',
          'DeleteDBInstance',
          'DeleteDBSnapshot',
          'DescribeCertificates',
          'DescribeDBEngineVersions',
          'DescribeDBInstanceAutomatedBackups',
          'DescribeDBInstances',
          'DescribeDBParameterGroups',
          'DescribeDBSnapshots',
          'DescribeDBSubnetGroups',
          'DescribeEvents',
          'DescribeOrderableDBInstanceOptions',
          'ModifyDBInstance',
          'ModifyDBParameterGroup',
          'RebootDBInstance',
          'RemoveTagsFromResource',
          'RestoreDBInstanceFromDBSnapshot',
          'RestoreDBInstanceToPointInTime',
        ].map((a) => `rds:${a}`),
      );
    });

    it('covers every RDS command the AWS gateway sends', () => {
      const sources = readdirSync(join(root, 'src', 'aws'))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => read(join('src', 'aws', f)))
        .join('\n');
      const commands = new Set([...sources.matchAll(/\b([A-Z][A-Za-z]+)Command\b/g)].map((m) => `rds:${m[1]}`));
      expect(commands.size, 'commands found in src/aws').to.be.greaterThan(0);
      expect(
        [...commands].filter((c) => !actions.has(c)),
        'commands the policy does not allow',
      ).to.deep.equal([]);
    });

    it('allows on every resource only what reads; every change to an instance needs the broker’s tag', () => {
      for (const statement of policy.Statement) {
        const resources = [statement.Resource].flat();
        if (resources.includes('*'))
          expect(
            statement.Action.filter((a) => !readOnly(a)),
            `${statement.Sid} on *`,
          ).to.deep.equal([]);
        const touchesInstances = resources.some((r) => /:db:/.test(r));
        const mutates = statement.Action.some((a) => !readOnly(a));
        if (touchesInstances && mutates) {
          const tagConditions = Object.values(statement.Condition ?? {}).flatMap((c) => Object.entries(c));
          expect(tagConditions, `${statement.Sid}: a Broker Name tag condition`).to.deep.equal([
            [tagConditions[0]?.[0] ?? 'missing', chartValues.config.broker.name],
          ]);
          expect(tagConditions[0]![0]).to.match(/^aws:(Request|Resource)Tag\/Broker Name$/);
        }
      }
    });

    it('names instances with the chart’s default identifier prefix, in its region', () => {
      const instanceArns = policy.Statement.flatMap((s) => [s.Resource].flat()).filter((r) => /:db:/.test(r));
      expect(instanceArns.length).to.be.greaterThan(0);
      for (const arn of instanceArns)
        expect(arn).to.equal(`arn:aws:rds:${chartValues.config.aws.region}:*:db:${chartValues.config.broker.identifierPrefix}-*`);
    });
  });

  describe('cloudfoundry/', () => {
    const manifest = parseYaml(read('deploy/cloudfoundry/manifest.yml'));
    const app = manifest.applications[0];
    const configText = read('deploy/cloudfoundry/config.yaml');

    it('pushes two instances with an HTTP health check on /readyz, started with `serve` on $PORT', () => {
      expect(manifest.applications).to.have.length(1);
      expect(app.instances).to.be.at.least(2);
      expect(app['health-check-type']).to.equal('http');
      expect(app['health-check-http-endpoint']).to.equal('/readyz');
      // Node flags may stand before the script (the image's memory flags are repeated here).
      expect(app.command).to.match(
        /node (?:--[a-z-]+(?:=\S+)? )*bin\/rds-broker\.js serve --config deploy\/cloudfoundry\/config\.yaml --port "\$PORT"/,
      );
      expect(app.command).to.match(/RDS_BROKER_HOUSEKEEPING_MODE="\$\(\[ "\$CF_INSTANCE_INDEX" = 0 \] && echo always \|\| echo never\)"/);
    });

    it('its configuration is one the broker accepts, once the start command has set every variable it names', () => {
      const document = parseYaml(configText);
      const referenced = [...configText.matchAll(/\{ env: ([A-Z0-9_]+) \}/g)].map((m) => m[1]!);
      expect(referenced).to.have.members(['BROKER_PASSWORD', 'RDS_BROKER_SECRET_S1']);
      for (const name of referenced) expect(app.command, `the start command exports ${name}`).to.include(`export ${name}=`);
      const config = buildConfig(document, {
        BROKER_PASSWORD: 'cf-broker-password-123',
        RDS_BROKER_SECRET_S1: 'cf-derivation-secret-0123456789',
      });
      expect(config.housekeeping.mode).to.equal('never');
      expect(config.listen.host).to.equal('0.0.0.0');
    });

    it('vcap-secret.mjs prints a bound credential, and names (never prints) what is missing', async () => {
      const script = join(root, 'deploy', 'cloudfoundry', 'vcap-secret.mjs');
      const vcap = JSON.stringify({
        'user-provided': [{ name: 'rds-broker-secrets', credentials: { broker_password: 's3cret-value-for-test' } }],
      });
      const found = await execFileAsync(process.execPath, [script, 'rds-broker-secrets', 'broker_password'], {
        env: { VCAP_SERVICES: vcap },
      });
      expect(found.stdout).to.equal('s3cret-value-for-test');
      const missing = await execFileAsync(process.execPath, [script, 'rds-broker-secrets', 'derivation_secret_s1'], {
        env: { VCAP_SERVICES: vcap },
      }).then(
        () => undefined,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(missing?.code).to.equal(1);
      expect(missing?.stdout).to.equal('');
      expect(missing?.stderr).to.equal('no credential derivation_secret_s1 in a bound service named rds-broker-secrets\n');
      expect(missing?.stderr).to.not.include('s3cret');
    });
  });
});
