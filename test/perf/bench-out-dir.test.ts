import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

/**
 * `npm run bench -- --out DIR` with DIR outside the repository, as an operator keeps figures apart from
 * the checkout. The compiled broker used to be written into DIR, where it found neither the
 * repository's packages nor its module type, and every broker process died at start.
 * A short run: only that the benchmark completes and writes where it was told is checked, no timing.
 */
describe('benchmark with --out outside the repository', function () {
  this.timeout(240_000);
  let outDir: string;
  before(() => {
    outDir = mkdtempSync(join(tmpdir(), 'rds-broker-bench-out-'));
  });
  after(() => rmSync(outDir, { recursive: true, force: true }));

  it('completes, prints its figures and leaves the logs in DIR', async () => {
    const args = ['--import', 'tsx', 'bench/run.ts', '--out', outDir, '--scenarios', 'polls', '--instances', '20', '--steady-seconds', '2'];
    args.push('--latency-seconds', '2', '--throughput-seconds', '2', '--startup-runs', '1', '--modes', 'on');
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((done) => child.on('exit', done));
    expect(code, stderr.slice(-2000)).to.equal(0);

    const figures = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { metric: string; value: number });
    const throughput = figures.find((figure) => figure.metric === 'polls_per_second');
    expect(throughput, 'a polls_per_second figure').to.not.equal(undefined);
    expect(throughput!.value).to.be.greaterThan(0);
    expect(existsSync(join(outDir, 'emulator.log'))).to.equal(true);
    expect(existsSync(join(outDir, 'broker-coalescing-on.log'))).to.equal(true);
  });
});
