import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

interface Line {
  metric: string;
  value: number | null;
  [detail: string]: unknown;
}

/**
 * The budget, fleet and soak scenarios of `npm run bench` at a tiny size (20 provisions, 20
 * instances, phases of seconds): the real processes (`rds-broker emulator --throttle`, the
 * compiled broker) over real HTTP. Only correctness is checked: the run exits 0 and prints every
 * figure, with counts that add up; never how fast anything was.
 */
describe('benchmark scenarios budget, fleet and soak at a tiny size', function () {
  this.timeout(280_000);
  let outDir: string;
  let figures: Line[];
  let stderr = '';

  before(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'rds-broker-bench-scenarios-'));
    const args = ['--import', 'tsx', 'bench/run.ts', '--out', outDir, '--scenarios', 'budget,fleet,soak'];
    args.push('--provisions', '20', '--budget-poll-interval', '1', '--budget-poll-seconds', '3');
    args.push('--fleet-instances', '20', '--fleet-poll-interval', '1', '--fleet-seconds', '3', '--fleet-request-every', '1');
    args.push('--soak-instances', '20', '--soak-rate', '20', '--soak-seconds', '3', '--rss-every', '1');
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code, stderr.slice(-3000)).to.equal(0);
    figures = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Line);
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  const figure = (metric: string): Line => {
    const found = figures.find((f) => f.metric === metric);
    expect(found, `a ${metric} figure in:\n${figures.map((f) => f.metric).join('\n')}`).to.not.equal(undefined);
    return found!;
  };

  it('budget: every provision answered, 202 or 503 with Retry-After, each accepted one created once', () => {
    const accepted = figure('budget_accepted');
    const statuses = accepted.statuses as Record<string, number>;
    expect(Object.values(statuses).reduce((a, b) => a + b, 0)).to.equal(20);
    // 20 fit in the default burst (280): none may be refused.
    expect(accepted.value).to.equal(20);
    expect(accepted.refused_503).to.equal(0);
    const creates = figure('budget_creates_per_instance');
    expect(creates.instances_created).to.equal(20);
    expect(creates.create_calls).to.be.at.least(20);
    expect((accepted.by_action as Record<string, number>).CreateDBInstance).to.equal(creates.create_calls);
    expect(figure('budget_failed_polls').value).to.equal(0);
    const polls = figure('budget_poll_calls_per_second');
    expect(polls.polls).to.be.greaterThan(0);
    expect(polls.ok).to.equal(polls.polls);
    expect(figure('budget_throttled_share').value).to.be.a('number');
  });

  it('fleet: polls answered, provisions sent meanwhile, the request waits read from /metrics', () => {
    const calls = figure('fleet_rds_calls_per_second');
    expect(calls.value).to.be.a('number');
    expect(calls.polls).to.be.greaterThan(0);
    expect(calls.ok).to.equal(calls.polls);
    expect(calls.rds_calls).to.be.greaterThan(0);
    const waits = figure('fleet_request_waits_over_1s');
    expect(waits.value).to.be.a('number');
    expect(waits.provisions).to.be.greaterThan(0);
    expect(waits.provision_statuses).to.deep.equal({ 202: waits.provisions });
    // Each provision's RDS calls drew on the budget as requests.
    expect(waits.request_calls).to.be.at.least(waits.provisions as number);
    expect(figure('fleet_failed_polls').value).to.equal(0);
  });

  it('soak: resident memory over time and its peak', () => {
    const readings = figures.filter((f) => f.metric === 'soak_rss_mb');
    expect(readings.length).to.be.at.least(2);
    for (const r of readings) expect(r.value).to.be.greaterThan(0);
    // The heap comes from the broker's /metrics, which a reading gives up on after 5 s: at least one has it.
    expect(readings.some((r) => (r.heap_used_mb as number) > 0)).to.equal(true);
    const peak = figure('soak_rss_peak_mb');
    expect(peak.value).to.equal(Math.max(...readings.filter((r) => (r.t_s as number) >= 0).map((r) => r.value as number)));
    expect(peak.ok).to.equal(peak.polls);
    expect(figure('soak_rss_growth_mb').value).to.be.a('number');
    expect(existsSync(join(outDir, 'broker-soak.log'))).to.equal(true);
    expect(existsSync(join(outDir, 'emulator-budget.log'))).to.equal(true);
  });
});
