import { expect } from 'chai';
import { housekeepingEvery } from '../../bench/broker-config.js';
import { formatFigure, judged } from '../../bench/figures.js';
import { entrypointNodeFlags } from '../../bench/node-flags.js';
import { budgetWaits, counterSum, parseMetrics, since } from '../../bench/prometheus.js';
import { BenchUsageError, parseBenchOptions } from '../../bench/options.js';
import { pollPaths } from '../../bench/seed.js';
import { formatTable, parseFigures } from '../../bench/table.js';
import { callDelta, median, percentile, summarise } from '../../bench/stats.js';

/** The benchmark's pure parts: statistics, options, figure lines, poll targets. */
describe('benchmark parts', () => {
  describe('percentile (nearest rank)', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    it('picks the smallest value with p percent of the samples at or below it', () => {
      expect(percentile(hundred, 50)).to.equal(50);
      expect(percentile(hundred, 99)).to.equal(99);
      expect(percentile(hundred, 100)).to.equal(100);
      expect(percentile(hundred, 0)).to.equal(1);
      expect(percentile([7], 99)).to.equal(7);
      expect(percentile([1, 2, 3], 50)).to.equal(2);
      expect(percentile([1, 2, 3, 4], 50)).to.equal(2);
    });
    it('has no value without samples and refuses a percentage outside 0..100', () => {
      expect(percentile([], 50)).to.equal(undefined);
      expect(() => percentile([1], 101)).to.throw(RangeError);
      expect(() => percentile([1], Number.NaN)).to.throw(RangeError);
    });
  });

  it('summarises unsorted samples', () => {
    const summary = summarise([5, 1, 4, 2, 3])!;
    expect(summary).to.deep.equal({ count: 5, p50: 3, p90: 5, p99: 5, max: 5, mean: 3 });
    expect(summarise([])).to.equal(undefined);
  });

  it('takes the median of start-up samples', () => {
    expect(median([900, 300, 600])).to.equal(600);
    expect(median([4, 1, 3, 2])).to.equal(3);
    expect(median([])).to.equal(undefined);
  });

  it('counts the calls made between two readings of the counters, by action', () => {
    const delta = callDelta(
      { DescribeDBInstances: 10, CreateDBInstance: 5 },
      { DescribeDBInstances: 14, CreateDBInstance: 5, AddTagsToResource: 2 },
    );
    expect(delta).to.deep.equal({ total: 6, byAction: { DescribeDBInstances: 4, AddTagsToResource: 2 } });
  });

  describe('options', () => {
    it('defaults to the figures the targets are stated for', () => {
      const options = parseBenchOptions([], {});
      expect(options).to.deep.equal({
        instances: 1000,
        pollIntervalSeconds: 10,
        steadySeconds: 20,
        latencyRate: 500,
        latencySeconds: 15,
        throughputSeconds: 10,
        concurrency: 256,
        startupRuns: 3,
        speed: 1000,
        modes: ['on', 'off'],
        scenarios: ['polls', 'budget', 'fleet', 'soak'],
        provisions: 1000,
        budgetPollInterval: 60,
        budgetPollSeconds: 180,
        fleetInstances: 10000,
        fleetPollInterval: 60,
        fleetSeconds: 180,
        fleetRequestEvery: 5,
        soakInstances: 1000,
        soakRate: 200,
        soakSeconds: 360,
        rssEvery: 15,
        outDir: 'bench/out',
      });
    });
    it('runs the scenarios named, in their documented order, and refuses unknown ones', () => {
      expect(parseBenchOptions(['--scenarios', 'soak,budget'], {})).to.deep.include({ scenarios: ['budget', 'soak'] });
      expect(parseBenchOptions([], { BENCH_SCENARIOS: 'fleet' })).to.deep.include({ scenarios: ['fleet'] });
      expect(() => parseBenchOptions(['--scenarios', 'budget,storm'], {})).to.throw(BenchUsageError, /unknown scenario "storm"/);
      expect(() => parseBenchOptions(['--scenarios', ','], {})).to.throw(BenchUsageError, /at least one scenario/);
    });
    it('takes the command line over the environment', () => {
      const options = parseBenchOptions(['--instances', '200', '--modes', 'off'], { BENCH_INSTANCES: '300', BENCH_WINDOW_MS: '200' });
      expect(options).to.include({ instances: 200, windowMs: 200 });
      expect((options as { modes: string[] }).modes).to.deep.equal(['off']);
    });
    it('refuses bad values with the option named', () => {
      expect(() => parseBenchOptions(['--instances', 'many'], {})).to.throw(BenchUsageError, /--instances must be a number/);
      expect(() => parseBenchOptions(['--instances', '1.5'], {})).to.throw(BenchUsageError, /integer/);
      expect(() => parseBenchOptions([], { BENCH_WINDOW_MS: '900' })).to.throw(
        BenchUsageError,
        /BENCH_WINDOW_MS must be between 0 and 250/,
      );
      expect(() => parseBenchOptions(['--modes', 'on,sideways'], {})).to.throw(BenchUsageError, /unknown mode "sideways"/);
      expect(() => parseBenchOptions(['--frobnicate'], {})).to.throw(BenchUsageError);
      expect(parseBenchOptions(['--help'], {})).to.equal('help');
    });
  });

  describe('figures', () => {
    it('judges a figure against its target', () => {
      expect(judged({ metric: 'rds_calls_per_poll', value: 1, unit: 'calls/poll', coalescing: true })).to.include({
        target: '<= 1',
        met: true,
      });
      expect(judged({ metric: 'polls_per_second', value: 1999, unit: 'polls/s', coalescing: false })).to.include({
        target: '>= 2000',
        met: false,
      });
      expect(judged({ metric: 'latency_p99_ms', value: null, unit: 'ms', coalescing: false })).to.include({ met: false });
    });
    it('holds only the coalesced call rate to the 5 calls/s target', () => {
      expect(judged({ metric: 'rds_calls_per_second', value: 4, unit: 'calls/s', coalescing: true })).to.include({ met: true });
      expect(judged({ metric: 'rds_calls_per_second', value: 100, unit: 'calls/s', coalescing: false })).to.not.have.property('met');
      expect(judged({ metric: 'latency_p50_ms', value: 3, unit: 'ms', coalescing: false })).to.not.have.property('target');
    });
    it('prints one JSON line that starts with metric, value, unit and mode', () => {
      const line = formatFigure({ metric: 'rss_mb', value: 88.5, unit: 'MiB', coalescing: true, instances: 1000 });
      expect(line).to.not.include('\n');
      expect(Object.keys(JSON.parse(line))).to.deep.equal(['metric', 'value', 'unit', 'coalescing', 'instances', 'target', 'met']);
      expect(JSON.parse(line)).to.include({ value: 88.5, met: true });
    });
  });

  describe("the broker's /metrics", () => {
    const text = [
      '# HELP rds_broker_rds_budget_wait_seconds Time an RDS call waited',
      '# TYPE rds_broker_rds_budget_wait_seconds histogram',
      'rds_broker_rds_budget_wait_seconds_bucket{le="0",priority="request"} 5',
      'rds_broker_rds_budget_wait_seconds_bucket{le="0.5",priority="request"} 7',
      'rds_broker_rds_budget_wait_seconds_bucket{le="1",priority="request"} 8',
      'rds_broker_rds_budget_wait_seconds_bucket{le="2.5",priority="request"} 10',
      'rds_broker_rds_budget_wait_seconds_bucket{le="+Inf",priority="request"} 10',
      'rds_broker_rds_budget_wait_seconds_sum{priority="request"} 6.5',
      'rds_broker_rds_budget_wait_seconds_count{priority="request"} 10',
      'rds_broker_rds_budget_wait_seconds_bucket{priority="poll",le="0"} 3',
      'rds_broker_rds_budget_wait_seconds_bucket{priority="poll",le="1"} 3',
      'rds_broker_rds_budget_wait_seconds_bucket{priority="poll",le="+Inf"} 3',
      'rds_broker_rds_budget_wait_seconds_count{priority="poll"} 3',
      'rds_broker_rds_calls_total{action="CreateDBInstance",outcome="ok"} 4',
      'rds_broker_rds_calls_total{action="CreateDBInstance",outcome="throttled"} 1',
      'nodejs_heap_size_used_bytes 1048576',
    ].join('\n');
    it('reads samples with their labels, whatever their order', () => {
      const samples = parseMetrics(text);
      expect(samples).to.have.length(14);
      expect(samples[0]).to.deep.equal({
        name: 'rds_broker_rds_budget_wait_seconds_bucket',
        labels: { le: '0', priority: 'request' },
        value: 5,
      });
      expect(counterSum(samples, 'rds_broker_rds_calls_total', { action: 'CreateDBInstance' })).to.equal(5);
      expect(counterSum(samples, 'rds_broker_rds_calls_total', { outcome: 'throttled' })).to.equal(1);
    });
    it('counts the budget waits over a second, by priority', () => {
      const samples = parseMetrics(text);
      expect(budgetWaits(samples, 'request')).to.deep.equal({ count: 10, over: 2, overSeconds: 1, maxWithinSeconds: 2.5 });
      expect(budgetWaits(samples, 'poll')).to.deep.equal({ count: 3, over: 0, overSeconds: 1, maxWithinSeconds: 0 });
      expect(budgetWaits(samples, 'background')).to.deep.equal({ count: 0, over: 0, overSeconds: 1, maxWithinSeconds: null });
    });
    it('takes the waits of one phase as the difference of two readings', () => {
      const before = parseMetrics(text);
      const after = parseMetrics(
        text
          .replace('le="+Inf",priority="request"} 10', 'le="+Inf",priority="request"} 13')
          .replace('_count{priority="request"} 10', '_count{priority="request"} 13'),
      );
      // All three waited past the last finite bound (2.5 s).
      expect(budgetWaits(since(after, before), 'request')).to.deep.equal({ count: 3, over: 3, overSeconds: 1, maxWithinSeconds: Infinity });
    });
  });

  it("runs housekeeping at the scenario's pace, seconds or minutes", () => {
    expect(housekeepingEvery(60)).to.deep.equal({
      mode: 'always',
      resync: '*/1 * * * *',
      credentialCheck: '*/1 * * * *',
      jitterSeconds: 30,
    });
    expect(housekeepingEvery(2)).to.deep.equal({
      mode: 'always',
      resync: '*/2 * * * * *',
      credentialCheck: '*/2 * * * * *',
      jitterSeconds: 1,
    });
  });

  it("starts brokers with the node flags of the image's ENTRYPOINT", () => {
    const dockerfile = ['FROM x', 'ENTRYPOINT ["/nodejs/bin/node", "--a", "--b=4", "/app/bin/rds-broker.js", "serve"]', 'CMD []'].join(
      '\n',
    );
    expect(entrypointNodeFlags(dockerfile)).to.deep.equal(['--a', '--b=4']);
    expect(entrypointNodeFlags('ENTRYPOINT ["/nodejs/bin/node", "/app/bin/rds-broker.js", "serve"]')).to.deep.equal([]);
    expect(() => entrypointNodeFlags('ENTRYPOINT node /app/bin/rds-broker.js')).to.throw(/exec form/);
    expect(() => entrypointNodeFlags('CMD []')).to.throw(/no ENTRYPOINT/);
  });

  it('polls each instance of the fleet once per round, both kinds interleaved', () => {
    const paths = pollPaths({ creating: ['c1', 'c2', 'c3'], updating: ['u1'] }).map((p) => p.path);
    expect(paths).to.deep.equal([
      '/v2/service_instances/u1/last_operation?operation=update',
      '/v2/service_instances/c1/last_operation?operation=provision',
      '/v2/service_instances/c2/last_operation?operation=provision',
      '/v2/service_instances/c3/last_operation?operation=provision',
    ]);
  });

  it('tabulates figures by mode and window, with their targets', () => {
    const output = [
      '[bench] progress lines are ignored',
      '{"metric":"rds_calls_per_second","value":4.01,"unit":"calls/s","coalescing":true,"window_ms":250,"target":"<= 5","met":true,"load_1m":1.2}',
      '{"metric":"rds_calls_per_second","value":100,"unit":"calls/s","coalescing":false}',
      '{"metric":"rds_calls_per_poll","value":1,"unit":"calls/poll","coalescing":false,"target":"<= 1","met":true}',
    ].join('\n');
    const figures = parseFigures(output);
    expect(figures).to.have.length(3);
    expect(formatTable(figures).split('\n')).to.deep.equal([
      '| figure | target | coalescing on (250 ms) | coalescing off |',
      '| --- | --- | --- | --- |',
      '| `rds_calls_per_poll` (calls/poll) | <= 1 |  | 1 ✔ |',
      '| `rds_calls_per_second` (calls/s) | <= 5 | 4.01 ✔ (load 1.2) | 100 |',
    ]);
  });
});
