import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { BrokerProcesses } from '../support/broker-process.js';
import { request } from '../support/http.js';
import { cfContext } from '../support/osb-flows.js';
import { sample, samples } from '../support/prometheus-text.js';
import { needPromtool, promtool } from '../support/promtool.js';
import { emulatorAdmin, startStack, type Stack } from '../support/stack.js';

/**
 * The metrics an operator's Prometheus scrapes, from a real `serve` process that runs housekeeping
 * (mode always, the resync every second): after real traffic — a provision with a step, RDS
 * throttling a poll — the series say what happened, and Prometheus's own linter accepts the page.
 */
describe('/metrics of a real broker process', function () {
  this.timeout(240_000);
  let stack: Stack;
  let processes: BrokerProcesses;
  let broker: Awaited<ReturnType<BrokerProcesses['start']>>;
  const scrape = async () => {
    const res = await request(`${broker.client.baseUrl}/metrics`);
    expect(res.status).to.equal(200);
    return res.text;
  };
  const id = randomUUID();
  let duringProvision = '';

  before(async () => {
    stack = await startStack({ emulator: { speed: 0.05 } });
    processes = new BrokerProcesses(stack.emulator.url, stack.emulator.caFile, (document) => {
      document.housekeeping = { ...(document.housekeeping ?? {}), resync: '* * * * * *', jitterSeconds: 0 };
    });
    broker = await processes.start({ RDS_BROKER_HOUSEKEEPING_MODE: 'always' });
    const created = await broker.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
      context: cfContext(),
      parameters: { enable_extensions: ['citext'] },
    });
    expect(created.status, created.text).to.equal(202);
    duringProvision = await scrape();
    // RDS throttles the next two DescribeDBInstances; the gateway retries through them.
    await emulatorAdmin(stack, 'POST', 'faults', {
      actions: ['DescribeDBInstances'],
      error: { code: 'Throttling', status: 400 },
      count: 2,
    });
    for (let i = 0; i < 600; i++) {
      const poll = await broker.client.get(`/v2/service_instances/${id}/last_operation?operation=provision`);
      expect(poll.status, poll.text).to.equal(200);
      if (poll.json.state !== 'in progress') {
        expect(poll.json.state, poll.text).to.equal('succeeded');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  after(async () => {
    await emulatorAdmin(stack, 'DELETE', 'faults').catch(() => undefined);
    await processes?.stopAll();
    await stack?.stop();
  });

  it('shows the provision in progress while it runs, with its age, and counts it finished once it succeeded', async () => {
    const during = samples(duringProvision, 'rds_broker_operations_in_progress').filter((s) => s.labels.kind === 'provision');
    expect(
      during.reduce((sum, s) => sum + s.value, 0),
      duringProvision
        .split('\n')
        .filter((l) => l.includes('operation'))
        .join('\n'),
    ).to.equal(1);
    expect(sample(duringProvision, 'rds_broker_operation_oldest_age_seconds', { kind: 'provision' })).to.be.a('number');
    const after = await scrape();
    expect(samples(after, 'rds_broker_operations_in_progress').filter((s) => s.labels.kind === 'provision')).to.deep.equal([]);
    expect(sample(after, 'rds_broker_operations_finished_total', { kind: 'provision', state: 'succeeded' })).to.equal(1);
  });

  it('counts the throttled RDS calls by action and code', async () => {
    const text = await scrape();
    expect(
      sample(text, 'rds_broker_rds_errors_total', { action: 'DescribeDBInstances', outcome: 'throttled', code: 'Throttling' }),
    ).to.be.at.least(2);
    expect(sample(text, 'rds_broker_rds_calls_total', { action: 'DescribeDBInstances', outcome: 'throttled' })).to.be.at.least(2);
  });

  it('says this replica leads housekeeping and when the resync last succeeded', async () => {
    let text = await scrape();
    // The resync runs every second; its first run may still be ahead right after start.
    for (
      let i = 0;
      i < 300 && sample(text, 'rds_broker_housekeeping_last_success_timestamp_seconds', { task: 'resync' }) === undefined;
      i++
    ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      text = await scrape();
    }
    expect(sample(text, 'rds_broker_housekeeping_leader', {})).to.equal(1);
    expect(
      sample(text, 'rds_broker_housekeeping_last_success_timestamp_seconds', { task: 'resync' }),
      text
        .split('\n')
        .filter((l) => l.startsWith('rds_broker_housekeeping'))
        .join('\n') + broker.output().slice(-3000),
    ).to.be.greaterThan(Date.parse('2020-01-01') / 1000);
    expect(sample(text, 'rds_broker_housekeeping_runs_total', { task: 'resync', outcome: 'success' })).to.be.at.least(1);
  });

  it('passes `promtool check metrics` (Prometheus naming and format rules) with no problem', async function () {
    needPromtool(this);
    const text = await scrape();
    // The page carries every series this test fed, so the linter sees them all.
    for (const name of ['rds_broker_operations_finished_total', 'rds_broker_rds_errors_total', 'rds_broker_housekeeping_leader'])
      expect(text).to.contain(`# TYPE ${name}`);
    const result = await promtool(['check', 'metrics'], text);
    expect(result.stdout + result.stderr).to.equal('');
    expect(result.code).to.equal(0);
  });
});
