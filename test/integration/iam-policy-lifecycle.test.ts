import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import { checkMasterCredentials, cleanUpSnapshots, resyncPendingSteps } from '../../src/housekeeping/jobs.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { masterPassword } from '../../src/naming/derive.js';
import { iamPolicy, type PolicyDocument } from '../../src/operator/iam-policy.js';
import { bindUri, caOf, cfContext, provisionAndWait, query, requestRestore } from '../support/osb-flows.js';
import { emulatorAdmin, pollUntilDone, startStack, type Stack } from '../support/stack.js';

/**
 * The broker's whole life cycle against an emulator that enforces the IAM policy `rds-broker
 * iam-policy` generates for this test's own configuration (local mode's plans, with the broker name
 * and identifier prefix of the shipped deployment, deploy/configmap.yaml). A call the generator
 * forgets fails here with the permission and resource RDS would name, not in an operator's account.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The shipped deployment's broker settings, read from its config map, so the test follows them. */
function shippedBrokerSettings(): { name: string; identifierPrefix: string } {
  const configMap = readFileSync(`${root}/deploy/configmap.yaml`, 'utf8');
  const name = /\n {6}name: (\S+)/.exec(configMap.slice(configMap.indexOf('    broker:')))?.[1];
  const identifierPrefix = /identifierPrefix: (\S+)/.exec(configMap)?.[1];
  if (!name || !identifierPrefix) throw new Error('deploy/configmap.yaml has no broker.name or broker.identifierPrefix');
  return { name, identifierPrefix };
}

describe('the broker’s life cycle under the IAM policy generated for its configuration', function () {
  this.timeout(600_000);
  const shipped = shippedBrokerSettings();
  let stack: Stack;
  let policy: PolicyDocument;
  let ca: string;
  const a = randomUUID();
  const others: string[] = [];
  let uriA = '';
  let between: Date;

  const denials = () => stack.emulator.iamDenials().map((d) => `${d.call}: ${d.action} on ${d.resource} (${d.decision})`);
  /** Every stage ends with this: nothing the broker asked for was refused. */
  const noneDenied = (stage: string) => expect(denials(), `refused during ${stage}`).to.deep.equal([]);
  const rdsId = (instanceId: string) => `${shipped.identifierPrefix}-${instanceId}`;
  const deprovision = async (id: string) => {
    const response = await stack.server.client.delete(
      `/v2/service_instances/${id}?accepts_incomplete=true&service_id=${LOCAL_SERVICE_ID}&plan_id=${LOCAL_PLANS.small}`,
    );
    expect(response.status, response.text).to.equal(202);
    return pollUntilDone(stack, id, 'deprovision');
  };

  before(async () => {
    stack = await startStack({
      emulator: { speed: 0 },
      configure: (document) => {
        document.broker.name = shipped.name;
        document.broker.identifierPrefix = shipped.identifierPrefix;
      },
    });
    ca = caOf(stack);
    // The policy names the configured region: the emulator must be in it, or nothing would match.
    expect(stack.config.aws.region).to.equal(stack.emulator.region);
    policy = iamPolicy(stack.config);
    // Local mode's plan parameter groups are the operator's, made before the broker runs; from here
    // on every call is the broker's, under the generated policy.
    stack.emulator.setIamPolicies([JSON.stringify(policy)]);
  });
  after(async () => {
    if (stack) {
      const left = denials();
      if (left.length > 0) process.stdout.write(`      IAM refused:\n${left.map((d) => `        ${d}`).join('\n')}\n`);
      await stack.stop();
    }
  });

  it('provisions, binds, writes', async () => {
    const done = await provisionAndWait(stack, a, { parameters: { enable_extensions: ['citext'] } });
    noneDenied('provision');
    expect(done.state, done.description).to.equal('succeeded');
    uriA = await bindUri(stack, a, 'app');
    await query(uriA, ca, "CREATE TABLE t (v text); INSERT INTO t VALUES ('first')");
    await sleep(1500);
    between = new Date();
    await sleep(1500);
    await query(uriA, ca, "INSERT INTO t VALUES ('second')");
    noneDenied('bind');
  });

  it('updates with a preloaded extension: a broker-managed parameter group, the switch to it, the reboot', async () => {
    const response = await stack.server.client.patch(`/v2/service_instances/${a}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      parameters: { enable_extensions: ['citext', 'pg_stat_statements'] },
    });
    expect(response.status, response.text).to.equal(202);
    const done = await pollUntilDone(stack, a, response.json.operation);
    noneDenied('update');
    expect(done.state, done.description).to.equal('succeeded');
    const described = await stack.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: rdsId(a) }));
    expect(described.DBInstances![0]!.DBParameterGroups![0]!.DBParameterGroupName).to.equal('rdsbroker-postgres17-pg-stat-statements');
    expect((await query(uriA, ca, 'SELECT count(*)::int AS n FROM pg_stat_statements'))[0].n).to.be.a('number');
  });

  it('restores from the latest snapshot and to a point in time', async () => {
    const b = randomUUID();
    others.push(b);
    const fromSnapshot = await requestRestore(stack, b, { restore_from_latest_snapshot_of: a });
    expect(fromSnapshot.status, fromSnapshot.text).to.equal(202);
    const doneB = await pollUntilDone(stack, b, 'restore');
    noneDenied('restore from a snapshot');
    expect(doneB.state, doneB.description).to.equal('succeeded');

    const c = randomUUID();
    others.push(c);
    const toTime = await requestRestore(stack, c, {
      restore_from_point_in_time_of: a,
      restore_from_point_in_time_before: between.toISOString(),
    });
    expect(toTime.status, toTime.text).to.equal(202);
    const doneC = await pollUntilDone(stack, c, 'restore');
    noneDenied('point-in-time restore');
    expect(doneC.state, doneC.description).to.equal('succeeded');
    expect((await query(await bindUri(stack, c, 'reader'), ca, 'SELECT v FROM t')).map((r) => r.v)).to.deep.equal(['first']);
  });

  it('deprovisions (final snapshot, retained backups) and recovers the deleted instance both ways', async () => {
    await sleep(3000); // the last rows reach the WAL archive
    expect((await deprovision(a)).status).to.equal(410);
    noneDenied('deprovision');

    const d = randomUUID();
    others.push(d);
    const fromFinal = await requestRestore(stack, d, { restore_from_latest_snapshot_of: a });
    expect(fromFinal.status, fromFinal.text).to.equal(202);
    const doneD = await pollUntilDone(stack, d, 'restore');
    noneDenied('recovery from the final snapshot');
    expect(doneD.state, doneD.description).to.equal('succeeded');
    expect((await query(await bindUri(stack, d, 'app'), ca, 'SELECT v FROM t ORDER BY v')).map((r) => r.v)).to.deep.equal([
      'first',
      'second',
    ]);

    const e = randomUUID();
    others.push(e);
    const toTime = await stack.server.client.put(`/v2/service_instances/${e}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      parameters: { restore_from_point_in_time_of: a, restore_from_point_in_time_before: between.toISOString() },
    });
    expect(toTime.status, toTime.text).to.equal(202);
    const doneE = await pollUntilDone(stack, e, 'restore');
    noneDenied('recovery to a point in time');
    expect(doneE.state, doneE.description).to.equal('succeeded');
  });

  it('runs housekeeping: credential repair, resync, snapshot retention', async () => {
    // A master password changed behind the broker's back (as in the console) is repaired.
    const b = others[0]!;
    const secret = stack.config.broker.derivationSecrets[0]!;
    const master = new URL(await bindUri(stack, b, 'probe'));
    master.username = 'rdsadmin_broker';
    master.password = masterPassword(secret, b);
    await query(master.toString(), ca, "ALTER ROLE CURRENT_USER PASSWORD 'changed-by-hand-1'");
    expect(await checkMasterCredentials(stack.broker.deps)).to.deep.equal([b]);
    noneDenied('credential repair');

    await resyncPendingSteps(stack.broker.deps);
    noneDenied('resync');

    // 100 days on, the final snapshot of the deleted instance is past its retention.
    await emulatorAdmin(stack, 'POST', 'clock', { advanceMs: 100 * DAY });
    const now = new Date(Date.now() + 100 * DAY);
    const removed = await cleanUpSnapshots({ ...stack.broker.deps, now: () => now });
    noneDenied('snapshot retention');
    expect(removed.length).to.be.greaterThan(0);
  });

  it('deprovisions everything it made', async () => {
    const results = await Promise.all(others.map((id) => deprovision(id)));
    noneDenied('final deprovisions');
    expect(results.map((r) => r.status)).to.deep.equal(others.map(() => 410));
  });

  it('answers a provision the policy refuses with the permission to grant, not a bare internal error', async () => {
    const denying = { ...policy, Statement: [...policy.Statement, { Effect: 'Deny', Action: 'rds:CreateDBInstance', Resource: '*' }] };
    stack.emulator.setIamPolicies([JSON.stringify(denying)]);
    try {
      const id = randomUUID();
      const response = await stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
        service_id: LOCAL_SERVICE_ID,
        plan_id: LOCAL_PLANS.small,
        context: cfContext(),
      });
      expect(response.status, response.text).to.equal(500);
      expect(response.json.description).to.include('AccessDenied').and.to.include('rds:CreateDBInstance');
      // The broker's own identity stays in its log, not in the platform user's answer.
      expect(response.json.description).not.to.match(/arn:aws:(iam|sts)/);
      const listed = await stack.rds.send(new DescribeDBInstancesCommand({}));
      expect(listed.DBInstances!.map((i) => i.DBInstanceIdentifier)).not.to.include(rdsId(id));
    } finally {
      stack.emulator.setIamPolicies([JSON.stringify(policy)]);
    }
  });
});
