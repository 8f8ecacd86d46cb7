import { expect } from 'chai';
import { errorCodeLabel, recordRdsCall } from '../../src/metrics/metrics.js';
import { request, startTestServer, type TestServer } from '../support/http.js';
import { sample } from '../support/prometheus-text.js';
import { INSTANCE, RecordingBroker, testConfig } from './fixtures.js';

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

  it('counts failed RDS calls by action and error code, throttles included; successful calls add none', async () => {
    const throttled = { action: 'ModifyDBInstance', outcome: 'throttled', code: 'Throttling' };
    const refused = { action: 'ModifyDBInstance', outcome: 'error', code: 'InvalidDBInstanceState' };
    const text0 = await scrape();
    const [t0, r0] = [
      sample(text0, 'rds_broker_rds_errors_total', throttled) ?? 0,
      sample(text0, 'rds_broker_rds_errors_total', refused) ?? 0,
    ];
    recordRdsCall('ModifyDBInstance', 'throttled', 0.1, 'Throttling');
    recordRdsCall('ModifyDBInstance', 'error', 0.1, 'InvalidDBInstanceState');
    recordRdsCall('ModifyDBInstance', 'ok', 0.1);
    const text = await scrape();
    expect(sample(text, 'rds_broker_rds_errors_total', throttled)).to.equal(t0 + 1);
    expect(sample(text, 'rds_broker_rds_errors_total', refused)).to.equal(r0 + 1);
  });

  it('error codes that are not identifiers are folded into "other" (bounded label values)', () => {
    expect(errorCodeLabel('DBInstanceNotFound')).to.equal('DBInstanceNotFound');
    expect(errorCodeLabel('ECONNRESET')).to.equal('ECONNRESET');
    expect(errorCodeLabel('something went wrong: 42')).to.equal('other');
    expect(errorCodeLabel(undefined)).to.equal('other');
    expect(errorCodeLabel('x'.repeat(200))).to.equal('other');
  });

  it('includes the default process metrics', async () => {
    const text = await scrape();
    expect(text).to.match(/^process_cpu_seconds_total /m);
    expect(text).to.match(/^nodejs_eventloop_lag_seconds /m);
  });
});
