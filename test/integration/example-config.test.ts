import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { connectUri } from '../support/osb-flows.js';
import { cleanEnv, OsbClient, startBrokerProcess, type BrokerProcess } from '../support/http.js';

/**
 * examples/config.yaml runs as its header says: `rds-broker emulator --state-dir .rds-emulator
 * --region eu-west-1`, then `rds-broker serve --config examples/config.yaml` from the same
 * directory, both real processes. `check` passes on it, and a provision through the OSB API
 * succeeds, binds, and the binding connects to its PostgreSQL with TLS verified; deprovisioning
 * removes it.
 *
 * One deviation from the header, the ports: the emulator listens on a free port rather than 4566
 * (and the configuration is copied with only that port changed), and the broker is given
 * `--port 0`, because fixed ports on a shared machine meet other emulators and brokers.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'rds-broker.js');
const exampleFile = join(root, 'examples', 'config.yaml');
const EXAMPLE_ENDPOINT = 'http://127.0.0.1:4566';

interface Emulator {
  child: ChildProcess;
  url: string;
  exited: Promise<number | string>;
  output: () => string;
}

/** The header's emulator command, with --port 0; resolves with the endpoint from its banner. */
function startEmulatorProcess(cwd: string): Promise<Emulator> {
  const child = spawn(process.execPath, [bin, 'emulator', '--state-dir', '.rds-emulator', '--region', 'eu-west-1', '--port', '0'], {
    cwd,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the emulator printed no endpoint within 120 s:\n${output}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /endpoint\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]!, exited, output: () => output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited (${code}) before it listened:\n${output}`));
    });
  });
}

function runCheck(cwd: string, configFile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, 'check', '--config', configFile], {
      cwd,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function until(what: string, read: () => Promise<{ done: boolean; last: string }>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const answer = await read();
    if (answer.done) return;
    last = answer.last;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s; last: ${last}`);
}

describe('examples/config.yaml with `rds-broker emulator`, as its header says', function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'rds-broker-example-'));
  const example = parseYaml(readFileSync(exampleFile, 'utf8'));
  const credentials = example.auth.credentials[0] as { username: string; password: string };
  const service = example.catalog.services[0];
  const plan = service.plans.find((p: { name: string }) => p.name === 'small');
  let emulator: Emulator | undefined;
  let broker: BrokerProcess | undefined;
  let client: OsbClient;
  let configFile = '';

  before(async () => {
    // As root the emulator runs PostgreSQL as another account, which must traverse the directory
    // (mkdtemp makes it 0700; a repository's root usually is traversable).
    chmodSync(dir, 0o711);
    const text = readFileSync(exampleFile, 'utf8');
    expect(text.split(EXAMPLE_ENDPOINT).length - 1, 'the example names the emulator endpoint once').to.equal(1);
    emulator = await startEmulatorProcess(dir);
    configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, text.replace(EXAMPLE_ENDPOINT, emulator.url), { mode: 0o600 });
  });
  after(async () => {
    const brokerExit = await broker?.stop('SIGTERM');
    emulator?.child.kill('SIGTERM');
    const emulatorExit = await emulator?.exited;
    rmSync(dir, { recursive: true, force: true });
    if (broker) expect(brokerExit).to.equal(0);
    if (emulator) expect(emulatorExit, emulator.output()).to.equal(0);
  });

  it('the emulator wrote its authority where the example looks for it, and check passes', async () => {
    expect(example.database.tls.caBundleFile).to.equal('.rds-emulator/ca/ca.pem');
    expect(readFileSync(join(dir, '.rds-emulator', 'ca', 'ca.pem'), 'utf8')).to.contain('-----BEGIN CERTIFICATE-----');
    const result = await runCheck(dir, configFile);
    expect(result.code, `${result.stdout}\n${result.stderr}`).to.equal(0);
    expect(result.stdout).to.contain('holds rds-ca-rsa2048-g1').and.contain('All checks passed.');
  });

  it('provisions through the OSB API until succeeded, binds, connects with the binding, and deprovisions', async () => {
    broker = await startBrokerProcess(['serve', '--config', configFile, '--port', '0'], cleanEnv(), 30_000, dir);
    client = new OsbClient(broker.url, credentials);
    const catalog = await client.get('/v2/catalog');
    expect(catalog.status).to.equal(200);
    expect(catalog.json.services[0].plans.map((p: { id: string }) => p.id)).to.include(plan.id);

    const id = crypto.randomUUID();
    const instance = `/v2/service_instances/${id}`;
    const ids = `service_id=${service.id}&plan_id=${plan.id}`;
    const context = { platform: 'cloudfoundry', organization_guid: 'org-example', space_guid: 'space-example' };
    const created = await client.put(`${instance}?accepts_incomplete=true`, { service_id: service.id, plan_id: plan.id, context });
    expect(created.status, created.text).to.equal(202);
    await until(
      'provisioning',
      async () => {
        const poll = await client.get(`${instance}/last_operation?${ids}`);
        expect(poll.status, poll.text).to.equal(200);
        expect(poll.json.state, `${poll.json.description}\n${emulator!.output().slice(-4000)}`).to.not.equal('failed');
        return { done: poll.json.state === 'succeeded', last: `${poll.json.state}: ${poll.json.description}` };
      },
      300_000,
    );

    const binding = `${instance}/service_bindings/${crypto.randomUUID()}`;
    const bound = await client.put(binding, { service_id: service.id, plan_id: plan.id });
    expect(bound.status, bound.text).to.equal(201);
    const uri = bound.json.credentials.uri as string;
    expect(uri).to.match(/^postgres(ql)?:\/\//);
    const ca = readFileSync(join(dir, '.rds-emulator', 'ca', 'ca.pem'), 'utf8');
    const db = await connectUri(uri, ca);
    try {
      await db.query('create table example_check (note text)');
      await db.query("insert into example_check values ('written through the binding')");
      const rows = (await db.query('select note from example_check')).rows;
      expect(rows).to.deep.equal([{ note: 'written through the binding' }]);
    } finally {
      await db.end();
    }

    const unbound = await client.delete(`${binding}?${ids}`);
    expect(unbound.status, unbound.text).to.equal(200);
    const deleted = await client.delete(`${instance}?${ids}&accepts_incomplete=true`);
    expect(deleted.status, deleted.text).to.equal(202);
    await until(
      'deprovisioning',
      async () => {
        const poll = await client.get(`${instance}/last_operation?${ids}&operation=${encodeURIComponent(deleted.json.operation ?? '')}`);
        if (poll.status === 410) return { done: true, last: 'gone' };
        expect(poll.status, poll.text).to.equal(200);
        expect(poll.json.state, poll.json.description).to.not.equal('failed');
        return { done: poll.json.state === 'succeeded', last: `${poll.json.state}: ${poll.json.description}` };
      },
      300_000,
    );
    expect((await client.get(instance)).status).to.be.oneOf([404, 410]);
  });
});
