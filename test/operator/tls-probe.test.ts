import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateDBInstanceCommand, DescribeDBInstancesCommand, type RDSClient } from '@aws-sdk/client-rds';
import { findMariadbd } from '../sql/support/mariadbServer.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { probeTls } from '../../src/operator/tls-probe.js';
import { rdsClient } from '../emulator/helpers.js';

/**
 * check's TLS handshake, without login, against real emulated databases: PostgreSQL (SSLRequest)
 * and MariaDB (the SSL request packet after the greeting). Verified with the emulator's authority,
 * refused with another one, and "unreachable" (not a verdict on the bundle) where nothing listens.
 */
const run = promisify(execFile);
/** What OpenSSL says when the chain does not lead to a trusted authority. */
const VERIFICATION = /self.signed certificate|unable to (get local issuer|verify)/i;

describe('check: the TLS probe against PostgreSQL and MariaDB', function () {
  this.timeout(300_000);
  let emulator: RunningEmulator;
  let rds: RDSClient;
  const dir = mkdtempSync(join(tmpdir(), 'rds-broker-probe-'));
  let emulatorCa = '';
  let otherCa = '';

  before(async () => {
    emulator = await startEmulator({ speed: 0, visibilityLagMs: 0, region: 'eu-west-1', log: () => undefined });
    rds = rdsClient(emulator);
    emulatorCa = readFileSync(emulator.caFile, 'utf8');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'other.key'),
      '-out',
      join(dir, 'other.pem'),
      '-days',
      '30',
      '-subj',
      '/CN=Some other root CA',
    ]);
    otherCa = readFileSync(join(dir, 'other.pem'), 'utf8');
  });
  after(async () => {
    rds?.destroy();
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function endpointOf(identifier: string, engine: string): Promise<{ host: string; port: number }> {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        Engine: engine,
        DBInstanceClass: 'db.t3.micro',
        MasterUsername: 'master',
        MasterUserPassword: 'master-password-1',
        AllocatedStorage: 20,
      }),
    );
    await emulator.settle();
    const instance = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }))).DBInstances![0]!;
    expect(instance.DBInstanceStatus).to.equal('available');
    return { host: instance.Endpoint!.Address!, port: instance.Endpoint!.Port! };
  }

  it('PostgreSQL: verified with the emulator’s authority, refused with another, no verdict where nothing listens', async () => {
    const { host, port } = await endpointOf('probe-pg', 'postgres');
    expect(await probeTls({ engine: 'postgres', host, port, ca: emulatorCa, timeoutMs: 5000 })).to.deep.equal({ state: 'verified' });
    const refused = await probeTls({ engine: 'postgres', host, port, ca: otherCa, timeoutMs: 5000 });
    expect(refused.state).to.equal('refused');
    expect((refused as { reason: string }).reason).to.match(VERIFICATION);
    // Node.js's own authorities (no ca given) do not hold the emulator's either.
    expect((await probeTls({ engine: 'postgres', host, port, timeoutMs: 5000 })).state).to.equal('refused');
    const closed = await probeTls({ engine: 'postgres', host: '127.0.0.1', port: 1, ca: emulatorCa, timeoutMs: 5000 });
    expect(closed.state).to.equal('unreachable');
    expect((closed as { reason: string }).reason).to.contain('ECONNREFUSED');
  });

  it('MariaDB: verified with the emulator’s authority, refused with another', async function () {
    if (!findMariadbd()) {
      console.log('      skipped: mariadbd is not installed (Debian: apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    const { host, port } = await endpointOf('probe-maria', 'mariadb');
    expect(await probeTls({ engine: 'mariadb', host, port, ca: emulatorCa, timeoutMs: 5000 })).to.deep.equal({ state: 'verified' });
    const refused = await probeTls({ engine: 'mariadb', host, port, ca: otherCa, timeoutMs: 5000 });
    expect(refused.state).to.equal('refused');
    expect((refused as { reason: string }).reason).to.match(VERIFICATION);
  });
});
