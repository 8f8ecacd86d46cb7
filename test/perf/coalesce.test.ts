import { expect } from 'chai';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import { RdsGateway, type RdsGatewayOptions } from '../../src/aws/gateway.js';
import { RdsError } from '../../src/aws/errors.js';
import type { ObservedInstance } from '../../src/reconcile/observed.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { inParallel } from '../../bench/seed.js';

/**
 * Coalesced describes through the real gateway, the real SDK and the emulator: correctness only
 * (who gets which instance, what fails when a batch fails), with RDS calls counted by the emulator.
 */

const INSTANCES = 260;
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-real-secret' };
const nameOf = (i: number) => `perf-${String(i).padStart(4, '0')}`;

describe('coalesced describes against the emulator', function () {
  this.timeout(120_000);
  let emulator: RunningEmulator;
  const gateways: RdsGateway[] = [];

  function gateway(coalesce: Partial<RdsGatewayOptions['coalesce']> = {}): RdsGateway {
    const made = new RdsGateway({
      region: emulator.region,
      endpoint: emulator.url,
      credentials,
      // One attempt: an injected error must reach the callers, not be retried away.
      retry: { maxAttempts: 1, budgetMs: 5000, baseDelayMs: 10, maxDelayMs: 10 },
      coalesce: { enabled: true, windowMs: 50, maxIdentifiers: 100, ...coalesce },
    });
    gateways.push(made);
    return made;
  }

  const describeCalls = () => emulator.stats().calls.DescribeDBInstances ?? 0;

  async function injectFault(spec: Record<string, unknown>): Promise<void> {
    const response = await fetch(`${emulator.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    if (response.status !== 201) throw new Error(`fault injection answered ${response.status}: ${await response.text()}`);
  }

  before(async () => {
    emulator = await startEmulator({ speed: 0, databases: 'none', visibilityLagMs: 0, log: () => undefined });
    const client = new RDSClient({ endpoint: emulator.url, region: emulator.region, credentials, maxAttempts: 1 });
    try {
      const indexes = Array.from({ length: INSTANCES }, (_, i) => i);
      await inParallel(indexes, 16, async (i) => {
        await client.send(
          new CreateDBInstanceCommand({
            DBInstanceIdentifier: nameOf(i),
            DBInstanceClass: 'db.t4g.micro',
            Engine: 'postgres',
            MasterUsername: 'master',
            MasterUserPassword: `master-password-${i}`,
            AllocatedStorage: 20 + (i % 7),
            Tags: [{ Key: 'Instance Index', Value: String(i) }],
          }),
        );
      });
    } finally {
      client.destroy();
    }
  });

  after(async () => {
    for (const made of gateways) made.close();
    await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' }).catch(() => undefined);
    await emulator?.stop();
  });

  afterEach(async () => {
    await fetch(`${emulator.url}/_emulator/faults`, { method: 'DELETE' });
  });

  it('gives each of 250 concurrent describes its own instance, in at most 3 RDS calls', async () => {
    const rds = gateway();
    const before = describeCalls();
    const observed = await Promise.all(Array.from({ length: 250 }, (_, i) => rds.describeInstance(nameOf(i))));
    const calls = describeCalls() - before;
    observed.forEach((instance, i) => {
      expect(instance, nameOf(i)).to.not.equal(undefined);
      expect(instance!.identifier).to.equal(nameOf(i));
      expect(instance!.tags['Instance Index']).to.equal(String(i));
      expect(instance!.allocatedStorage).to.equal(20 + (i % 7));
    });
    expect(calls).to.be.at.least(1).and.at.most(3);
  });

  it('sees the same instance, tags included, as an uncoalesced describe does', async () => {
    const coalesced = gateway();
    const single = gateway({ enabled: false });
    const names = [nameOf(3), nameOf(77), nameOf(201)];
    const batched = await Promise.all(names.map((name) => coalesced.describeInstance(name)));
    const alone = await Promise.all(names.map((name) => single.describeInstance(name)));
    // The latest restorable time moves with the clock between the two reads; all else must match.
    const steady = (o: ObservedInstance | undefined) => {
      const { latestRestorableTime: _moving, ...rest } = o!;
      return rest;
    };
    expect(batched.map(steady)).to.deep.equal(alone.map(steady));
    expect(batched.map((o) => o?.identifier)).to.deep.equal(names);
  });

  it('answers undefined for missing instances without failing the others, coalesced or not', async () => {
    for (const rds of [gateway(), gateway({ enabled: false })]) {
      const names = [nameOf(1), 'perf-missing-1', nameOf(2), 'perf-missing-2', nameOf(259)];
      const outcomes = await Promise.allSettled(names.map((name) => rds.describeInstance(name)));
      expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      const values = outcomes.map((o) => (o.status === 'fulfilled' ? o.value?.identifier : 'rejected'));
      expect(values).to.deep.equal([nameOf(1), undefined, nameOf(2), undefined, nameOf(259)]);
    }
  });

  it('finds an instance asked for in another case, as a single describe does', async () => {
    for (const rds of [gateway(), gateway({ enabled: false })]) {
      const found = await Promise.all([rds.describeInstance(nameOf(12).toUpperCase()), rds.describeInstance(nameOf(13))]);
      expect(found.map((o) => o?.identifier)).to.deep.equal([nameOf(12), nameOf(13)]);
    }
  });

  it('answers undefined for a batch in which no instance exists', async () => {
    const rds = gateway();
    const values = await Promise.all(['perf-nothing-1', 'perf-nothing-2'].map((name) => rds.describeInstance(name)));
    expect(values).to.deep.equal([undefined, undefined]);
  });

  it('fails only the callers of the batch that met an injected error; the other batch and the next one work', async () => {
    // The first full batch (100 identifiers, sent at once) meets the fault; the remaining 50 go in
    // a second call a whole window later, which the one-shot fault no longer touches.
    const rds = gateway({ windowMs: 200 });
    await injectFault({ actions: ['DescribeDBInstances'], error: { code: 'InternalFailure', status: 500 }, count: 1 });
    const outcomes = await Promise.allSettled(Array.from({ length: 150 }, (_, i) => rds.describeInstance(nameOf(i))));
    const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(rejected).to.deep.equal(Array.from({ length: 100 }, (_, i) => i));
    for (const outcome of outcomes.slice(0, 100)) {
      const reason = (outcome as PromiseRejectedResult).reason;
      expect(reason).to.be.instanceOf(RdsError);
      expect((reason as RdsError).code).to.equal('InternalFailure');
      expect((reason as RdsError).retryable).to.equal(true);
    }
    outcomes.slice(100).forEach((outcome, j) => {
      expect(outcome.status).to.equal('fulfilled');
      expect((outcome as PromiseFulfilledResult<{ identifier: string } | undefined>).value?.identifier).to.equal(nameOf(100 + j));
    });
    const next = await Promise.all([rds.describeInstance(nameOf(5)), rds.describeInstance(nameOf(6))]);
    expect(next.map((o) => o?.identifier)).to.deep.equal([nameOf(5), nameOf(6)]);
  });

  it('hands each caller its own copy, even when two ask for the same instance in one batch', async () => {
    const rds = gateway();
    const before = describeCalls();
    const [first, second] = await Promise.all([rds.describeInstance(nameOf(9)), rds.describeInstance(nameOf(9))]);
    expect(describeCalls() - before).to.equal(1);
    expect(first).to.deep.equal(second);
    expect(first).to.not.equal(second);
    expect(first!.tags).to.not.equal(second!.tags);
  });

  it('makes one RDS call per describe with coalescing off', async () => {
    const rds = gateway({ enabled: false });
    const before = describeCalls();
    const observed = await Promise.all(Array.from({ length: 20 }, (_, i) => rds.describeInstance(nameOf(i))));
    expect(observed.map((o) => o?.identifier)).to.deep.equal(Array.from({ length: 20 }, (_, i) => nameOf(i)));
    expect(describeCalls() - before).to.equal(20);
  });
});
