import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { startModelEmulator } from './helpers.js';

/**
 * Aurora DB clusters through boto3 (Debian's python3-boto3): test/clients/boto3_clusters.py calls
 * every cluster action, and each answer is walked against botocore's own model, so a field the
 * model does not define, or of the wrong type, is a problem reported here.
 */
const script = fileURLToPath(new URL('../clients/boto3_clusters.py', import.meta.url));

function boto3Missing(): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'python3 with boto3 is not installed (Debian: python3-boto3; .ci/run installs it)';
  }
}

describe('emulator: DB clusters with boto3', function () {
  this.timeout(300_000);
  let emulator: RunningEmulator | undefined;

  before(async function () {
    const missing = boto3Missing();
    if (missing) {
      process.stdout.write(`      skipped: ${missing}\n`);
      this.skip();
    }
    emulator = await startModelEmulator();
  });
  after(async () => {
    await emulator?.stop();
  });

  it('every cluster answer parses with the model’s fields and types', async () => {
    const { stdout } = await promisify(execFile)('python3', [script, emulator!.url, emulator!.region], { timeout: 240_000 });
    const out = JSON.parse(stdout);
    expect(out.problems).to.deep.equal([]);
    expect(out.created_status).to.equal('creating');
    expect(out.members).to.deep.equal([
      ['b3-aurora-1', true],
      ['b3-aurora-2', false],
    ]);
    expect(out.capacity).to.deep.equal({ MinCapacity: 0.5, MaxCapacity: 4 });
    expect(out.reader_endpoint).to.equal('127.0.0.2');
    expect(out.pending).to.deep.equal({ EngineVersion: '16.6' });
    expect(out.snapshot_status).to.equal('available');
    expect(out.deleting_status).to.equal('deleting');
    expect(out.distinct_fields).to.be.greaterThan(150);
  });
});
