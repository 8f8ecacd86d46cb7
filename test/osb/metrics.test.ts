import { expect } from 'chai';
import { recordRdsCall } from '../../src/metrics/metrics.js';
import { request, startTestServer, type TestServer } from '../support/http.js';
import { INSTANCE, RecordingBroker, testConfig } from './fixtures.js';

/** The value of one sample line in Prometheus text format, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const labelText = line.slice(name.length + 1, line.lastIndexOf('}'));
    const found = Object.fromEntries([...labelText.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

describe('/metrics', () => {
  let server: TestServer;
  let broker: RecordingBroker;

  beforeEach(async () => {
    broker = new RecordingBroker();
    server = await startTestServer({ config: testConfig(), broker });
  });
  afterEach(() => server.close());

  const scrape = async () => {
    const res = await request(`${server.url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    return res.text;
  };

  it('counts requests by route template and status, never by raw path', async () => {
    const route = '/v2/service_instances/:instance_id/last_operation';
    const before = sample(await scrape(), 'rds_broker_http_request_duration_seconds_count', { method: 'GET', route, status: '200' }) ?? 0;
    await server.client.get(`/v2/service_instances/${INSTANCE}/last_operation`);
    await server.client.get(`/v2/service_instances/another-instance/last_operation`);
    const text = await scrape();
    expect(sample(text, 'rds_broker_http_request_duration_seconds_count', { method: 'GET', route, status: '200' })).to.equal(before + 2);
    expect(text).not.to.contain(INSTANCE);
  });

  it('counts unmatched and refused requests under bounded labels', async () => {
    await request(`${server.url}/v2/catalog`); // 401
    const text = await scrape();
    expect(
      sample(text, 'rds_broker_http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status: '401' }),
    ).to.be.greaterThan(0);
  });

  it('exposes RDS calls recorded by the AWS gateway, by action and outcome', async () => {
    const labels = { action: 'DescribeDBInstances', outcome: 'throttled' };
    const before = sample(await scrape(), 'rds_broker_rds_calls_total', labels) ?? 0;
    recordRdsCall('DescribeDBInstances', 'throttled', 0.25);
    recordRdsCall('DescribeDBInstances', 'throttled', 0.5);
    const text = await scrape();
    expect(sample(text, 'rds_broker_rds_calls_total', labels)).to.equal(before + 2);
    expect(sample(text, 'rds_broker_rds_call_duration_seconds_count', labels)).to.equal(before + 2);
  });

  it('includes the default process metrics', async () => {
    const text = await scrape();
    expect(text).to.match(/^process_cpu_seconds_total /m);
    expect(text).to.match(/^nodejs_eventloop_lag_seconds /m);
  });
});
