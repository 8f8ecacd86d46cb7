import { expect } from 'chai';
import { execFile, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { startModelEmulator } from './helpers.js';

/**
 * A client this project did not write: boto3 (Debian's python3-boto3) runs create → describe →
 * modify a parameter group → snapshot → restore → delete against the emulator. botocore parses
 * every answer, and test/clients/boto3_journey.py walks each one against the operation's output
 * shape in botocore's own model: every field present must have the model's type.
 */

const script = fileURLToPath(new URL('../clients/boto3_journey.py', import.meta.url));

function boto3Missing(): string | undefined {
  try {
    execFileSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'python3 with boto3 is not installed (Debian: python3-boto3; .ci/run installs it)';
  }
}

describe('emulator: a boto3 journey', function () {
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

  it('creates, describes, changes a parameter group, snapshots, restores and deletes; every field parses with the model’s type', async () => {
    const { stdout } = await promisify(execFile)('python3', [script, emulator!.url, emulator!.region, 'j1'], { timeout: 240_000 });
    const out = JSON.parse(stdout);
    expect(out.problems).to.deep.equal([]);
    expect(out.created_status).to.equal('creating');
    expect(out.engine).to.equal('postgres');
    expect(out.allocated_storage).to.equal(20);
    expect(out.instance_create_time_is_datetime).to.equal(true);
    expect(out.endpoint_port).to.equal(5432);
    expect(out.tags).to.deep.equal({ client: 'boto3' });
    expect(out.parameter_group).to.equal('boto3-j1-pg');
    expect(out.modified_group).to.equal('boto3-j1-pg');
    expect(out.user_parameters).to.deep.include({ work_mem: '8192' });
    expect(out.snapshot_type).to.equal('manual');
    expect(out.snapshot_status).to.equal('available');
    expect(out.snapshot_allocated_storage).to.equal(20);
    expect(out.restored_identifier).to.equal('boto3-j1-r');
    expect(out.restored_engine_version).to.equal('16.4');
    expect(out.deleting_status).to.deep.equal(['deleting', 'deleting']);
    expect(out.not_found_code).to.equal('DBInstanceNotFound');
    // The walk really read the answers: hundreds of fields across the calls.
    expect(out.distinct_fields).to.be.greaterThan(100);
    process.stdout.write(`      botocore ${out.botocore}: ${out.fields_checked} fields checked (${out.distinct_fields} distinct paths)\n`);
  });
});
