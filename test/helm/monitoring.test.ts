import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { registry } from '../../src/metrics/metrics.js';
import { needPromtool, promtool } from '../support/promtool.js';
import { k8sTools } from './k8sTools.js';
import { manifestProblems } from './kubeSchemas.js';
import { chartDir, helmRunner, renderChart, type AnyManifest } from './render.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are walked as plain data */

const RELEASE = { namespace: 'brokers', job: 'rb-rds-broker' };
const SELECTOR = `namespace="${RELEASE.namespace}",job="${RELEASE.job}"`;
const ALERTS = [
  'RdsBrokerOperationStuck',
  'RdsBrokerRdsThrottling',
  'RdsBrokerRdsErrors',
  'RdsBrokerDatabaseTlsFailures',
  'RdsBrokerNoHousekeepingLeader',
  'RdsBrokerResyncBehind',
];

/** Every metric name a scrape of the broker can show: the registry's, with a histogram's series suffixes. */
function exposedNames(): Set<string> {
  const names = new Set<string>();
  for (const metric of registry.getMetricsAsArray()) {
    const name = (metric as unknown as { name: string }).name;
    names.add(name);
    for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
  }
  return names;
}

describe('Helm chart monitoring: PrometheusRule alerts and the Grafana dashboard', function () {
  this.timeout(240_000);
  let helmHome = '';
  let render: (sets?: string[]) => Promise<AnyManifest[]>;
  let helm: ReturnType<typeof helmRunner>;
  const work = mkdtempSync(join(tmpdir(), 'rds-broker-alerts-'));

  before(async function () {
    const tools = await k8sTools();
    if ('skipped' in tools) {
      console.log(`      skipped: ${tools.skipped}`);
      this.skip();
    }
    helmHome = mkdtempSync(join(tmpdir(), 'helm-home-'));
    helm = helmRunner(tools.helm, helmHome);
    render = (sets = []) => renderChart(helm, sets);
  });
  after(() => {
    if (helmHome) rmSync(helmHome, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  const rulesOf = async (sets: string[] = []) => {
    const docs = await render(['metrics.prometheusRule.enabled=true', ...sets]);
    const found = docs.filter((d) => d.kind === 'PrometheusRule');
    expect(found).to.have.length(1);
    return found[0]!;
  };
  const dashboardOf = async (sets: string[] = []) => {
    const docs = await render(['metrics.grafanaDashboard.enabled=true', ...sets]);
    const found = docs.filter((d) => d.kind === 'ConfigMap' && d.data?.['rds-broker.json']);
    expect(found).to.have.length(1);
    return found[0]!;
  };
  const alertsOf = (rule: AnyManifest): any[] => rule.spec.groups.flatMap((g: any) => g.rules);

  it('passes helm lint --strict with both on', async () => {
    const result = await helm([
      'lint',
      '--strict',
      chartDir,
      '--set',
      'metrics.prometheusRule.enabled=true',
      '--set',
      'metrics.grafanaDashboard.enabled=true',
    ]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.match(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders neither by default', async () => {
    const docs = await render();
    expect(docs.filter((d) => d.kind === 'PrometheusRule')).to.deep.equal([]);
    expect(docs.filter((d) => d.kind === 'ConfigMap' && d.data?.['rds-broker.json'])).to.deep.equal([]);
  });

  it("PrometheusRule: valid against the operator's CRD schema, the six alerts, each reading this release's series", async () => {
    const rule = await rulesOf(['metrics.prometheusRule.labels.release=prometheus']);
    expect(manifestProblems(rule)).to.deep.equal([]);
    expect(rule.metadata.namespace).to.equal('brokers');
    expect(rule.metadata.labels!.release).to.equal('prometheus');
    const alerts = alertsOf(rule);
    expect(alerts.map((a) => a.alert)).to.deep.equal(ALERTS);
    const names = exposedNames();
    for (const alert of alerts) {
      expect(alert.labels.severity, alert.alert).to.equal('warning');
      const metrics = [...(alert.expr as string).matchAll(/\b(rds_broker_\w+)\{([^}]*)\}/g)];
      expect(metrics, alert.alert).to.not.be.empty;
      for (const [, name, matchers] of metrics) {
        expect(names.has(name!), `${alert.alert} reads ${name}, which the broker exposes`).to.equal(true);
        expect(matchers!.startsWith(SELECTOR), `${alert.alert}: ${matchers}`).to.equal(true);
      }
    }
  });

  it('thresholds, durations, severities, extra labels and the selector come from values; alerts can be turned off', async () => {
    const rule = await rulesOf([
      'metrics.selector=job="brokers"',
      'metrics.prometheusRule.alertLabels.team=databases',
      'metrics.prometheusRule.alerts.operationStuck.maxAgeSeconds=36000',
      'metrics.prometheusRule.alerts.operationStuck.for=1h',
      'metrics.prometheusRule.alerts.operationStuck.severity=critical',
      'metrics.prometheusRule.alerts.rdsErrors.ignoredCodes=DBInstanceNotFound',
      'metrics.prometheusRule.alerts.rdsThrottling.enabled=false',
    ]);
    const alerts = Object.fromEntries(alertsOf(rule).map((a) => [a.alert, a]));
    expect(alerts.RdsBrokerRdsThrottling).to.equal(undefined);
    expect(alerts.RdsBrokerOperationStuck.expr).to.equal(
      'max by (namespace, job, kind) (rds_broker_operation_oldest_age_seconds{job="brokers"}) > 36000',
    );
    expect(alerts.RdsBrokerOperationStuck.for).to.equal('1h');
    expect(alerts.RdsBrokerOperationStuck.labels).to.deep.equal({ severity: 'critical', team: 'databases' });
    expect(alerts.RdsBrokerRdsErrors.expr).to.contain('code!~"DBInstanceNotFound"');
    expect(alerts.RdsBrokerRdsErrors.labels).to.deep.equal({ severity: 'warning', team: 'databases' });
  });

  it('with housekeeping.mode never, no alert expects a housekeeping leader or a resync', async () => {
    const names = alertsOf(await rulesOf(['config.housekeeping.mode=never'])).map((a) => a.alert);
    expect(names).to.not.include('RdsBrokerNoHousekeepingLeader');
    expect(names).to.not.include('RdsBrokerResyncBehind');
    expect(names).to.include('RdsBrokerOperationStuck');
  });

  it('values.schema.json refuses a threshold that is not a number and a duration Prometheus would not read', async () => {
    const failures = [
      ['metrics.prometheusRule.alerts.operationStuck.maxAgeSeconds=two-hours'],
      ['metrics.prometheusRule.alerts.resyncBehind.for=5 minutes'],
      ['metrics.prometheusRule.alerts.noSuchAlert.enabled=true'],
    ];
    for (const sets of failures) {
      const error = await render(['metrics.prometheusRule.enabled=true', ...sets]).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message, sets[0]).to.match(/values don't meet the specifications of the schema|additional properties/);
    }
  });

  it('Grafana dashboard: a ConfigMap with the sidecar label (configurable), valid JSON, panels reading metrics the broker exposes', async () => {
    const configMap = await dashboardOf();
    expect(manifestProblems(configMap)).to.deep.equal([]);
    expect(configMap.metadata.labels!.grafana_dashboard).to.equal('1');
    expect(configMap.metadata.namespace).to.equal('brokers');
    const dashboard = JSON.parse(configMap.data['rds-broker.json']);
    expect(dashboard.title).to.equal('rds-broker (brokers/rb-rds-broker)');
    expect(dashboard.uid).to.match(/^rds-broker-[0-9a-f]{16}$/);
    const titles = dashboard.panels.map((p: any) => p.title);
    for (const wanted of [
      'Operations in progress by kind and step',
      'Operations finished by kind and state',
      'last_operation poll latency',
      'RDS calls by action and outcome',
      'RDS throttles and errors by code',
      'Housekeeping leader by pod',
    ])
      expect(titles).to.include(wanted);
    const names = exposedNames();
    const exprs: string[] = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
    expect(exprs.length).to.be.greaterThan(10);
    for (const expr of exprs) {
      const metrics = [...expr.matchAll(/\b(rds_broker_\w+)\{([^}]*)\}/g)];
      expect(metrics, expr).to.not.be.empty;
      for (const [, name, matchers] of metrics) {
        expect(names.has(name!), `${name} is exposed`).to.equal(true);
        expect(matchers!.startsWith(SELECTOR), expr).to.equal(true);
      }
    }

    const custom = await dashboardOf([
      'metrics.grafanaDashboard.labels.grafana_dashboard=null',
      'metrics.grafanaDashboard.labels.dashboards=rds',
      'metrics.grafanaDashboard.annotations.grafana_folder=Databases',
      'metrics.grafanaDashboard.namespace=monitoring',
    ]);
    expect(custom.metadata.labels).to.include({ dashboards: 'rds' });
    expect(custom.metadata.labels).to.not.have.property('grafana_dashboard');
    expect(custom.metadata.annotations).to.deep.equal({ grafana_folder: 'Databases' });
    expect(custom.metadata.namespace).to.equal('monitoring');
  });

  it("promtool accepts every dashboard query and the chart's rules (PromQL and templates)", async function () {
    needPromtool(this);
    const dashboard = JSON.parse((await dashboardOf()).data['rds-broker.json']);
    const exprs: string[] = dashboard.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr));
    // Grafana's own variable, given a value Prometheus reads.
    const rules = exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll('$__rate_interval', '5m') }));
    writeFileSync(join(work, 'dashboard-queries.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    const queries = await promtool(['check', 'rules', join(work, 'dashboard-queries.yaml')]);
    expect(queries.code, queries.stdout + queries.stderr).to.equal(0);

    writeFileSync(join(work, 'chart-rules.yaml'), stringify({ groups: (await rulesOf()).spec.groups }));
    const checked = await promtool(['check', 'rules', join(work, 'chart-rules.yaml')]);
    expect(checked.code, checked.stdout + checked.stderr).to.equal(0);
    expect(checked.stdout).to.contain(`SUCCESS: ${ALERTS.length} rules found`);
  });

  it('promtool test rules: each alert fires on the series it is for, and not on those it is not', async function () {
    needPromtool(this);
    // Expected alerts must name their annotations in full: the rule file for this test keeps each
    // alert's summary (written out below) and leaves its long description to `promtool check rules`.
    const groups = (await rulesOf()).spec.groups.map((group: any) => ({
      ...group,
      rules: group.rules.map((rule: any) => ({ ...rule, annotations: { summary: rule.annotations.summary } })),
    }));
    writeFileSync(join(work, 'rules.yaml'), stringify({ groups }));
    writeFileSync(join(work, 'tests.yaml'), stringify(alertTests()));
    const result = await promtool(['test', 'rules', join(work, 'tests.yaml')]);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    expect(result.stdout).to.contain('SUCCESS');
  });
});

/** A series of this release (namespace and job as the ServiceMonitor's scrape sets them). */
function series(name: string, labels: Record<string, string>, values: string) {
  const all = { ...RELEASE, ...labels };
  return {
    series: `${name}{${Object.entries(all)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`,
    values,
  };
}

/** The labels an alert of this release carries. */
const fired = (labels: Record<string, string>, summary: string) => ({
  exp_labels: { severity: 'warning', ...RELEASE, ...labels },
  exp_annotations: { summary },
});

/**
 * Synthetic series, one minute apart, for each alert: the case it is for (firing after its `for`,
 * not before) and the cases it must not fire on. Thresholds are the chart's defaults.
 */
function alertTests() {
  const test = (name: string, input_series: unknown[], alert_rule_test: unknown[]) => ({
    name,
    interval: '1m',
    input_series,
    alert_rule_test,
  });
  const none = (alertname: string, eval_time: string) => ({ alertname, eval_time, exp_alerts: [] });
  return {
    rule_files: ['rules.yaml'],
    evaluation_interval: '1m',
    tests: [
      test(
        'an operation older than 7200 s, on one replica; younger ones and one that ended do not count',
        [
          // Seen by replica a, growing 60 s a minute: over 7200 s from minute 4.
          series('rds_broker_operation_oldest_age_seconds', { kind: 'restore', pod: 'a' }, '7000+60x30'),
          series('rds_broker_operation_oldest_age_seconds', { kind: 'restore', pod: 'b' }, '100+60x30'),
          series('rds_broker_operation_oldest_age_seconds', { kind: 'provision', pod: 'a' }, '60+60x30'),
          // Over the threshold, then finished before 5 minutes passed: the series leaves the scrape
          // (Prometheus marks it stale).
          series('rds_broker_operation_oldest_age_seconds', { kind: 'update', pod: 'b' }, '7300+60x3 stale'),
        ],
        [
          none('RdsBrokerOperationStuck', '3m'),
          // Over the threshold since minute 4, but not yet for 5 minutes.
          none('RdsBrokerOperationStuck', '8m'),
          {
            alertname: 'RdsBrokerOperationStuck',
            eval_time: '15m',
            exp_alerts: [fired({ kind: 'restore' }, 'An rds-broker restore has been in progress for more than 7200 s')],
          },
        ],
      ),
      test(
        'RDS throttling 0.2 calls a second for 20 minutes, over two replicas',
        [
          series('rds_broker_rds_calls_total', { action: 'DescribeDBInstances', outcome: 'throttled', pod: 'a' }, '0+6x40'),
          series('rds_broker_rds_calls_total', { action: 'ModifyDBInstance', outcome: 'throttled', pod: 'b' }, '0+6x40'),
          series('rds_broker_rds_calls_total', { action: 'DescribeDBInstances', outcome: 'ok', pod: 'a' }, '0+600x40'),
        ],
        [
          none('RdsBrokerRdsThrottling', '10m'),
          { alertname: 'RdsBrokerRdsThrottling', eval_time: '25m', exp_alerts: [fired({}, 'RDS is throttling rds-broker')] },
        ],
      ),
      test(
        'RDS throttling that does not last, or stays low',
        [
          // A 5-minute burst, then calm.
          series('rds_broker_rds_calls_total', { action: 'DescribeDBInstances', outcome: 'throttled', pod: 'a' }, '0+60x5 300+0x35'),
          // 0.05 a second throughout.
          series('rds_broker_rds_calls_total', { action: 'ModifyDBInstance', outcome: 'throttled', pod: 'b' }, '0+3x40'),
        ],
        [none('RdsBrokerRdsThrottling', '12m'), none('RdsBrokerRdsThrottling', '30m')],
      ),
      test(
        'RDS errors sustained, by code; not-found answers and throttles are not errors here',
        [
          series('rds_broker_rds_errors_total', { action: 'CreateDBInstance', outcome: 'error', code: 'AccessDenied', pod: 'a' }, '0+6x40'),
          series(
            'rds_broker_rds_errors_total',
            { action: 'DescribeDBInstances', outcome: 'error', code: 'DBInstanceNotFound', pod: 'a' },
            '0+60x40',
          ),
          series(
            'rds_broker_rds_errors_total',
            { action: 'DescribeDBInstances', outcome: 'throttled', code: 'Throttling', pod: 'a' },
            '0+60x40',
          ),
          // An error that came once and stopped.
          series(
            'rds_broker_rds_errors_total',
            { action: 'ModifyDBInstance', outcome: 'error', code: 'InvalidParameterCombination', pod: 'b' },
            '0 1+0x39',
          ),
        ],
        [
          none('RdsBrokerRdsErrors', '10m'),
          {
            alertname: 'RdsBrokerRdsErrors',
            eval_time: '25m',
            exp_alerts: [fired({ code: 'AccessDenied' }, 'RDS answers rds-broker with AccessDenied')],
          },
        ],
      ),
      test(
        'a database TLS failure alerts at once and clears 10 minutes after the last one',
        [
          series('rds_broker_database_tls_failures_total', { engine: 'postgres', failure: 'certificate', pod: 'a' }, '0x5 1x35'),
          series('rds_broker_database_tls_failures_total', { engine: 'mysql', failure: 'certificate', pod: 'a' }, '0x40'),
        ],
        [
          none('RdsBrokerDatabaseTlsFailures', '4m'),
          {
            alertname: 'RdsBrokerDatabaseTlsFailures',
            eval_time: '8m',
            exp_alerts: [
              fired(
                { engine: 'postgres', failure: 'certificate' },
                'rds-broker cannot connect securely to postgres databases (certificate)',
              ),
            ],
          },
          none('RdsBrokerDatabaseTlsFailures', '25m'),
        ],
      ),
      test(
        'no replica leads housekeeping for 5 minutes',
        [
          series('rds_broker_housekeeping_leader', { pod: 'a' }, '1x10 0x30'),
          series('rds_broker_housekeeping_leader', { pod: 'b' }, '0x40'),
        ],
        [
          none('RdsBrokerNoHousekeepingLeader', '5m'),
          none('RdsBrokerNoHousekeepingLeader', '13m'),
          {
            alertname: 'RdsBrokerNoHousekeepingLeader',
            eval_time: '25m',
            exp_alerts: [fired({}, 'No rds-broker replica runs housekeeping')],
          },
        ],
      ),
      test(
        'leadership moving from one replica to another is not an alert',
        [
          series('rds_broker_housekeeping_leader', { pod: 'a' }, '1x10 0x30'),
          series('rds_broker_housekeeping_leader', { pod: 'b' }, '0x11 1x29'),
        ],
        [none('RdsBrokerNoHousekeepingLeader', '20m'), none('RdsBrokerNoHousekeepingLeader', '35m')],
      ),
      test(
        'the resync stops succeeding at minute 10: behind once 600 s old, for 5 minutes',
        [
          // Unix time of the last success: every minute until 600 s, then no more.
          series('rds_broker_housekeeping_last_success_timestamp_seconds', { task: 'resync', pod: 'a' }, '0+60x10 600x30'),
          series('rds_broker_housekeeping_last_success_timestamp_seconds', { task: 'snapshot-cleanup', pod: 'a' }, '0x40'),
          series('rds_broker_housekeeping_leader', { pod: 'a' }, '1x40'),
        ],
        [
          none('RdsBrokerResyncBehind', '18m'),
          { alertname: 'RdsBrokerResyncBehind', eval_time: '30m', exp_alerts: [fired({}, "rds-broker's resync is falling behind")] },
        ],
      ),
      test(
        'a new leader goes on resyncing where the old one stopped: not behind',
        [
          series('rds_broker_housekeeping_last_success_timestamp_seconds', { task: 'resync', pod: 'a' }, '0+60x10 600x30'),
          series('rds_broker_housekeeping_last_success_timestamp_seconds', { task: 'resync', pod: 'b' }, '_x12 720+60x28'),
          series('rds_broker_housekeeping_leader', { pod: 'a' }, '1x10 0x30'),
          series('rds_broker_housekeeping_leader', { pod: 'b' }, '0x11 1x29'),
        ],
        [none('RdsBrokerResyncBehind', '25m'), none('RdsBrokerResyncBehind', '39m')],
      ),
      test(
        'a leader whose resync has never succeeded is behind after 5 minutes',
        [series('rds_broker_housekeeping_leader', { pod: 'a' }, '1x30')],
        [
          none('RdsBrokerResyncBehind', '3m'),
          { alertname: 'RdsBrokerResyncBehind', eval_time: '10m', exp_alerts: [fired({}, "rds-broker's resync is falling behind")] },
        ],
      ),
    ],
  };
}
