import { expect } from 'chai';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { createBroker, type RunningBroker } from '../../src/broker/index.js';
import { buildConfig } from '../../src/config/load.js';
import { startEmulator } from '../../src/emulator/index.js';
import { localConfigDocument, LOCAL_PLANS, LOCAL_SERVICE_ID, newLocalSecret } from '../../src/local/config.js';
import { ensureLocalParameterGroups } from '../../src/local/parameter-groups.js';
import { bindingUsername } from '../../src/naming/derive.js';
import { captureLog, request, startTestServer, type TestServer } from '../support/http.js';
import { allRoles, asMaster, listInstances, sturdyRdsClient, sturdyRdsGateway } from './support/database.js';
import { hostileRequests, pollutionMarker, type HostileRequest } from './support/hostile-requests.js';
import { Platform } from './support/platform.js';
import { rawRequest, type RawResponse } from './support/raw-http.js';
import { freePort, scratchDir, ServeProcess, writeConfig } from './support/serve.js';
import { seedFor, summary } from './support/report.js';

/**
 * Hostile input: thousands of generated requests against a real `rds-broker serve` process (the
 * emulator behind it, one instance with a real database and one binding on it to aim at), then the
 * same generator against an in-process server whose Object.prototype this test can inspect.
 */

const KNOWN_ERROR_CODES = new Set(['AsyncRequired', 'ConcurrencyError', 'RequiresApp', 'MaintenanceInfoConflict']);
const MUTATING = /^(Create|Modify|Delete|Reboot|Restore|AddTags|RemoveTags)/;
const RUNS = Number(process.env.RELIABILITY_HOSTILE_RUNS ?? 5000);
const IN_PROCESS_RUNS = Math.ceil(RUNS / 10);

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
const mutatingCalls = (emulator: Emulator) =>
  Object.entries(emulator.stats().calls)
    .filter(([action]) => MUTATING.test(action))
    .reduce((sum, [, n]) => sum + n, 0);

/** The OSB error body rule: a JSON object with a string description, and an error code only from the spec's list. */
function errorBodyProblem(response: RawResponse): string | undefined {
  const body = response.json as Record<string, unknown> | undefined;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return `not a JSON object: ${response.text.slice(0, 200)}`;
  if (typeof body.description !== 'string') return `no string description: ${response.text.slice(0, 200)}`;
  if (body.error !== undefined && !KNOWN_ERROR_CODES.has(body.error as string)) return `unknown error code ${JSON.stringify(body.error)}`;
  return undefined;
}

/** fast-check's report, with the counterexample cut to a readable length (IDs can be thousands of characters). */
function shortReport(details: fc.RunDetails<[HostileRequest]>): void {
  if (!details.failed) return;
  const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}…(${text.length} characters)` : text);
  const example = JSON.stringify(details.counterexample?.[0], (_key, value: any) => {
    if (typeof value === 'string') return cut(value);
    if (value?.type === 'Buffer' && Array.isArray(value.data)) return `body: ${cut(Buffer.from(value.data as number[]).toString('utf8'))}`;
    return value;
  });
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(
    `property failed after ${details.numRuns} requests (seed ${details.seed}, path ${details.counterexamplePath}):\n${cause}\nrequest: ${example?.slice(0, 4000)}`,
  );
}

describe('reliability: hostile input', function () {
  this.timeout(600_000);
  let emulator: Emulator;
  let scratch: ReturnType<typeof scratchDir>;
  let broker: ServeProcess;
  let platform: Platform;
  let document: Record<string, any>;
  let inProcess: RunningBroker;
  let server: TestServer;
  const credentials = { username: 'platform', password: 'platform-password-for-hostile-tests' };
  const instanceId = randomUUID();
  const bindingId = randomUUID();

  before(async () => {
    emulator = await startEmulator({ speed: 0, region: 'eu-west-1', log: () => undefined });
    scratch = scratchDir('rdsb-hostile-');
    document = localConfigDocument({
      port: 0,
      emulatorUrl: emulator.url,
      caFile: emulator.caFile,
      ...credentials,
      derivationSecret: newLocalSecret(),
    });
    // Generated requests send wrong credentials on purpose; the limiter would soon answer 429 to all of them.
    document.auth.failedAttemptsPerMinute = 1_000_000;
    const groups = sturdyRdsGateway(emulator.url);
    await ensureLocalParameterGroups(groups);
    groups.close();
    broker = new ServeProcess('hostile', writeConfig(scratch.dir, 'config.yaml', document), await freePort());
    await broker.start();
    platform = new Platform(() => [broker.url], credentials);
    const operation = await platform.provision(instanceId, platform.provisionBody());
    expect((await platform.pollUntilDone(instanceId, operation)).state).to.equal('succeeded');
    await platform.bind(instanceId, bindingId);
    // The same broker in this process, for what a child process cannot show: its prototypes, and use
    // cases called with requests the front door would have refused.
    const config = buildConfig(document, {});
    inProcess = await createBroker(config, captureLog().log);
    server = await startTestServer({ config, broker: inProcess });
  });

  after(async () => {
    await server?.close();
    await inProcess?.close();
    await broker?.stop();
    await emulator?.stop();
    scratch?.remove();
  });

  it('binding IDs the front door would refuse reach the database only as a hashed name: bound, usable, removed, other roles untouched', async () => {
    const [instance] = (await listInstances(sturdyRdsClient(emulator.url))).filter(
      (i) => i.tags['Instance ID'] === instanceId || i.identifier === `local-${instanceId}`,
    );
    expect(instance, 'the target instance').to.not.equal(undefined);
    const ca = readFileSync(emulator.caFile, 'utf8');
    const secret = (document.broker.derivationSecrets as Array<{ id: string; value: string }>)[0]!;
    const rolesBefore = await asMaster(instance!, instanceId, secret, ca, allRoles);
    const hostileIds = [
      `"; DROP ROLE ${instance!.masterUsername}; --`,
      `'); DROP TABLE pg_class; --`,
      'ünïcödé-ид-💩',
      'semi;colon',
      `back\\slash' $$ $q$`,
      '\u202eevil',
      `${bindingUsername(bindingId)}`,
    ];
    const ctx = { requestId: 'hostile-binding-ids', log: captureLog().log, apiVersion: '2.17' };
    const base = { instanceId, serviceId: LOCAL_SERVICE_ID, planId: LOCAL_PLANS.small };
    for (const id of hostileIds) {
      const answer = await inProcess.bind({ ...base, bindingId: id, context: {}, parameters: {} }, ctx);
      expect(answer.status, id).to.equal(201);
      const { username, password } = answer.body.credentials as { username: string; password: string };
      expect(username).to.equal(bindingUsername(id));
      expect(username).to.match(/^rdsb_[0-9a-f]{24}$/);
      const client = new pg.Client({
        host: instance!.host,
        port: instance!.port,
        database: instance!.dbName,
        user: username,
        password,
        ssl: { ca },
      });
      await client.connect();
      try {
        expect((await client.query('SELECT session_user AS u')).rows[0].u).to.equal(username);
      } finally {
        await client.end();
      }
    }
    const rolesDuring = await asMaster(instance!, instanceId, secret, ca, allRoles);
    expect(rolesDuring.filter((r) => !rolesBefore.includes(r)).sort()).to.deep.equal(hostileIds.map(bindingUsername).sort());
    expect(rolesDuring).to.include.members(rolesBefore);
    for (const id of hostileIds) expect((await inProcess.unbind({ ...base, bindingId: id }, ctx)).status).to.equal(200);
    expect(await asMaster(instance!, instanceId, secret, ca, allRoles)).to.deep.equal(rolesBefore);
  });

  it(`${RUNS} generated requests over every endpoint: no 5xx, OSB error bodies, no AWS change for a refused request, the process stays up`, async () => {
    const seed = seedFor('hostile');
    const byStatus = new Map<number, number>();
    const byEndpoint = new Map<string, number>();
    let mutatedOk = 0;
    let resetDuringUpload = 0;
    let accepted = 0;
    let settlingMs = 0;
    const msByEndpoint = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(hostileRequests({ credentials, instanceId, bindingId }), async ({ endpoint, request: raw }: HostileRequest) => {
        const before = mutatingCalls(emulator);
        const started = performance.now();
        const outcome = await rawRequest(broker.port, raw).catch((error: NodeJS.ErrnoException) => error);
        msByEndpoint.set(endpoint, (msByEndpoint.get(endpoint) ?? 0) + performance.now() - started);
        const after = mutatingCalls(emulator);
        if (outcome instanceof Error) {
          // A request the HTTP parser refuses is answered and closed at once; a client still uploading
          // a body of megabytes then meets a reset and may lose the answer (TCP, not the broker).
          // Only that is tolerated, and counted: the broker must still have changed nothing.
          const oversized = (raw.body?.length ?? 0) > 1024 * 1024;
          if (!oversized || !['EPIPE', 'ECONNRESET'].includes(outcome.code ?? '')) throw outcome;
          resetDuringUpload++;
          expect(after - before, 'mutating AWS calls for a refused upload').to.equal(0);
          return;
        }
        const response = outcome;
        byStatus.set(response.status, (byStatus.get(response.status) ?? 0) + 1);
        byEndpoint.set(endpoint, (byEndpoint.get(endpoint) ?? 0) + 1);
        expect(response.status, response.text.slice(0, 300)).to.be.within(200, 499);
        if (response.status >= 300 && raw.method !== 'HEAD') expect(errorBodyProblem(response)).to.equal(undefined);
        if (response.status >= 400) expect(after - before, `mutating AWS calls for a ${response.status}`).to.equal(0);
        // Reads change nothing: the target is always left settled (see below), so no poll has work to do.
        else if (raw.method === 'GET' || raw.method === 'HEAD')
          expect(after - before, `mutating AWS calls for a ${raw.method} answered ${response.status}`).to.equal(0);
        else mutatedOk += after - before;
        if (response.status === 202) {
          // An accepted change to the target (a valid PATCH can get through): poll it to the end, as a
          // platform would, so later requests meet a settled instance and not a database mid-restart.
          accepted++;
          const operation = (response.json as { operation?: string } | undefined)?.operation ?? 'update';
          const settling = performance.now();
          await platform.pollUntilDone(instanceId, operation, { intervalMs: 50 });
          settlingMs += performance.now() - settling;
        }
      }),
      { numRuns: RUNS, seed, endOnFailure: true, reporter: shortReport },
    );
    console.log(
      summary('hostile requests', {
        seed,
        runs: RUNS,
        byStatus: Object.fromEntries([...byStatus].sort((a, b) => a[0] - b[0])),
        byEndpoint: Object.fromEntries(byEndpoint),
        mutatingCallsFor2xx: mutatedOk,
        acceptedChanges: accepted,
        settlingMs: Math.round(settlingMs),
        resetDuringUpload,
        msByEndpoint: Object.fromEntries([...msByEndpoint].map(([e, ms]) => [e, Math.round(ms)])),
      }),
    );

    // The run must have gone past the front door, or it proved little.
    for (const status of [200, 400, 401, 404, 405, 410, 412, 413, 422])
      expect(byStatus.get(status) ?? 0, `answers with status ${status}`).to.be.greaterThan(0);
    for (const [endpoint, count] of byEndpoint) expect(count, endpoint).to.be.greaterThan(RUNS / 40);
    expect(broker.unexpectedExits).to.deep.equal([]);
    expect(broker.alive()).to.equal(true);
    expect((await request(`${broker.url}/healthz`)).status).to.equal(200);
    expect((await platform.call('GET', '/v2/catalog')).status).to.equal(200);
  });

  it('every /v2 route needs X-Broker-API-Version, whatever the case of its path', async () => {
    const auth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    for (const target of [
      '/v2/catalog',
      '/V2/catalog',
      '/V2/CATALOG',
      `/V2/service_instances/${instanceId}`,
      `/v2/Service_Instances/${instanceId}/last_operation`,
    ]) {
      const response = await rawRequest(broker.port, { method: 'GET', target, headers: [['Authorization', auth]] });
      expect(response.status, target).to.equal(412);
    }
  });

  it('what Node or the router answers on its own is an OSB error body too, never a 5xx or silence', async () => {
    const auth: [string, string] = [
      'Authorization',
      `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
    ];
    const version: [string, string] = ['X-Broker-API-Version', '2.17'];
    const cases: Array<[string, Parameters<typeof rawRequest>[1], number]> = [
      ['CONNECT', { method: 'CONNECT', target: '127.0.0.1:443', headers: [auth, version] }, 405],
      ['an Expect other than 100-continue', { method: 'GET', target: '/v2/catalog', headers: [auth, version, ['Expect', 'teapot']] }, 417],
      ['TRACE on a known path', { method: 'TRACE', target: '/v2/catalog', headers: [auth, version] }, 405],
      ['PROPFIND on an instance', { method: 'PROPFIND', target: `/v2/service_instances/${instanceId}`, headers: [auth, version] }, 405],
      ['a method HTTP does not know', { method: 'BREW', target: '/v2/catalog', headers: [auth, version] }, 400],
    ];
    for (const [what, raw, status] of cases) {
      const response = await rawRequest(broker.port, raw);
      expect(response.status, what).to.equal(status);
      expect(errorBodyProblem(response), what).to.equal(undefined);
    }
    expect(broker.alive()).to.equal(true);
  });

  it('a poll naming an operation that is not under way changes nothing (deprovision above all)', async () => {
    const before = mutatingCalls(emulator);
    for (const operation of ['deprovision', 'restore', 'update', 'upgrade', 'context', 'provision']) {
      const response = await platform.call('GET', `/v2/service_instances/${instanceId}/last_operation?operation=${operation}`);
      expect(response.status, operation).to.equal(200);
      if (operation === 'deprovision') expect(response.json.state, response.json.description).to.equal('failed');
    }
    expect(mutatingCalls(emulator) - before).to.equal(0);
    expect((await platform.call('GET', `/v2/service_instances/${instanceId}`)).status, 'the instance is still there').to.equal(200);
  });

  it('hostile db_name values are refused with 400 before any AWS call', async () => {
    const hostile = [
      'x"; DROP DATABASE postgres; --',
      "a'; SELECT pg_sleep(10); --",
      '../../etc',
      'a b',
      'ä',
      '1abc',
      '_x',
      '',
      'a'.repeat(64),
      'a\u0000b',
      'postgres\n',
      '$(id)',
      7,
      null,
      ['a'],
      { a: 1 },
    ];
    const created = () => emulator.stats().calls.CreateDBInstance ?? 0;
    const before = created();
    for (const dbName of hostile) {
      const response = await platform.call(
        'PUT',
        `/v2/service_instances/${randomUUID()}?accepts_incomplete=true`,
        platform.provisionBody({ db_name: dbName }),
      );
      expect(response.status, JSON.stringify(dbName)).to.equal(400);
      expect(response.json.description, JSON.stringify(dbName)).to.match(/db_name/);
    }
    expect(created()).to.equal(before);
  });

  it(`${IN_PROCESS_RUNS} more generated requests in-process: no prototype of this process polluted, no 5xx`, async () => {
    const prototypeKeys = () =>
      [Object.prototype, Array.prototype, Function.prototype, String.prototype].map((p) => Object.getOwnPropertyNames(p).sort().join(','));
    const keysBefore = prototypeKeys();
    const port = Number(new URL(server.url).port);
    await fc.assert(
      fc.asyncProperty(hostileRequests({ credentials, instanceId, bindingId }), async ({ request: raw }: HostileRequest) => {
        const response = await rawRequest(port, raw);
        expect(response.status, response.text.slice(0, 300)).to.be.within(200, 499);
        const probe = {} as Record<string, unknown>;
        expect(probe[pollutionMarker], 'Object.prototype polluted').to.equal(undefined);
        expect(probe.isAdmin, 'Object.prototype polluted').to.equal(undefined);
        expect(probe.polluted, 'Object.prototype polluted').to.equal(undefined);
      }),
      { numRuns: IN_PROCESS_RUNS, seed: seedFor('hostile-in-process'), endOnFailure: true, reporter: shortReport },
    );
    expect(prototypeKeys()).to.deep.equal(keysBefore);
    expect(server.captured.text()).not.to.match(/unexpected error while serving a request/);
  });
});
