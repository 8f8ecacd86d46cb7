import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunningEmulator } from '../../src/emulator/index.js';
import { startModelEmulator } from './helpers.js';

/**
 * A client this project did not write: the AWS SDK for Go (Debian's golang-github-aws-aws-sdk-go-dev,
 * built offline against /usr/share/gocode) runs create → describe → modify a parameter group →
 * snapshot → restore → delete against the emulator, with its own waiters. The SDK unmarshals
 * every answer into its typed structs, so a field of the wrong type fails the journey.
 */

const run = promisify(execFile);
const source = fileURLToPath(new URL('../clients/go-journey/main.go', import.meta.url));
const GOCODE = '/usr/share/gocode';

async function goMissing(): Promise<string | undefined> {
  try {
    await run('go', ['version']);
  } catch {
    return 'go is not installed (Debian: golang-go; .ci/run installs it)';
  }
  if (!existsSync(join(GOCODE, 'src/github.com/aws/aws-sdk-go/service/rds'))) {
    return `the AWS SDK for Go is not in ${GOCODE} (Debian: golang-github-aws-aws-sdk-go-dev; .ci/run installs it)`;
  }
  return undefined;
}

describe('emulator: an AWS SDK for Go journey', function () {
  this.timeout(300_000);
  let emulator: RunningEmulator | undefined;
  let dir: string | undefined;
  let binary = '';

  before(async function () {
    const missing = await goMissing();
    if (missing) {
      process.stdout.write(`      skipped: ${missing}\n`);
      this.skip();
    }
    // Built once per run, offline, in GOPATH mode against Debian's Go packages; the build cache is
    // kept between runs so a rebuild takes seconds.
    dir = mkdtempSync(join(tmpdir(), 'go-journey-'));
    mkdirSync(join(dir, 'src/journey'), { recursive: true });
    copyFileSync(source, join(dir, 'src/journey/main.go'));
    binary = join(dir, 'journey');
    await run('go', ['build', '-o', binary, '.'], {
      cwd: join(dir, 'src/journey'),
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${dir}:${GOCODE}`,
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: process.env.GOCACHE ?? join(tmpdir(), 'rds-broker-go-build-cache'),
      },
      timeout: 240_000,
    });
    emulator = await startModelEmulator();
  });
  after(async () => {
    await emulator?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates, describes, changes a parameter group, snapshots, restores and deletes, every answer unmarshalled', async () => {
    const { stdout } = await run(binary, [emulator!.url, emulator!.region, 'j1'], { timeout: 240_000 });
    const out = JSON.parse(stdout);
    expect(out).to.deep.equal({
      created_status: 'creating',
      engine: 'postgres',
      allocated_storage: 20,
      create_time_set: true,
      endpoint_port: 5432,
      parameter_group: 'go-j1-pg',
      tag: 'go',
      user_parameters: { work_mem: '8192' },
      snapshot_status: 'available',
      snapshot_type: 'manual',
      restored_engine_version: '16.4',
      not_found_code: 'DBInstanceNotFound',
    });
  });
});
