import { expect } from 'chai';
import { KubeApiDouble, microNow } from './kubeApiDouble.js';
import { LeaderSampler, RecordedElector, leaseName, namespace, overlaps, sleep, storeFor, waitFor } from './leaderHarness.js';

/**
 * Leader election through @kubernetes/client-node against an HTTP double of the Lease API.
 * Short timings keep it quick: the lease lasts 2 s, a leader gives up after 1.2 s without renewing,
 * and everyone retries every 0.2 s.
 */
const timings = { leaseDurationMs: 2_000, renewDeadlineMs: 1_200, retryPeriodMs: 200 };

describe('leader election against the Kubernetes Lease API (HTTP double)', function () {
  this.timeout(30_000);
  let api: KubeApiDouble;
  let electors: RecordedElector[] = [];

  beforeEach(async () => {
    api = new KubeApiDouble();
    await api.start();
  });

  afterEach(async () => {
    await Promise.all(electors.map((e) => e.elector.stop()));
    electors = [];
    await api.close();
  });

  function spawn(count: number, options: { onStopped?: () => Promise<void> } = {}): RecordedElector[] {
    const created = Array.from(
      { length: count },
      (_, i) => new RecordedElector(api, `replica-${electors.length + i + 1}`, timings, options),
    );
    electors.push(...created);
    for (const e of created) e.elector.start();
    return created;
  }

  const leaders = () => electors.filter((e) => e.isLeader());
  const storedHolder = () => api.lease(namespace, leaseName)?.spec.holderIdentity;

  it('three electors: exactly one leads, the same one, and the Lease names it', async () => {
    spawn(3);
    await waitFor(() => leaders().length > 0, 'a first leader');
    const leader = leaders()[0]!;
    const sampler = new LeaderSampler(electors);
    // Several lease durations: renewals must keep the same leader, and nobody else may claim it.
    await sleep(2 * timings.leaseDurationMs);
    sampler.stop();

    expect(sampler.counts.length, 'samples taken').to.be.greaterThan(100);
    expect(
      sampler.counts.filter((n) => n !== 1),
      'samples where the leader count was not exactly one',
    ).to.deep.equal([]);
    expect(leader.intervals, 'the leader led once, without interruption').to.have.length(1);
    expect(
      electors.filter((e) => e !== leader).flatMap((e) => e.intervals),
      'the others never led',
    ).to.deep.equal([]);
    expect(storedHolder()).to.equal(leader.identity);
    const renewals = api.writes.filter((w) => w.outcome === 'stored' && w.holderIdentity === leader.identity);
    expect(renewals.length, 'the leader kept renewing').to.be.greaterThan(5);
  });

  it('the others take over once the leader stops renewing, and only after its lease expired', async () => {
    spawn(3);
    await waitFor(() => leaders().length > 0, 'a first leader');
    const first = leaders()[0]!;
    const sampler = new LeaderSampler(electors);
    api.setFault(first.token, { kind: 'error', status: 500 });
    await waitFor(() => leaders().some((e) => e !== first), 'another leader');
    sampler.stop();

    const successor = leaders()[0]!;
    expect(successor).to.not.equal(first);
    expect(first.isLeader()).to.equal(false);
    expect(overlaps(electors), 'leadership intervals that overlap').to.deep.equal([]);
    expect(sampler.max(), 'most electors leading in any sample').to.equal(1);
    // On the API server's own record: the takeover was written a full lease duration after the
    // old leader's last renewal reached it.
    const lastRenewal = api.writes.filter((w) => w.outcome === 'stored' && w.holderIdentity === first.identity).at(-1)!;
    const takeover = api.writes.find((w) => w.outcome === 'stored' && w.holderIdentity === successor.identity)!;
    expect(takeover.at - lastRenewal.at).to.be.at.least(timings.leaseDurationMs);
    expect(api.lease(namespace, leaseName)?.spec.leaseTransitions).to.equal(1);
  });

  for (const fault of [{ kind: 'error', status: 500 } as const, { kind: 'hang' } as const]) {
    it(`a leader whose renewals ${fault.kind === 'hang' ? 'hang' : 'fail with 500'} stops leading before its lease could expire`, async () => {
      spawn(2);
      await waitFor(() => leaders().length > 0, 'a first leader');
      const leader = leaders()[0]!;
      api.setFault(leader.token, fault);
      await waitFor(() => !leader.isLeader(), 'the leader to stop');
      const interval = leader.lastInterval()!;
      const lastRenewal = api.writes.filter((w) => w.outcome === 'stored' && w.holderIdentity === leader.identity).at(-1)!;
      expect(interval.end, 'its signal was aborted').to.be.a('number');
      // The property that prevents split brain: its work stopped before anyone could take over.
      expect(interval.end!).to.be.below(lastRenewal.at + timings.leaseDurationMs);
      await waitFor(() => leaders().length === 1 && leaders()[0] !== leader, 'the other elector to take over');
      expect(overlaps(electors)).to.deep.equal([]);
      expect(leader.stoppedCallbacks).to.equal(1);
    });
  }

  it('no split brain when writes keep conflicting (another writer bumps resourceVersion half the time)', async () => {
    const trio = spawn(3);
    for (const e of trio) api.setFault(e.token, { kind: 'conflict', probability: 0.5 });
    const sampler = new LeaderSampler(electors);
    await sleep(3 * timings.leaseDurationMs);
    sampler.stop();

    const conflicts = api.writes.filter((w) => w.outcome === 'conflict' || w.outcome === 'exists').length;
    expect(conflicts, 'conflicts the electors met').to.be.greaterThan(5);
    expect(electors.flatMap((e) => e.intervals).length, 'someone led despite the conflicts').to.be.greaterThan(0);
    expect(sampler.max(), 'most electors leading in any sample').to.be.at.most(1);
    expect(overlaps(electors), 'leadership intervals that overlap').to.deep.equal([]);
    expect(
      api.writes.filter((w) => w.outcome === 'invalid'),
      'writes the API server would refuse',
    ).to.deep.equal([]);
  });

  it('a stopping leader stops its work first, then releases the lease, and another takes it at once', async () => {
    const order: string[] = [];
    spawn(2, {
      onStopped: async () => {
        await sleep(50);
        order.push('work stopped');
      },
    });
    await waitFor(() => leaders().length > 0, 'a first leader');
    const leader = leaders()[0]!;
    const other = electors.find((e) => e !== leader)!;
    const writesBefore = api.writes.length;
    await leader.elector.stop();
    order.push('stop returned');

    const release = api.writes.slice(writesBefore).find((w) => w.token === leader.token && w.outcome === 'stored');
    expect(release, 'a release write').to.not.equal(undefined);
    expect(release!.holderIdentity, 'the released lease names nobody').to.equal(undefined);
    expect(order).to.deep.equal(['work stopped', 'stop returned']);
    const releasedAt = release!.at;
    await waitFor(() => other.isLeader(), 'the other elector to take over');
    const takeover = api.writes.find((w) => w.at > releasedAt && w.holderIdentity === other.identity)!;
    // Released, so no need to wait out the lease duration.
    expect(takeover.at - releasedAt).to.be.below(timings.leaseDurationMs);
    expect(overlaps(electors)).to.deep.equal([]);
  });

  it('waits out a lease held by someone else that keeps being renewed, and never leads meanwhile', async () => {
    // A holder outside this test (another broker version, kubectl) renews the lease.
    const renew = () =>
      api.put(namespace, leaseName, { holderIdentity: 'outsider', leaseDurationSeconds: 2, renewTime: microNow(), leaseTransitions: 0 });
    renew();
    const outsider = setInterval(renew, 300);
    try {
      spawn(2);
      await sleep(2 * timings.leaseDurationMs);
      expect(electors.flatMap((e) => e.intervals)).to.deep.equal([]);
    } finally {
      clearInterval(outsider);
    }
    // Once the outsider stops, its lease expires and one elector takes over.
    await waitFor(() => leaders().length === 1, 'a leader after the outsider left');
    expect(storedHolder()).to.equal(leaders()[0]!.identity);
  });

  it('reads a Lease the API server wrote, and writes times the API server accepts (RFC 3339 with microseconds)', async () => {
    const store = storeFor(api, 'inspector');
    expect(await store.read(AbortSignal.timeout(5_000))).to.equal(undefined);
    spawn(1);
    await waitFor(() => leaders().length === 1, 'the single elector to lead');
    const raw = api.lease(namespace, leaseName)!;
    expect(raw.spec.renewTime).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(raw.spec.leaseDurationSeconds).to.equal(2);
    const record = await store.read(AbortSignal.timeout(5_000));
    expect(record?.holderIdentity).to.equal(electors[0]!.identity);
    expect(record?.renewTime).to.be.instanceOf(Date);
    expect(record?.renewTime?.toISOString()).to.equal(String(raw.spec.renewTime).replace(/000Z$/, 'Z'));
    expect(record?.resourceVersion).to.equal(raw.metadata.resourceVersion);
  });
});
