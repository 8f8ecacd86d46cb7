import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand, ModifyDBInstanceCommand } from '@aws-sdk/client-rds';
import { checkMasterCredentials } from '../../src/housekeeping/jobs.js';
import { localConfigDocument, LOCAL_PLANS, LOCAL_SERVICE_ID, newLocalSecret } from '../../src/local/config.js';
import { bindingPassword, bindingUsername, masterPassword } from '../../src/naming/derive.js';
import { credentialsMatch } from '../../src/osb/middleware/auth.js';
import { startEmulator } from '../../src/emulator/index.js';
import { basicAuth, request } from '../support/http.js';
import { connectUri, loginRefused } from '../support/osb-flows.js';
import { emulatorAdmin, startStack, type Stack } from '../support/stack.js';
import { asMaster, bindingRoles, listInstances, sturdyRdsClient } from './support/database.js';
import { cfContext, Platform } from './support/platform.js';
import { summary } from './support/report.js';
import { freePort, scratchDir, ServeProcess, writeConfig } from './support/serve.js';

/**
 * Security: the TLS listener and authentication of a real `serve` process; secrets kept out of every
 * log line of a whole life cycle; tenant isolation of bindings and restores. (The IAM policy is
 * compared with the code in iam-policy.test.ts.)
 */

/** "binding password <uuid>/b-app" → "binding password": how many secrets of each kind were scanned for. */
function countKinds(names: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const kind = name.replace(/ ([0-9a-f]{8}-[0-9a-f-]{27}.*|\d+|old1|local1)$/, '');
    out[kind] = (out[kind] ?? 0) + 1;
  }
  return out;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = `service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`;

describe('reliability: security', function () {
  this.timeout(600_000);

  describe('TLS listener, two credential pairs, failed-authentication limit (a serve process)', () => {
    const pairs = [
      { username: 'platform', password: 'first-pair-password-0123456789' },
      { username: 'platform-next', password: 'second-pair-password-9876543210' },
    ];
    const limit = 5;
    let emulator: Awaited<ReturnType<typeof startEmulator>>;
    let scratch: ReturnType<typeof scratchDir>;
    let broker: ServeProcess;
    let cert: Buffer;
    let url: string;
    let failures = 0;

    before(async function () {
      try {
        execFileSync('openssl', ['version'], { stdio: 'ignore' });
      } catch {
        console.log('      skipped: the openssl command is not installed, so no certificate can be made for the TLS listener');
        this.skip();
      }
      scratch = scratchDir('rdsb-security-');
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=127.0.0.1',
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(scratch.dir, 'key.pem'),
          '-out',
          join(scratch.dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      cert = readFileSync(join(scratch.dir, 'cert.pem'));
      emulator = await startEmulator({ speed: 0, region: 'eu-west-1', databases: 'none', log: () => undefined });
      const document: Record<string, any> = localConfigDocument({
        port: 0,
        emulatorUrl: emulator.url,
        caFile: emulator.caFile,
        ...pairs[0]!,
        derivationSecret: newLocalSecret(),
      });
      document.auth = { credentials: pairs, failedAttemptsPerMinute: limit };
      document.listen.tls = { certFile: join(scratch.dir, 'cert.pem'), keyFile: join(scratch.dir, 'key.pem') };
      broker = new ServeProcess('tls', writeConfig(scratch.dir, 'config.yaml', document), await freePort());
      await broker.start();
      url = `https://127.0.0.1:${broker.port}`;
    });
    after(async () => {
      await broker?.stop();
      await emulator?.stop();
      scratch?.remove();
    });

    const catalog = (authorization: string | undefined, tls: Record<string, unknown> = {}) =>
      request(`${url}/v2/catalog`, {
        ca: cert,
        tls,
        headers: { 'X-Broker-API-Version': '2.17', ...(authorization ? { Authorization: authorization } : {}) },
      });

    it('accepts TLS 1.2 and 1.3, refuses TLS 1.0 and 1.1 and plain HTTP', async () => {
      expect((await catalog(basicAuth(pairs[0]!), { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).status).to.equal(200);
      expect((await catalog(basicAuth(pairs[0]!), { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' })).status).to.equal(200);
      for (const version of ['TLSv1', 'TLSv1.1']) {
        const outcome = await catalog(basicAuth(pairs[0]!), {
          minVersion: version,
          maxVersion: version,
          ciphers: 'DEFAULT@SECLEVEL=0',
        }).then(
          () => 'connected',
          (e: Error) => `refused: ${e.message}`,
        );
        // The server's own refusal (a protocol_version alert), not a client that would not try.
        expect(outcome, version).to.match(/^refused: .*(alert protocol version|unsupported protocol)/i);
      }
      const plain = await request(`http://127.0.0.1:${broker.port}/healthz`).then(
        (r) => `status ${r.status}`,
        () => 'refused',
      );
      expect(plain).not.to.equal('status 200');
    });

    it('accepts both configured credential pairs, so credentials rotate without a restart', async () => {
      for (const pair of pairs) expect((await catalog(basicAuth(pair))).status, pair.username).to.equal(200);
    });

    it('refuses a wrong password of the same length and of another length, and a pair mixed from both', async () => {
      const wrong = [
        { username: pairs[0]!.username, password: 'x'.repeat(pairs[0]!.password.length) },
        { username: pairs[0]!.username, password: `${pairs[0]!.password}x` },
        { username: pairs[0]!.username, password: pairs[1]!.password },
      ];
      for (const pair of wrong) {
        expect(credentialsMatch(pair, pairs), JSON.stringify(pair.password.length)).to.equal(false);
        expect((await catalog(basicAuth(pair))).status).to.equal(401);
        failures++;
      }
    });

    it(`answers 429 (with Retry-After) after ${limit} failed attempts a minute, even to the right credentials; health stays open`, async () => {
      let refusedBefore429 = failures;
      let response = await catalog(basicAuth({ username: 'intruder', password: 'guess' }));
      while (response.status === 401 && refusedBefore429 < 100) {
        refusedBefore429++;
        response = await catalog(basicAuth({ username: 'intruder', password: `guess-${refusedBefore429}` }));
      }
      expect(response.status).to.equal(429);
      expect(refusedBefore429, 'failed attempts allowed before the limit').to.equal(limit);
      expect(Number(response.headers['retry-after'])).to.be.greaterThan(0);
      const right = await catalog(basicAuth(pairs[1]!));
      expect(right.status, 'blocked whatever the credentials').to.equal(429);
      expect(right.json.description).to.be.a('string');
      expect((await request(`${url}/healthz`, { ca: cert })).status).to.equal(200);
    });
  });

  describe('a whole life cycle in process, every log line kept', () => {
    let stack: Stack;
    let platform: Platform;
    const emulatorLog: string[] = [];
    const secretsUsed = new Map<string, string>();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];

    before(async () => {
      stack = await startStack({
        emulator: { speed: 0, visibilityLagMs: 100, log: (line) => emulatorLog.push(line) },
        settleSeconds: 5,
        configure: (document) => {
          document.auth.credentials.push({ username: 'rotated-in', password: 'second-broker-password-for-the-scan' });
          // An older derivation secret stays configured, as after a rotation.
          document.broker.derivationSecrets.push({ id: 'old1', value: newLocalSecret() });
        },
      });
      platform = new Platform(() => [stack.server.url], stack.config.auth.credentials[0]!);
      for (const [i, pair] of stack.config.auth.credentials.entries()) {
        secretsUsed.set(`broker password ${i}`, pair.password);
        secretsUsed.set(`basic credentials ${i}`, basicAuth(pair).slice('Basic '.length));
      }
      for (const secret of stack.config.broker.derivationSecrets) secretsUsed.set(`derivation secret ${secret.id}`, secret.value);
      secretsUsed.set('AWS secret access key', stack.config.aws.credentials!.secretAccessKey);
    });
    after(async () => {
      await emulatorAdmin(stack, 'DELETE', 'faults').catch(() => undefined);
      await stack?.stop();
    });

    const newest = () => stack.config.broker.derivationSecrets[0]!;
    const bind = async (instanceId: string, bindingId: string) => {
      const credentials = await platform.bind(instanceId, bindingId);
      secretsUsed.set(`binding password ${instanceId}/${bindingId}`, bindingPassword(newest(), instanceId, bindingId));
      expect(credentials.password).to.equal(bindingPassword(newest(), instanceId, bindingId));
      return credentials;
    };
    const provision = async (instanceId: string, parameters: Record<string, unknown> = {}, context = cfContext()) => {
      const operation = await platform.provision(instanceId, platform.provisionBody(parameters, LOCAL_PLANS.small, context));
      secretsUsed.set(`master password ${instanceId}`, masterPassword(newest(), instanceId));
      const done = await platform.pollUntilDone(instanceId, operation, { intervalMs: 100 });
      expect(done.state, done.descriptions.join(' | ')).to.equal('succeeded');
    };

    it('provision A, bind, snapshot, restore B from it (RDS failing now and then), bind B', async () => {
      await provision(a);
      const credentials = await bind(a, 'a-app');
      const client = await connectUri(credentials.uri, readFileSync(stack.emulator.caFile, 'utf8'));
      await client.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('a')");
      await client.end();
      const rds = sturdyRdsClient(stack.emulator.url);
      await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: `local-${a}`, DBSnapshotIdentifier: `snap-${a.slice(0, 8)}` }));
      while (
        (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: `snap-${a.slice(0, 8)}` }))).DBSnapshots?.[0]?.Status !==
        'available'
      )
        await sleep(100);
      // Failures on the calls that carry passwords, so that error paths are logged too.
      await emulatorAdmin(stack, 'POST', 'faults', {
        actions: ['ModifyDBInstance', 'CreateDBInstance', 'RestoreDBInstanceFromDBSnapshot'],
        error: { code: 'InternalFailure', status: 500 },
        count: 3,
      });
      await provision(b, { restore_from_latest_snapshot_of: a });
      await bind(b, 'b-app');
    });

    it('bindings: a request about instance X naming a binding of instance Y never touches Y', async () => {
      const ca = readFileSync(stack.emulator.caFile, 'utf8');
      const [instanceA] = (await listInstances(sturdyRdsClient(stack.emulator.url))).filter((i) => i.identifier === `local-${a}`);
      const rolesOnA = await asMaster(instanceA!, a, newest(), ca, bindingRoles);
      expect(rolesOnA).to.deep.equal([bindingUsername('a-app')]);
      // B's binding named through A: unknown there.
      expect((await platform.call('GET', `/v2/service_instances/${a}/service_bindings/b-app`)).status).to.equal(404);
      expect((await platform.call('GET', `/v2/service_instances/${a}/service_bindings/b-app/last_operation`)).status).to.equal(404);
      expect((await platform.call('DELETE', `/v2/service_instances/${a}/service_bindings/b-app?${ids}`)).status).to.equal(410);
      // Binding through A under B's binding ID makes a role on A, with a password of A's own.
      const onA = await bind(a, 'b-app');
      expect(onA.password).to.not.equal(bindingPassword(newest(), b, 'b-app'));
      expect((await platform.call('DELETE', `/v2/service_instances/${a}/service_bindings/b-app?${ids}`)).status).to.equal(200);
      // B's binding still logs in to B; A holds exactly its own binding again.
      const fetched = await platform.call('GET', `/v2/service_instances/${b}/service_bindings/b-app`);
      expect(fetched.status).to.equal(200);
      const client = await connectUri(fetched.json.credentials.uri, ca);
      expect((await client.query('SELECT session_user AS u')).rows[0].u).to.equal(bindingUsername('b-app'));
      await client.end();
      expect(await asMaster(instanceA!, a, newest(), ca, bindingRoles)).to.deep.equal(rolesOnA);
    });

    it('restores: another tenant naming A as its source is refused, and RDS is not asked to restore anything', async () => {
      const restores = () =>
        Object.entries(stack.emulator.stats().calls)
          .filter(([action]) => /^Restore/.test(action))
          .reduce((n, [, v]) => n + v, 0);
      const before = restores();
      for (const [context, parameters] of [
        [cfContext('other-space'), { restore_from_latest_snapshot_of: a }],
        [cfContext('space-1', 'other-org'), { restore_from_point_in_time_of: a }],
        [{ platform: 'kubernetes', clusterid: 'c', namespace: 'space-1' }, { restore_from_latest_snapshot_of: a }],
      ] as const) {
        const response = await platform.call(
          'PUT',
          `/v2/service_instances/${c}?accepts_incomplete=true`,
          platform.provisionBody(parameters, LOCAL_PLANS.small, context as any),
        );
        expect(response.status, response.text).to.equal(400);
      }
      expect(restores()).to.equal(before);
    });

    it('a master password changed in the console: bind says so (502), housekeeping repairs it', async () => {
      const consolePassword = `Console${randomUUID().replace(/-/g, '')}`;
      secretsUsed.set('master password set in the console', consolePassword);
      const rds = sturdyRdsClient(stack.emulator.url);
      await rds.send(
        new ModifyDBInstanceCommand({ DBInstanceIdentifier: `local-${a}`, MasterUserPassword: consolePassword, ApplyImmediately: true }),
      );
      await emulatorAdmin(stack, 'POST', 'settle');
      const refused = await platform.call('PUT', `/v2/service_instances/${a}/service_bindings/after-console`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
      });
      expect(refused.status, refused.text).to.equal(502);
      expect(await checkMasterCredentials(stack.broker.deps)).to.deep.equal([a]);
      await emulatorAdmin(stack, 'POST', 'settle');
      await bind(a, 'after-repair');
    });

    it('unbind and deprovision; then no secret used anywhere appears in any broker, server or emulator log line', async () => {
      const ca = readFileSync(stack.emulator.caFile, 'utf8');
      const answer = await platform.call('GET', `/v2/service_instances/${a}/service_bindings/a-app`);
      const aUri = answer.json.credentials.uri as string;
      const found = (text: string) => [...secretsUsed].filter(([, secret]) => text.includes(secret)).map(([what]) => what);
      // The scanner's positive control: a binding's answer carries its password, and is found.
      expect(found(answer.text)).to.include(`binding password ${a}/a-app`);
      for (const [instanceId, bindingId] of [
        [a, 'a-app'],
        [a, 'after-repair'],
        [b, 'b-app'],
      ]) {
        expect((await platform.call('DELETE', `/v2/service_instances/${instanceId}/service_bindings/${bindingId}?${ids}`)).status).to.equal(
          200,
        );
      }
      expect(await loginRefused(aUri, ca)).to.equal(true);
      for (const instanceId of [b, a]) {
        expect((await platform.call('DELETE', `/v2/service_instances/${instanceId}?accepts_incomplete=true&${ids}`)).status).to.equal(202);
        expect((await platform.pollUntilDone(instanceId, 'deprovision')).status).to.equal(410);
      }

      const sources: Array<[string, string[]]> = [
        ['broker', stack.brokerLog.text().split('\n')],
        ['server', stack.server.captured.text().split('\n')],
        ['emulator', emulatorLog],
      ];
      const lines = sources.flatMap(([source, list]) => list.filter((l) => l.trim() !== '').map((line) => ({ source, line })));
      const leaks: string[] = [];
      for (const { source, line } of lines) leaks.push(...found(line).map((what) => `${what} in a ${source} log line`));
      const debugLines =
        stack.brokerLog.lines().filter((l) => l.level === 'debug').length +
        stack.server.captured.lines().filter((l) => l.level === 'debug').length;
      console.log(
        summary('secrets in logs', {
          lines: lines.length,
          debugLines,
          bySource: Object.fromEntries(sources.map(([s, l]) => [s, l.filter((x) => x.trim() !== '').length])),
          secretsScanned: secretsUsed.size,
          kinds: countKinds([...secretsUsed.keys()]),
          leaks: leaks.length,
        }),
      );
      expect(leaks).to.deep.equal([]);
      // The scan must have had something to read: every request's line, the reconcile actions, the
      // warnings of the failed calls and of the repair.
      expect(lines.length).to.be.greaterThan(50);
      expect(
        lines.some(({ line }) => /"level":"warn"/.test(line)),
        'warnings among the lines',
      ).to.equal(true);
      expect(secretsUsed.size).to.be.at.least(12);
    });
  });
});
