import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { cfContext, instanceExists, provisionAndWait, requestRestore, takeSnapshot } from '../support/osb-flows.js';

/**
 * No existence oracle across tenants: a restore naming another tenant's instance — live or deleted,
 * from a snapshot or to a point in time — answers exactly as one naming an instance that never
 * existed. The answers are compared with the named ID taken out: same status, same words.
 */
describe('restores reveal nothing of other tenants', function () {
  this.timeout(300_000);
  let stack: Stack;
  const live = randomUUID();
  const deleted = randomUUID();
  const otherTenant = cfContext('a-space-of-someone-else', 'an-org-of-someone-else');

  before(async () => {
    stack = await startStack();
    expect((await provisionAndWait(stack, live)).state).to.equal('succeeded');
    await takeSnapshot(stack, live, `manual-${live.slice(0, 8)}`);
    expect((await provisionAndWait(stack, deleted)).state).to.equal('succeeded');
    const gone = await stack.server.client.delete(
      `/v2/service_instances/${deleted}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
    );
    expect(gone.status).to.equal(202);
    expect((await pollUntilDone(stack, deleted, 'deprovision')).status).to.equal(410);
  });
  after(async () => {
    await stack?.stop();
  });

  /** The answer to a restore of `source` by `context`, the source's ID replaced, and that nothing was created. */
  async function answer(kind: string, source: string, context: Record<string, unknown>) {
    const target = randomUUID();
    const response = await requestRestore(stack, target, { [kind]: source }, context);
    expect(await instanceExists(stack, target), 'nothing is created for a refused restore').to.equal(false);
    return { status: response.status, body: JSON.stringify(response.json).split(source).join('<source>') };
  }

  for (const kind of ['restore_from_latest_snapshot_of', 'restore_from_point_in_time_of']) {
    it(`${kind}: another tenant's live instance reads as one that never existed`, async () => {
      const never = await answer(kind, randomUUID(), otherTenant);
      expect(never.status).to.equal(400);
      expect(await answer(kind, live, otherTenant)).to.deep.equal(never);
    });

    it(`${kind}: another tenant's deleted instance (recovery) reads as one that never existed`, async () => {
      const never = await answer(kind, randomUUID(), otherTenant);
      expect(never.status).to.equal(400);
      expect(await answer(kind, deleted, otherTenant)).to.deep.equal(never);
    });
  }

  it('the owner still restores both (the refusals above are about the tenant, not the sources)', async () => {
    for (const [kind, source] of [
      ['restore_from_latest_snapshot_of', live],
      ['restore_from_latest_snapshot_of', deleted],
    ] as const) {
      const target = randomUUID();
      const response = await requestRestore(stack, target, { [kind]: source });
      expect(response.status, response.text).to.equal(202);
    }
  });
});
