import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { stringify as toYaml } from 'yaml';
import { buildConfig, ConfigError, loadConfigFile } from '../../src/config/load.js';
import { configDocument, credentials, derivationSecret } from '../osb/fixtures.js';

const exampleConfig = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'config.yaml');

/** The problems buildConfig reports for a document, or [] when it is valid. */
function problemsOf(mutate: (doc: Record<string, any>) => void, env: NodeJS.ProcessEnv = {}): string[] {
  const doc = configDocument();
  mutate(doc);
  try {
    buildConfig(doc, env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe('configuration', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'rds-broker-config-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('the example configuration in examples/ is valid', () => {
    const config = loadConfigFile(exampleConfig, {});
    expect(config.catalog.services[0]!.plans.map((p) => p.name)).to.deep.equal(['small', 'medium']);
    expect(config.aws.endpoint).to.equal('http://127.0.0.1:4566');
  });

  it("the example's broker name is the one deploy/iam-policy.json's Broker Name conditions allow", () => {
    const config = loadConfigFile(exampleConfig, {});
    const policy = readFileSync(join(dirname(exampleConfig), '..', 'deploy', 'iam-policy.json'), 'utf8');
    const names = [...policy.matchAll(/"aws:(?:Request|Resource)Tag\/Broker Name": "([^"]+)"/g)].map((m) => m[1]);
    expect(names).to.not.be.empty;
    expect(new Set(names)).to.deep.equal(new Set([config.broker.name]));
  });

  it('fills defaults', () => {
    const config = buildConfig(configDocument(), {});
    const plan = config.catalog.services[0]!.plans[0]!;
    expect(plan.rds.storageType).to.equal('gp3');
    expect(plan.rds.storageEncrypted).to.equal(true);
    expect(config.database.tls.allowPlaintext).to.equal(false);
    expect(config.housekeeping.mode).to.equal('auto');
  });

  describe('invalid files name the field path', () => {
    const cases: Array<[string, (doc: Record<string, any>) => void, RegExp]> = [
      ['a wrong type', (d) => (d.listen.port = '8080'), /^listen\.port: /],
      ['an unknown key, with the nearest known one', (d) => (d.listen.hots = 'x'), /^listen\.hots: unknown key \(did you mean "host"\?\)$/],
      [
        'a misspelt nested key',
        (d) => (d.catalog.services[0].plans[0].rds.multiAZ = true),
        /^catalog\.services\[0\]\.plans\[0\]\.rds\.multiAZ: unknown key \(did you mean "multiAz"\?\)$/,
      ],
      ['a missing required field', (d) => delete d.broker.name, /^broker\.name: required \(expected string\), but it is missing$/],
      ['a wrong type, received named by type', (d) => (d.broker.name = 42), /^broker\.name: expected string, received number$/],
      [
        'an unknown key far from any known one',
        (d) => (d.listen.zzzzzzzz = 1),
        /^listen\.zzzzzzzz: unknown key \(known keys here: .*host.*\)$/,
      ],
      ['a missing section', (d) => delete d.aws, /^aws: /],
      [
        'a bad instance class',
        (d) => (d.catalog.services[0].plans[1].rds.instanceClass = 'large'),
        /^catalog\.services\[0\]\.plans\[1\]\.rds\.instanceClass: must look like db\.t4g\.micro/,
      ],
      [
        'a name that is not CLI-friendly',
        (d) => (d.catalog.services[0].name = 'My Service'),
        /^catalog\.services\[0\]\.name: must be CLI-friendly/,
      ],
      [
        'a duplicate plan id',
        (d) => (d.catalog.services[1].plans[0].id = d.catalog.services[0].plans[0].id),
        /^catalog\.services\[1\]\.plans\[0\]\.id: id .* is already used/,
      ],
      [
        'an unknown updatable_to target',
        (d) => (d.catalog.services[0].plans[0].updatable_to = ['nope']),
        /updatable_to\[0\]: no plan "nope"/,
      ],
      [
        'a default extension that is not allowed',
        (d) => (d.catalog.services[0].plans[0].extensions.default = ['hstore']),
        /extensions\.default\[0\]: hstore is not in extensions\.allowed/,
      ],
      [
        'read replicas on a plan without automated backups',
        (d) => {
          d.catalog.services[0].plans[0].readReplicas = { max: 2 };
          d.catalog.services[0].plans[0].rds.backupRetentionPeriod = 0;
        },
        /^catalog\.services\[0\]\.plans\[0\]\.readReplicas: RDS makes read replicas only of an instance with automated backups; set rds\.backupRetentionPeriod above 0$/,
      ],
      [
        'a default replica count above the maximum',
        (d) => (d.catalog.services[0].plans[0].readReplicas = { default: 3, max: 2 }),
        /readReplicas\.default: 3 is above readReplicas\.max \(2\)/,
      ],
      [
        'more read replicas than RDS allows',
        (d) => (d.catalog.services[0].plans[0].readReplicas = { max: 16 }),
        /^catalog\.services\[0\]\.plans\[0\]\.readReplicas\.max: /,
      ],
      [
        'an unknown parameter name',
        (d) => (d.catalog.services[0].parameters = { provision: ['size'] }),
        /^catalog\.services\[0\]\.parameters\.provision\[0\]: /,
      ],
      [
        'a short derivation secret',
        (d) => (d.broker.derivationSecrets[0].value = 'short'),
        /^broker\.derivationSecrets\[0\]\.value: must be at least 16 characters/,
      ],
      ['three credential pairs', (d) => d.auth.credentials.push({ username: 'c', password: 'd' }), /^auth\.credentials: /],
    ];
    for (const [name, mutate, message] of cases) {
      it(name, () => {
        const problems = problemsOf(mutate);
        expect(
          problems.some((p) => message.test(p)),
          problems.join('\n'),
        ).to.equal(true);
      });
    }

    it('reports every problem at once', () => {
      const problems = problemsOf((d) => {
        d.listen.port = -1;
        d.logging.level = 'loud';
        d.aws.region = 'Europe';
      });
      expect(problems.map((p) => p.split(':')[0])).to.include.members(['listen.port', 'logging.level', 'aws.region']);
    });

    it('never prints a secret value in a problem', () => {
      const problems = problemsOf((d) => {
        d.listen.port = 'x';
        d.broker.derivationSecrets[0].value = 'short-secret-15';
      });
      expect(problems.join('\n')).not.to.contain('short-secret-15');
      expect(problems.join('\n')).not.to.contain(credentials.password);
    });
  });

  describe('secrets', () => {
    it('come from environment variables', () => {
      const doc = configDocument();
      doc.auth.credentials[0].password = { env: 'TEST_BROKER_PASSWORD' };
      doc.broker.derivationSecrets[0].value = { env: 'TEST_DERIVATION' };
      const config = buildConfig(doc, { TEST_BROKER_PASSWORD: 'from-env-pw', TEST_DERIVATION: 'derivation-from-env-0123' });
      expect(config.auth.credentials[0]!.password).to.equal('from-env-pw');
      expect(config.broker.derivationSecrets[0]!.value).to.equal('derivation-from-env-0123');
    });

    it('a missing environment variable is a problem naming the field and the variable', () => {
      const problems = problemsOf((d) => (d.auth.credentials[0].password = { env: 'NOT_SET_ANYWHERE' }));
      expect(problems).to.deep.equal(['auth.credentials[0].password: environment variable NOT_SET_ANYWHERE is not set']);
    });

    it('come from files, without the trailing newline', () => {
      const file = join(dir, 'secret');
      writeFileSync(file, 'file-secret-value-0123456\n');
      const doc = configDocument();
      doc.broker.derivationSecrets[0].value = { file };
      doc.aws.credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: { file } };
      const config = buildConfig(doc, {});
      expect(config.broker.derivationSecrets[0]!.value).to.equal('file-secret-value-0123456');
      expect(config.aws.credentials!.secretAccessKey).to.equal('file-secret-value-0123456');
    });

    it('an unreadable file is a problem naming the field and the file', () => {
      const missing = join(dir, 'absent');
      const problems = problemsOf((d) => (d.broker.derivationSecrets[0].value = { file: missing }));
      expect(problems).to.deep.equal([`broker.derivationSecrets[0].value: cannot read secret file ${missing}: ENOENT`]);
    });

    it('BROKER_USERNAME and BROKER_PASSWORD override the first pair only', () => {
      const config = buildConfig(configDocument(), { BROKER_USERNAME: 'env-user', BROKER_PASSWORD: 'env-pass' });
      expect(config.auth.credentials[0]).to.deep.equal({ username: 'env-user', password: 'env-pass' });
      expect(config.auth.credentials[1]!.username).to.equal('platform-next');
      expect(config.broker.derivationSecrets[0]!.value).to.equal(derivationSecret);
    });
  });

  describe('files', () => {
    it('reads YAML and JSON', () => {
      const yamlFile = join(dir, 'c.yaml');
      const jsonFile = join(dir, 'c.json');
      writeFileSync(yamlFile, toYaml(configDocument()));
      writeFileSync(jsonFile, JSON.stringify(configDocument()));
      expect(loadConfigFile(yamlFile, {}).broker.name).to.equal('test-broker');
      expect(loadConfigFile(jsonFile, {}).broker.name).to.equal('test-broker');
    });

    it('a missing file and a malformed file are ConfigErrors naming the file', () => {
      const missing = join(dir, 'nope.yaml');
      expect(() => loadConfigFile(missing, {}))
        .to.throw(ConfigError)
        .with.property('problems')
        .that.deep.equals([`cannot read ${missing}: ENOENT`]);
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'listen: [unclosed\n');
      expect(() => loadConfigFile(broken, {})).to.throw(ConfigError, /broken\.yaml is not valid YAML or JSON/);
    });

    it('YAML errors carry line, column, the message and the lines it points at', () => {
      const broken = join(dir, 'indent.yaml');
      writeFileSync(broken, 'listen:\n  port: 8080\n host: x\n');
      const problems = (() => {
        try {
          loadConfigFile(broken, {});
          return [];
        } catch (error) {
          return (error as ConfigError).problems;
        }
      })();
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/indent\.yaml is not valid YAML or JSON: line 3, column 1: \S[^\n]*\n[\s\S]*\n\s+host: x\n\s+\^$/);
      expect(problems[0]).not.to.match(/:\s*$/);
    });

    it('JSON errors carry line and column', () => {
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '{\n  "listen": {"port" 8080}\n}\n');
      expect(() => loadConfigFile(broken, {})).to.throw(ConfigError, /broken\.json is not valid JSON: line 2, column 21: \S/);
      const truncated = join(dir, 'truncated.json');
      writeFileSync(truncated, '{\n  "listen": {');
      expect(() => loadConfigFile(truncated, {})).to.throw(ConfigError, /truncated\.json is not valid JSON: line 2, column 14: /);
    });
  });
});
