import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { masterPassword } from '../../src/naming/derive.js';
import { LOCAL_PLANS, LOCAL_SERVICE_ID } from '../../src/local/config.js';
import { request } from '../support/http.js';
import { sample } from '../support/prometheus-text.js';
import { startStack, type Stack } from '../support/stack.js';
import { caOf, provisionAndWait, query } from '../support/osb-flows.js';

describe('TLS to databases: a broker that does not trust the server refuses to go on', function () {
  this.timeout(180_000);
  let stack: Stack;
  const dir = mkdtempSync(join(tmpdir(), 'rds-broker-wrong-ca-'));
  const wrongCa = join(dir, 'other-ca.pem');

  before(async () => {
    // An authority of its own, which signed nothing the emulator serves.
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        wrongCa,
        '-days',
        '1',
        '-subj',
        '/CN=not the emulator',
      ],
      { stdio: 'ignore' },
    );
    stack = await startStack({ configure: (doc) => (doc.database.tls.caBundleFile = wrongCa) });
  });
  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The value of rds_broker_database_tls_failures_total for engine postgres, failure certificate (0 when absent). */
  const tlsFailures = async () => {
    const text = (await request(`${stack.server.url}/metrics`)).text;
    return sample(text, 'rds_broker_database_tls_failures_total', { engine: 'postgres', failure: 'certificate' }) ?? 0;
  };

  it('bind fails with a description naming certificate verification, and creates no role', async () => {
    const id = randomUUID();
    const failuresBefore = await tlsFailures();
    expect((await provisionAndWait(stack, id)).state).to.equal('succeeded');
    const response = await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/${randomUUID()}`, {
      service_id: LOCAL_SERVICE_ID,
      plan_id: LOCAL_PLANS.small,
    });
    expect(response.status).to.equal(502);
    expect(response.json.description).to.match(/certificate/i);
    expect(response.json.description).to.contain('127.0.0.1');
    // Checked as the master user, over a connection that does trust the emulator's authority.
    const observed = (await stack.broker.deps.rds.describeInstance(`local-${id}`))!;
    const master = `postgres://rdsadmin_broker:${masterPassword(stack.config.broker.derivationSecrets[0]!, id)}@${observed.endpoint!.address}:${observed.endpoint!.port}/appdb`;
    const roles = await query(master, caOf(stack), "SELECT count(*)::int AS n FROM pg_roles WHERE rolname LIKE 'rdsb\\_%' AND rolcanlogin");
    expect(roles[0].n).to.equal(0);
    const logged = stack.brokerLog.text() + stack.server.captured.text();
    expect(logged).to.match(/certificate/i);

    // The operator sees it too: a counter, and /readyz's detail naming the host and reason, while
    // the broker stays ready (RDS answers; other instances can still be served).
    expect(await tlsFailures()).to.be.greaterThan(failuresBefore);
    const ready = await request(`${stack.server.url}/readyz`);
    expect(ready.status).to.equal(200);
    expect(ready.json.status).to.equal('ready');
    expect(ready.json.database_tls).to.include({ status: 'failing', host: observed.endpoint!.address, port: observed.endpoint!.port });
    expect(ready.json.database_tls.failure).to.equal('certificate');
    expect(ready.json.database_tls.reason).to.match(/certificate/i);
    expect(ready.text).not.to.contain(masterPassword(stack.config.broker.derivationSecrets[0]!, id));
    expect(ready.text).not.to.contain(stack.config.broker.derivationSecrets[0]!.value);
  });
});
