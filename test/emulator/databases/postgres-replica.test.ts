import { expect } from 'chai';
import { createPostgresEngine } from '../../../src/emulator/databases/postgres.js';
import type { DatabaseServer, DatabaseSpec } from '../../../src/emulator/databases/types.js';
import { Scratch, until, withClient, type Login } from './support.js';

/**
 * PostgreSQL read replicas at the engine: a hot standby streaming real WAL from its source over
 * TLS, refusing writes with PostgreSQL's own error, surviving a restart of both, and promoted to a
 * writable server that no longer follows its source.
 */
describe('emulator databases: PostgreSQL read replicas', function () {
  this.timeout(180_000);
  const engine = createPostgresEngine({ archiveTimeoutSeconds: 1 });
  let scratch: Scratch;
  let sourceSpec: DatabaseSpec;
  let source: DatabaseServer;
  let replicaSpec: DatabaseSpec;
  let replica: DatabaseServer;
  const login = (spec: DatabaseSpec): Login => ({
    port: spec.port,
    user: spec.masterUsername,
    password: sourceSpec.masterPassword,
    mode: 'verify',
    ca: scratch.authority.caPem,
  });
  const rows = (spec: DatabaseSpec) =>
    withClient(login(spec), async (client) => (await client.query<{ v: string }>('SELECT v FROM t ORDER BY v')).rows.map((r) => r.v));

  before(async () => {
    scratch = await Scratch.create();
    sourceSpec = await scratch.spec('pg-source');
    source = scratch.track(await engine.create(sourceSpec));
    await withClient(login(sourceSpec), (client) => client.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('before')"));
    replicaSpec = await scratch.spec('pg-replica', { masterPassword: 'not-used-by-a-replica' });
    replica = scratch.track(await engine.createReplica!(source, replicaSpec));
  });

  after(async () => {
    await scratch?.cleanUp();
  });

  it('starts as a hot standby with the source data, replicating, with its own certificate', async () => {
    expect(await rows(replicaSpec)).to.deep.equal(['before']);
    expect(await replica.replication!()).to.deep.equal({ status: 'replicating' });
    expect(await source.replication!()).to.equal(undefined);
    const recovering = await withClient(login(replicaSpec), async (c) => (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0].r);
    expect(recovering).to.equal(true);
  });

  it('receives a row written on the source (real WAL) and refuses a write with PostgreSQL own error', async () => {
    await withClient(login(sourceSpec), (client) => client.query("INSERT INTO t VALUES ('after')"));
    await until(async () => (await rows(replicaSpec)).includes('after'), 'the row on the replica');
    const refused = await withClient(login(replicaSpec), (client) => client.query("INSERT INTO t VALUES ('x')")).catch((e: Error) => e);
    expect((refused as Error).message).to.equal('cannot execute INSERT in a read-only transaction');
    const senders = await withClient(
      login(sourceSpec),
      async (c) => (await c.query('SELECT usename, ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid)')).rows,
    );
    expect(senders).to.deep.equal([{ usename: 'rdsrepladmin', ssl: true }]);
  });

  it('keeps replicating after both are restarted', async () => {
    await replica.stop();
    await source.restart();
    const reopened = scratch.track(engine.open(replicaSpec));
    await reopened.start();
    replica = reopened;
    await withClient(login(sourceSpec), (client) => client.query("INSERT INTO t VALUES ('restarted')"));
    await until(async () => (await rows(replicaSpec)).includes('restarted'), 'the row after restarts');
    expect((await replica.replication!())?.status).to.equal('replicating');
  });

  it('promotes: writable, no longer following the source, and the source slot goes', async () => {
    const { slotName } = await replica.promote!();
    expect(slotName).to.equal('rds_replica_pg_replica');
    await source.dropReplicationSlot!(slotName!);
    await withClient(login(replicaSpec), (client) => client.query("INSERT INTO t VALUES ('promoted')"));
    await withClient(login(sourceSpec), (client) => client.query("INSERT INTO t VALUES ('source only')"));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await rows(replicaSpec)).to.deep.equal(['after', 'before', 'promoted', 'restarted']);
    expect(await replica.replication!()).to.equal(undefined);
    const slots = await withClient(login(sourceSpec), async (c) => (await c.query('SELECT slot_name FROM pg_replication_slots')).rows);
    expect(slots).to.deep.equal([]);
  });
});
