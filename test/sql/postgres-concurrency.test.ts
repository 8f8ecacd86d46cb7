import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSqlGateway, type BindingUserSpec, type DatabaseTarget } from '../../src/sql/index.js';
import { loginWorks, targetFor } from './support/clients.js';
import { startEmulatedPostgres } from './support/emulatedPostgres.js';
import type { TestCluster } from './support/postgresCluster.js';

const child = fileURLToPath(new URL('./support/ensureInChild.ts', import.meta.url));

/** ensureBindingUser in a separate Node process; resolves with what it printed and its exit code. */
function ensureInChild(
  target: DatabaseTarget,
  spec: BindingUserSpec,
): Promise<{ code: number | null; result: { outcome?: string; error?: string } }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', child], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += String(d)));
    proc.on('error', reject);
    proc.on('close', (code) => {
      try {
        resolve({ code, result: JSON.parse(out) });
      } catch {
        reject(new Error(`child printed ${JSON.stringify(out)} and exited ${code}`));
      }
    });
    proc.stdin.end(JSON.stringify({ target, spec }));
  });
}

describe('sql/ PostgreSQL: concurrent broker processes (emulated RDS PostgreSQL, RDS-like master)', function () {
  this.timeout(180_000);
  const gateway = createSqlGateway();
  let cluster: TestCluster;

  before(async () => {
    cluster = await startEmulatedPostgres({ master: 'rds-like', database: 'app' });
    await cluster.asSuperuser((c) => c.query(`CREATE DATABASE "second db" OWNER ${c.escapeIdentifier(cluster.masterUsername)}`));
    // As the fixture does for the first database on PostgreSQL 14: the database owner owns schema public.
    await cluster.asSuperuser(async (c) => {
      if (Number((await c.query(`SHOW server_version_num`)).rows[0].server_version_num) < 150000) {
        await c.query(`ALTER SCHEMA public OWNER TO ${c.escapeIdentifier(cluster.masterUsername)}`);
      }
    }, 'second db');
  });
  after(async () => {
    await cluster?.stop();
  });

  /** Waits until a session of the gateway is blocked on a lock (polling the server, no sleeps to guess). */
  async function gatewayBlockedOnLock(): Promise<void> {
    for (;;) {
      const waiting = await cluster.asSuperuser(
        async (c) =>
          (
            await c.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'rds-broker' AND wait_event_type = 'Lock'`,
            )
          ).rows[0].n,
      );
      if (waiting > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('a role created by someone else between our check and our CREATE: the transaction is retried as an update', async () => {
    // Another session creates the shared owner role and the binding role but has not committed:
    // the gateway sees neither, tries to create both, and blocks on the first; when the other
    // commits, its CREATE fails with a unique violation, and the retry finds them.
    const other = new (await import('pg')).default.Client({
      host: cluster.host,
      port: cluster.port,
      database: 'postgres',
      user: cluster.masterUsername,
      password: cluster.masterPassword,
      ssl: { ca: cluster.ca.caPem, rejectUnauthorized: true },
    });
    await other.connect();
    const spec: BindingUserSpec = {
      username: 'rdsb_raced',
      password: 'Raced-Password-1',
      readOnly: false,
      secretId: 'k1',
      bindingId: 'raced',
    };
    try {
      await other.query(`BEGIN`);
      await other.query(`CREATE ROLE rdsb_owner NOLOGIN`);
      await other.query(`CREATE ROLE rdsb_raced LOGIN PASSWORD 'Someone-Else-1'`);
      const ensuring = gateway.ensureBindingUser(targetFor(cluster), spec);
      await gatewayBlockedOnLock();
      await other.query(`COMMIT`);
      expect(await ensuring).to.equal('updated');
    } finally {
      await other.end();
    }
    expect(await loginWorks(cluster, spec.username, spec.password)).to.equal(true);
    expect((await gateway.findBindingUser(targetFor(cluster), spec.username))?.bindingId).to.equal('raced');
    expect(await gateway.dropBindingUser(targetFor(cluster), spec.username)).to.equal('dropped');
  });

  it('two processes ensuring the same binding at the same moment both succeed, one of them creating it', async () => {
    const target = targetFor(cluster);
    const spec: BindingUserSpec = {
      username: 'rdsb_two_procs',
      password: 'Two-Processes-1',
      readOnly: false,
      secretId: 'k1',
      bindingId: 'two-procs',
    };
    const results = await Promise.all([ensureInChild(target, spec), ensureInChild(target, spec)]);
    expect(results.map((r) => r.code)).to.deep.equal([0, 0]);
    expect(results.map((r) => r.result.outcome).sort()).to.deep.equal(['created', 'unchanged']);
    expect(await loginWorks(cluster, spec.username, spec.password)).to.equal(true);
    await gateway.dropBindingUser(target, spec.username);
  });

  it('first bindings in two databases of one cluster at once: role creation races are retried, not failed', async () => {
    // Roles are per cluster while the broker's lock is per database: here the lock does not
    // serialise the two, so the shared roles may be created twice at once.
    const targets = [targetFor(cluster), targetFor(cluster, { database: 'second db' })];
    const specs = targets.flatMap((_, t) =>
      [0, 1, 2].map(
        (i): BindingUserSpec => ({
          username: `rdsb_db${t}_${i}`,
          password: `Db-${t}-${i}-password`,
          readOnly: i === 2,
          secretId: 'k1',
          bindingId: `db${t}-${i}`,
        }),
      ),
    );
    const outcomes = await Promise.all(specs.map((spec, i) => gateway.ensureBindingUser(targets[Math.floor(i / 3)]!, spec)));
    expect(outcomes).to.deep.equal(specs.map(() => 'created'));
    for (const spec of specs) expect(await loginWorks(cluster, spec.username, spec.password), spec.username).to.equal(true);
    expect(await Promise.all(specs.map((spec, i) => gateway.dropBindingUser(targets[Math.floor(i / 3)]!, spec.username)))).to.deep.equal(
      specs.map(() => 'dropped'),
    );
  });
});
