import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { caOf, loginRefused, query } from '../support/osb-flows.js';
import { emulatorAdmin, startStack, type Stack } from '../support/stack.js';
import { sturdyRdsClient } from './support/database.js';
import { Platform } from './support/platform.js';
import { seedFor, summary } from './support/report.js';

/**
 * AWS faults: the emulator throttles, fails with 500 and 503, and slows down about one call in five
 * of every action, chosen by seeded dice. A whole life cycle through the OSB API (provision, bind,
 * snapshot, restore, unbind, deprovision) must still finish, and no poll may say "failed".
 */

const LIFECYCLES = 3;
/**
 * Rounds of life cycles go on until RDS has seen this many calls (at most five rounds): on a fast,
 * idle machine one round makes as few as ~120, too few for the share of faults to be measured.
 */
const MIN_RDS_CALLS = 250;
const ids = `service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Four independent rules on every action; together they touch 1 - 0.92·0.95·0.95·0.95 ≈ 21% of calls. */
function faultRules(seed: number) {
  return [
    { actions: ['*'], error: { code: 'Throttling', status: 400, message: 'Rate exceeded' }, probability: 0.08, seed },
    { actions: ['*'], error: { code: 'InternalFailure', status: 500 }, probability: 0.05, seed: seed + 1 },
    { actions: ['*'], error: { code: 'ServiceUnavailable', status: 503 }, probability: 0.05, seed: seed + 2 },
    { actions: ['*'], latencyMs: 400, probability: 0.05, seed: seed + 3 },
  ];
}

describe('reliability: AWS faults on one call in five', function () {
  this.timeout(600_000);
  let stack: Stack;
  let platform: Platform;
  /** Synchronous requests a 503 sent back to the platform, which then repeated them (a platform's right). */
  let syncRetries = 0;

  before(async () => {
    stack = await startStack({ emulator: { speed: 0, visibilityLagMs: 200 }, settleSeconds: 5 });
    platform = new Platform(() => [stack.server.url], stack.config.auth.credentials[0]!);
  });
  after(async () => {
    await emulatorAdmin(stack, 'DELETE', 'faults').catch(() => undefined);
    await stack?.stop();
  });

  /** A synchronous request, repeated only when the broker answered 503 (transient, "try again"). */
  async function sync(method: string, path: string, body?: unknown) {
    for (let i = 0; i < 20; i++) {
      const response = await platform.call(method, path, body);
      if (response.status !== 503) return response;
      expect(response.json?.description, 'a 503 says why').to.be.a('string');
      syncRetries++;
      await sleep(200);
    }
    throw new Error(`${method} ${path} kept answering 503`);
  }

  async function provisionAndPoll(id: string, parameters: Record<string, unknown>, states: string[]): Promise<void> {
    const accepted = await sync('PUT', `/v2/service_instances/${id}?accepts_incomplete=true`, platform.provisionBody(parameters));
    expect(accepted.status, accepted.text).to.equal(202);
    const done = await platform.pollUntilDone(id, accepted.json.operation, { intervalMs: 100 });
    states.push(...done.states);
    expect(done.state, done.descriptions.join(' | ')).to.equal('succeeded');
  }

  async function bind(id: string, bindingId: string): Promise<string> {
    const response = await sync('PUT', `/v2/service_instances/${id}/service_bindings/${bindingId}`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
    });
    expect(response.status, response.text).to.equal(201);
    return response.json.credentials.uri as string;
  }

  /** One whole life cycle; returns every poll state it saw. */
  async function lifecycle(ca: string): Promise<string[]> {
    const source = randomUUID();
    const restored = randomUUID();
    const states: string[] = [];
    await provisionAndPoll(source, {}, states);
    const sourceUri = await bind(source, 'b-source');
    await query(sourceUri, ca, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");

    // The operator's snapshot goes through the same faulty RDS, with an SDK client that retries patiently.
    const rds = sturdyRdsClient(stack.emulator.url);
    const snapshotId = `snap-faults-${source.slice(0, 8)}`;
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: `local-${source}`, DBSnapshotIdentifier: snapshotId }));
    for (let i = 0; ; i++) {
      const described = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId }));
      if (described.DBSnapshots?.[0]?.Status === 'available') break;
      if (i > 600) throw new Error('snapshot never became available');
      await sleep(100);
    }

    await provisionAndPoll(restored, { restore_from_latest_snapshot_of: source }, states);
    const restoredUri = await bind(restored, 'b-restored');
    expect((await query(restoredUri, ca, 'SELECT v FROM t')).map((r) => r.v)).to.deep.equal(['kept']);
    const sourceCredentialsOnRestored = new URL(sourceUri);
    sourceCredentialsOnRestored.host = new URL(restoredUri).host;
    expect(
      await loginRefused(sourceCredentialsOnRestored.toString(), ca),
      "the source's binding does not log in to the restored copy",
    ).to.equal(true);

    for (const [id, bindingId] of [
      [source, 'b-source'],
      [restored, 'b-restored'],
    ] as const) {
      const response = await sync('DELETE', `/v2/service_instances/${id}/service_bindings/${bindingId}?${ids}`);
      expect(response.status, response.text).to.equal(200);
    }
    for (const id of [restored, source]) {
      const response = await sync('DELETE', `/v2/service_instances/${id}?accepts_incomplete=true&${ids}`);
      expect(response.status, response.text).to.equal(202);
      const done = await platform.pollUntilDone(id, 'deprovision', { intervalMs: 100 });
      states.push(...done.states);
      expect(done.status).to.equal(410);
    }
    return states;
  }

  it(`rounds of ${LIFECYCLES} concurrent life cycles, provision → bind → snapshot → restore → unbind → deprovision, complete; no poll answers "failed"`, async () => {
    const seed = seedFor('aws-faults');
    await emulatorAdmin(stack, 'POST', 'stats/reset');
    for (const rule of faultRules(seed)) await emulatorAdmin(stack, 'POST', 'faults', rule);
    const ca = caOf(stack);
    const states: string[] = [];
    let rounds = 0;
    do {
      states.push(...(await Promise.all(Array.from({ length: LIFECYCLES }, () => lifecycle(ca)))).flat());
      rounds++;
    } while (rounds < 5 && (await emulatorAdmin(stack, 'GET', 'stats')).total < MIN_RDS_CALLS);

    const stats = await emulatorAdmin(stack, 'GET', 'stats');
    const faults = (await emulatorAdmin(stack, 'GET', 'faults')).faults as Array<{
      error?: { code: string };
      latencyMs?: number;
      hits: number;
    }>;
    await emulatorAdmin(stack, 'DELETE', 'faults');
    const injected: Record<string, number> = {};
    for (const byCode of Object.values(stats.errors as Record<string, Record<string, number>>)) {
      for (const [code, n] of Object.entries(byCode)) injected[code] = (injected[code] ?? 0) + n;
    }
    const latencyHits = faults.filter((f) => f.latencyMs).reduce((sum, f) => sum + f.hits, 0);
    const faultedCalls = (injected.Throttling ?? 0) + (injected.InternalFailure ?? 0) + (injected.ServiceUnavailable ?? 0);
    console.log(
      summary('aws faults', {
        seed,
        lifecycles: rounds * LIFECYCLES,
        rdsCalls: stats.total,
        injectedErrors: injected,
        delayedCalls: latencyHits,
        faultedShare: Number((faultedCalls / stats.total).toFixed(3)),
        polls: states.length,
        pollStates: countOf(states),
        syncRetries,
      }),
    );

    expect(states.filter((s) => s === 'failed')).to.deep.equal([]);
    // The dice must actually have rolled against the broker, or the test proved nothing.
    for (const code of ['Throttling', 'InternalFailure', 'ServiceUnavailable'])
      expect(injected[code] ?? 0, `${code} injected`).to.be.greaterThan(0);
    expect(latencyHits, 'delayed calls').to.be.greaterThan(0);
    // About 17% of calls get an error (the fourth rule only delays); with 250 calls or more, this
    // range is over four standard deviations wide on either side.
    expect(stats.total, 'RDS calls').to.be.at.least(MIN_RDS_CALLS);
    expect(faultedCalls / stats.total, 'share of calls answered with an error').to.be.within(0.06, 0.32);
  });

  it('when RDS keeps failing past the retry budget: every synchronous endpoint answers 503 with a reason (never 500), polls answer "in progress"', async () => {
    const id = randomUUID();
    const states: string[] = [];
    await provisionAndPoll(id, {}, states);
    await bind(id, 'b-kept');
    const instance = `/v2/service_instances/${id}`;
    const calls: Array<[string, string, string, unknown?]> = [
      ['fetch instance', 'GET', instance],
      ['provision again', 'PUT', `${instance}?accepts_incomplete=true`, platform.provisionBody()],
      ['provision another', 'PUT', `/v2/service_instances/${randomUUID()}?accepts_incomplete=true`, platform.provisionBody()],
      ['update', 'PATCH', `${instance}?accepts_incomplete=true`, { service_id: LOCAL_SERVICE_ID, plan_id: LOCAL_PLANS.medium }],
      ['bind', 'PUT', `${instance}/service_bindings/b-new`, { service_id: LOCAL_SERVICE_ID, plan_id: LOCAL_PLANS.small }],
      ['fetch binding', 'GET', `${instance}/service_bindings/b-kept`],
      ['binding last_operation', 'GET', `${instance}/service_bindings/b-kept/last_operation`],
      ['unbind', 'DELETE', `${instance}/service_bindings/b-kept?${ids}`],
      ['deprovision', 'DELETE', `${instance}?accepts_incomplete=true&${ids}`],
    ];
    const answers: Record<string, number> = {};
    for (const code of [
      ['Throttling', 400],
      ['InternalFailure', 500],
      ['ServiceUnavailable', 503],
    ] as const) {
      await emulatorAdmin(stack, 'POST', 'faults', { actions: ['*'], error: { code: code[0], status: code[1] } });
      try {
        const responses = await Promise.all(calls.map(([, method, path, body]) => platform.call(method, path, body)));
        responses.forEach((response, i) => {
          const name = calls[i]![0];
          answers[`${code[0]} ${name}`] = response.status;
          expect(response.status, `${code[0]}: ${name}: ${response.text}`).to.equal(503);
          expect(response.json.description, name).to.contain(code[0]);
        });
        const poll = await platform.call('GET', `${instance}/last_operation?operation=provision`);
        expect(poll.status).to.equal(200);
        expect(poll.json.state).to.equal('in progress');
      } finally {
        await emulatorAdmin(stack, 'DELETE', 'faults');
      }
    }
    console.log(
      summary('aws faults past the retry budget', {
        requests: Object.keys(answers).length,
        statuses: countOf(Object.values(answers).map(String)),
      }),
    );
    // Nothing was changed while RDS failed: the binding is still there and the instance still exists.
    expect((await platform.call('GET', `${instance}/service_bindings/b-kept`)).status).to.equal(200);
    expect((await platform.call('DELETE', `${instance}?accepts_incomplete=true&${ids}`)).status).to.equal(202);
    expect((await platform.pollUntilDone(id, 'deprovision')).status).to.equal(410);
  });
});

function countOf(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
