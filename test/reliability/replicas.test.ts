import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startEmulator } from '../../src/emulator/index.js';
import { localConfigDocument, newLocalSecret } from '../../src/local/config.js';
import { ensureLocalParameterGroups } from '../../src/local/parameter-groups.js';
import { KubeApiDouble } from '../housekeeping/kubeApiDouble.js';
import { sturdyRdsClient, sturdyRdsGateway } from './support/database.js';
import { checkEndState, prepareSource, runFlow, type Flow } from './support/flows.js';
import { Platform } from './support/platform.js';
import { seededRandom, seedFor, summary } from './support/report.js';
import { freePort, scratchDir, ServeProcess, writeConfig } from './support/serve.js';

/**
 * Replicas: three `rds-broker serve` processes on one configuration serve one platform in rotation
 * (each request to the next replica). Housekeeping is elected through a Kubernetes Lease held in an
 * HTTP double of the API server; its jobs are scheduled every few seconds so that who runs them
 * shows within the test. The leader is killed half-way: another replica must take over, and at no
 * moment may two replicas run housekeeping.
 */

const NAMESPACE = 'brokers';
const LEASE = 'rds-broker-housekeeping';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Incarnation {
  replica: string;
  pid: number;
  /** Times (ms) it logged "started leading" and "stopped leading", and when its job runs finished. */
  started: number[];
  stopped: number[];
  jobRuns: number[];
  jobs: Record<string, number>;
}

/** Reads each process's JSON log lines, per process ID (a restarted replica is a new incarnation). */
function incarnations(replicas: ServeProcess[]): Incarnation[] {
  const out = new Map<number, Incarnation>();
  for (const replica of replicas) {
    for (const line of replica.logLines()) {
      const pid = line.pid as number;
      if (!out.has(pid)) out.set(pid, { replica: replica.name, pid, started: [], stopped: [], jobRuns: [], jobs: {} });
      const entry = out.get(pid)!;
      const at = Date.parse(line.time as string);
      if (line.msg === 'started leading') entry.started.push(at);
      if (line.msg === 'stopped leading') entry.stopped.push(at);
      if (line.msg === 'housekeeping run finished') {
        entry.jobRuns.push(at);
        entry.jobs[line.job as string] = (entry.jobs[line.job as string] ?? 0) + 1;
      }
    }
  }
  return [...out.values()];
}

describe('reliability: three replicas in rotation, housekeeping on exactly one', function () {
  this.timeout(600_000);
  const api = new KubeApiDouble();
  let emulator: Awaited<ReturnType<typeof startEmulator>>;
  let scratch: ReturnType<typeof scratchDir>;
  const replicas: ServeProcess[] = [];

  after(async () => {
    for (const replica of replicas) await replica.stop();
    await emulator?.stop();
    await api.close();
    scratch?.remove();
  });

  it('flows complete across the replicas; one leader runs the jobs; killing it hands them to another', async () => {
    const seed = seedFor('replicas');
    const random = seededRandom(seed);
    await api.start();
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 200, region: 'eu-west-1', log: () => undefined });
    const rds = sturdyRdsClient(emulator.url);
    const groups = sturdyRdsGateway(emulator.url);
    await ensureLocalParameterGroups(groups);
    groups.close();
    scratch = scratchDir('rdsb-replicas-');
    const kubeconfig = join(scratch.dir, 'kubeconfig.yaml');
    writeFileSync(
      kubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'double',
            cluster: { server: api.url, 'certificate-authority-data': Buffer.from(api.certificatePem).toString('base64') },
          },
        ],
        users: [{ name: 'broker', user: { token: 'replica-token' } }],
        contexts: [{ name: 'double', context: { cluster: 'double', user: 'broker', namespace: NAMESPACE } }],
        'current-context': 'double',
      }),
    );
    const secret = { id: 'local1', value: newLocalSecret() };
    const credentials = { username: 'platform', password: 'platform-password-for-replica-tests' };
    const document: Record<string, any> = localConfigDocument({
      port: 0,
      emulatorUrl: emulator.url,
      caFile: emulator.caFile,
      ...credentials,
      derivationSecret: secret.value,
    });
    document.housekeeping = {
      mode: 'leader',
      // Seconds-resolution schedules, so each job runs several times within the test.
      snapshotCleanup: '*/3 * * * * *',
      credentialCheck: '*/3 * * * * *',
      resync: '* * * * * *',
      jitterSeconds: 0,
      // Short enough for a takeover within the test, long enough that a busy machine does not make leadership flap.
      lease: { name: LEASE, namespace: NAMESPACE, kubeconfig, durationSeconds: 4, renewDeadlineSeconds: 3, retryPeriodSeconds: 1 },
    };
    const configFile = writeConfig(scratch.dir, 'config.yaml', document);
    for (let i = 0; i < 3; i++) replicas.push(new ServeProcess(`replica-${i}`, configFile, await freePort(), { POD_NAME: `replica-${i}` }));
    await Promise.all(replicas.map((r) => r.start()));
    const platform = new Platform(() => replicas.map((r) => r.url), credentials);

    const holder = () => api.lease(NAMESPACE, LEASE)?.spec.holderIdentity as string | undefined;
    const replicaOf = (identity: string | undefined) => replicas.find((r) => identity?.startsWith(`${r.name}_`));
    const waitForHolder = async (not?: string) => {
      for (let i = 0; i < 300; i++) {
        const current = holder();
        if (current && current !== not && replicaOf(current)) return current;
        await sleep(50);
      }
      throw new Error(`no new lease holder (last: ${holder()})`);
    };

    const firstHolder = await waitForHolder();
    const firstLeader = replicaOf(firstHolder)!;
    const sourceId = randomUUID();
    await prepareSource(platform, rds, sourceId, readFileSync(emulator.caFile, 'utf8'));
    const flows: Flow[] = Array.from({ length: 6 }, (_, i) => ({
      id: randomUUID(),
      kind: i % 2 === 0 ? 'provision' : 'restore',
      bindings: i < 3 ? { create: [`b-${i}-kept`, `b-${i}-removed`], remove: [`b-${i}-removed`] } : { create: [], remove: [] },
      states: [],
    }));
    const running = Promise.allSettled(flows.map((flow) => runFlow(platform, flow, sourceId)));

    // The first leader has been running its jobs since the source was prepared; kill it early in the flows.
    await sleep(500 + Math.floor(random() * 1000));
    const killedAt = Date.now();
    const unfinishedAtKill = flows.filter((f) => f.outcome === undefined).length;
    await firstLeader.kill();
    const secondHolder = await waitForHolder(firstHolder);
    const takeoverMs = Date.now() - killedAt;
    await firstLeader.start();
    const results = await running;
    // The new leader runs every job at least once (bounded wait: the jobs run every few seconds).
    const secondPid = () => incarnations(replicas).find((l) => l.replica === replicaOf(secondHolder)!.name && l.started.length > 0);
    for (let i = 0; i < 400 && Object.keys(secondPid()?.jobs ?? {}).length < 3; i++) await sleep(50);

    const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [`${flows[i]!.id}: ${(r.reason as Error).message}`] : []));
    expect(rejected).to.deep.equal([]);
    expect(flows.map((f) => f.outcome)).to.deep.equal(flows.map(() => 'succeeded'));
    expect(flows.filter((f) => f.states.includes('failed'))).to.deep.equal([]);
    const expected = new Map<string, { roles: string[]; restored: boolean }>([[sourceId, { roles: ['source-binding'], restored: false }]]);
    for (const flow of flows)
      expected.set(flow.id, {
        roles: flow.bindings.create.filter((b) => !flow.bindings.remove.includes(b)),
        restored: flow.kind === 'restore',
      });
    const end = await checkEndState(rds, emulator.caFile, secret, expected);

    // Housekeeping: who led, when, and who ran jobs.
    const lives = incarnations(replicas);
    const leaders = lives.filter((l) => l.started.length > 0);
    const runners = lives.filter((l) => l.jobRuns.length > 0);
    console.log(
      summary('replicas', {
        seed,
        flows: flows.length,
        unfinishedAtKill,
        requests: platform.requests,
        connectionRetries: platform.connectionRetries,
        takeoverMs,
        holders: [firstHolder, secondHolder],
        incarnations: lives.map((l) => ({ replica: l.replica, led: l.started.length > 0, jobRuns: l.jobRuns.length, jobs: l.jobs })),
        ...end,
      }),
    );
    expect(unfinishedAtKill, 'flows still running when the leader was killed').to.be.greaterThan(0);
    expect(replicaOf(secondHolder)).to.not.equal(firstLeader);
    expect(leaders.map((l) => l.replica).sort(), 'incarnations that ever led').to.deep.equal(
      [firstLeader.name, replicaOf(secondHolder)!.name].sort(),
    );
    expect(runners.map((l) => l.pid).sort(), 'only the leaders ran jobs').to.deep.equal(leaders.map((l) => l.pid).sort());
    for (const runner of runners)
      expect(Object.keys(runner.jobs).sort(), `${runner.replica} ran every job`).to.deep.equal([
        'credential-check',
        'resync',
        'snapshot-cleanup',
      ]);
    // No two at once: every job run of the first leader finished before the second started leading.
    const [first, second] = [leaders.find((l) => l.replica === firstLeader.name)!, leaders.find((l) => l.replica !== firstLeader.name)!];
    expect(Math.max(...first.jobRuns)).to.be.below(Math.min(...second.started));
    expect(replicas.every((r) => r.unexpectedExits.length === 0)).to.equal(true);
  });
});
