import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify as toYaml } from 'yaml';
import { request, runCli, startBrokerProcess, cleanEnv, OsbClient } from '../support/http.js';
import { configDocument, credentials } from './fixtures.js';

describe('rds-broker CLI (real processes)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'rds-broker-cli-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (name: string, mutate: (doc: Record<string, any>) => void = () => {}) => {
    const doc = configDocument();
    mutate(doc);
    const file = join(dir, name);
    writeFileSync(file, toYaml(doc));
    return file;
  };

  it('--help lists the commands and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).to.equal(0);
    expect(stdout)
      .to.match(/Usage: rds-broker <command>/)
      .and.match(/\n {2}serve {2,}/);
  });

  it('an unknown command exits 2 with the usage on stderr', async () => {
    const { code, stderr } = await runCli(['frobnicate']);
    expect(code).to.equal(2);
    expect(stderr).to.contain('unknown command "frobnicate"');
  });

  it('serve --help prints the command usage and exits 0', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).to.equal(0);
    expect(stdout).to.contain('Usage: rds-broker serve --config FILE [--port N]');
  });

  it('serve without --config, with an unknown option or a bad port exits 2', async () => {
    for (const args of [['serve'], ['serve', '--config', 'x.yaml', '--verbose'], ['serve', '--config', 'x.yaml', '--port', 'http']]) {
      const { code, stderr } = await runCli(args);
      expect(code, args.join(' ')).to.equal(2);
      expect(stderr).to.match(/^rds-broker serve: /);
    }
  });

  it('an invalid configuration exits 2, printing every problem with its field path and no secret', async () => {
    const file = writeConfig('bad.yaml', (doc) => {
      doc.listen.port = 'eighty';
      doc.listen.hots = '0.0.0.0';
      doc.catalog.services[0].plans[0].rds.allocatedStorage = 'lots';
    });
    const { code, stdout, stderr } = await runCli(['serve', '--config', file]);
    expect(code).to.equal(2);
    expect(stdout).to.equal('');
    expect(stderr).to.contain(`invalid configuration in ${file}`);
    expect(stderr).to.match(/ {2}- listen\.port: /);
    expect(stderr).to.contain('  - listen.hots: unknown key');
    expect(stderr).to.match(/ {2}- catalog\.services\[0\]\.plans\[0\]\.rds\.allocatedStorage: /);
    expect(stderr).not.to.contain(credentials.password);
    expect(stderr).not.to.match(/\n\s+at /); // no stack trace
  });

  it('a missing configuration file exits 2 naming it', async () => {
    const missing = join(dir, 'absent.yaml');
    const { code, stderr } = await runCli(['serve', '--config', missing]);
    expect(code).to.equal(2);
    expect(stderr).to.contain(`cannot read ${missing}: ENOENT`);
  });

  it('a secret from an unset environment variable exits 2 naming the variable', async () => {
    const file = writeConfig('env.yaml', (doc) => (doc.auth.credentials[0].password = { env: 'RDS_BROKER_TEST_UNSET_PW' }));
    const { code, stderr } = await runCli(['serve', '--config', file], cleanEnv({ RDS_BROKER_TEST_UNSET_PW: undefined }));
    expect(code).to.equal(2);
    expect(stderr).to.contain('auth.credentials[0].password: environment variable RDS_BROKER_TEST_UNSET_PW is not set');
  });

  it('serves with --port overriding the file, honours BROKER_PASSWORD, and exits 0 on SIGTERM', async () => {
    const file = writeConfig('good.yaml', (doc) => (doc.listen.port = 1)); // port 1 would fail: --port must win
    const broker = await startBrokerProcess(
      ['serve', '--config', file, '--port', '0'],
      cleanEnv({ BROKER_PASSWORD: 'from-the-environment' }),
    );
    try {
      expect(broker.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await request(`${broker.url}/healthz`)).status).to.equal(200);
      const client = new OsbClient(broker.url, { username: credentials.username, password: 'from-the-environment' });
      expect((await client.get('/v2/catalog')).status).to.equal(200);
    } finally {
      const code = await broker.stop('SIGTERM');
      expect(code).to.equal(0);
    }
    const lines = broker
      .stdout()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).to.include('stopped');
    expect(broker.stdout()).not.to.contain('from-the-environment');
  });

  it('exits 0 on SIGINT too', async () => {
    const file = writeConfig('good2.yaml');
    const broker = await startBrokerProcess(['serve', '--config', file, '--port', '0']);
    expect(await broker.stop('SIGINT')).to.equal(0);
  });
});
