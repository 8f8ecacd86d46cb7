import { expect } from 'chai';
import { formatFigure, judged } from '../../bench/figures.js';
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
        outDir: 'bench/out',
      });
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
