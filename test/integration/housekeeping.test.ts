import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { cleanUpSnapshots, resyncPendingSteps } from '../../src/housekeeping/jobs.js';
import { Step } from '../../src/reconcile/tags.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { emulatorAdmin, pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { bindUri, caOf, provisionAndWait, query, rdsTags, requestRestore, takeSnapshot } from '../support/osb-flows.js';

const DAY = 86_400_000;

describe('housekeeping against the emulator', function () {
  this.timeout(300_000);
  let stack: Stack;
  const a = randomUUID();

  before(async () => {
    stack = await startStack({ emulator: { speed: 0 } });
    expect((await provisionAndWait(stack, a)).state).to.equal('succeeded');
  });
  after(async () => {
    await stack?.stop();
  });

  const snapshotIds = async () => {
    const all = await stack.rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual' }));
    return (all.DBSnapshots ?? []).map((s) => s.DBSnapshotIdentifier!);
  };

  it("deletes this broker's snapshots past retention, keeps recent, foreign and final ones", async () => {
    const rds = stack.rds;
    await takeSnapshot(stack, a, 'hk-old');
    // Time passes in the emulator: what is taken from now on is 40 days younger.
    await emulatorAdmin(stack, 'POST', 'clock', { advanceMs: 40 * DAY });
    await takeSnapshot(stack, a, 'hk-recent');
    await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: `local-${a}`,
        DBSnapshotIdentifier: 'hk-foreign-old',
        Tags: [{ Key: 'Broker Name', Value: 'someone-else' }],
      }),
    );
    const deleted = randomUUID();
    expect((await provisionAndWait(stack, deleted)).state).to.equal('succeeded');
    expect(
      (
        await stack.server.client.delete(
          `/v2/service_instances/${deleted}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
        )
      ).status,
    ).to.equal(202);
    expect((await pollUntilDone(stack, deleted, 'deprovision')).status).to.equal(410);
    await emulatorAdmin(stack, 'POST', 'settle', {});
    const foreign = (await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'hk-foreign-old' }))).DBSnapshots![0]!;
    expect(foreign.TagList?.find((t) => t.Key === 'Broker Name')?.Value).to.equal('someone-else');

    // Housekeeping runs "now" in the emulator's time: 40 days after the first snapshot.
    const now = new Date(Date.now() + 40 * DAY);
    const removed = await cleanUpSnapshots({
      ...stack.broker.deps,
      config: { ...stack.broker.deps.config, snapshots: { retentionDays: 30, finalSnapshotRetentionDays: 90 } },
      now: () => now,
    });
    expect(removed).to.deep.equal(['hk-old']);
    const left = await snapshotIds();
    expect(left).to.include.members(['hk-recent', 'hk-foreign-old']);
    expect(left.some((id) => id.includes('final'))).to.equal(true);
    expect(left).to.not.include('hk-old');
  });

  it('completes a restore left half-way with nobody polling', async () => {
    const uri = await bindUri(stack, a, 'hk');
    await query(uri, caOf(stack), 'CREATE TABLE hk (v int); INSERT INTO hk VALUES (7)');
    await takeSnapshot(stack, a, 'hk-for-restore');
    const b = randomUUID();
    const response = await requestRestore(stack, b, { restore_from_latest_snapshot_of: a });
    expect(response.status).to.equal(202);
    const pending = () => rdsTags(stack, b).then((tags) => Object.values(Step).filter((step) => step in tags));
    expect(await pending()).to.have.length.greaterThan(0);
    for (let i = 0; i < 400 && (await pending()).length > 0; i++) {
      await resyncPendingSteps(stack.broker.deps);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await pending()).to.deep.equal([]);
    const restored = await bindUri(stack, b, 'after-resync');
    expect((await query(restored, caOf(stack), 'SELECT v FROM hk'))[0].v).to.equal(7);
  });
});
