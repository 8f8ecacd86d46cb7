import { expect } from 'chai';
import { createConnection } from 'mysql2/promise';
import { createMariadbEngine } from '../../../src/emulator/databases/mariadb.js';
import type { DatabaseServer, DatabaseSpec } from '../../../src/emulator/databases/types.js';
import { Scratch, until } from './support.js';
import { findMariadbd } from '../../sql/support/mariadbServer.js';

/**
 * MariaDB read replicas at the engine: the source's binary log replayed on a read_only replica
 * (GTID, over verified TLS), a write by the master user refused by MariaDB itself, replication
 * after restarts, and promotion to a writable server.
 */
describe('emulator databases: MariaDB read replicas', function () {
  this.timeout(240_000);
  const engine = createMariadbEngine({ engine: 'mysql' });
  let scratch: Scratch;
  let sourceSpec: DatabaseSpec;
  let source: DatabaseServer;
  let replicaSpec: DatabaseSpec;
  let replica: DatabaseServer;

  async function sql(spec: DatabaseSpec, text: string): Promise<unknown[]> {
    const connection = await createConnection({
      host: '127.0.0.1',
      port: spec.port,
      user: 'master',
      password: sourceSpec.masterPassword,
      database: 'app',
      ssl: { ca: scratch.authority.caPem },
    });
    try {
      return (await connection.query(text))[0] as unknown[];
    } finally {
      await connection.end();
    }
  }
  const values = async (spec: DatabaseSpec) => ((await sql(spec, 'SELECT v FROM t ORDER BY v')) as Array<{ v: string }>).map((r) => r.v);

  before(async function () {
    scratch = await Scratch.create();
    sourceSpec = await scratch.spec('my-source', {}, 'mysql');
    // Only a missing server skips: any other failure to create the source is a failure of the test.
    if (!findMariadbd()) {
      console.log('      skipped: mariadbd is not installed (Debian: apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    source = scratch.track(await engine.create(sourceSpec));
    await sql(sourceSpec, 'CREATE TABLE t (v varchar(40) PRIMARY KEY)');
    await sql(sourceSpec, "INSERT INTO t VALUES ('before')");
    replicaSpec = await scratch.spec('my-replica', {}, 'mysql');
    replica = scratch.track(await engine.createReplica!(source, replicaSpec));
  });
  after(async () => {
    await scratch?.cleanUp();
  });

  it('starts with the source data, replicating; a write by the master user is refused by read_only', async () => {
    expect(await values(replicaSpec)).to.deep.equal(['before']);
    expect(await replica.replication!()).to.deep.equal({ status: 'replicating' });
    const refused = await sql(replicaSpec, "INSERT INTO t VALUES ('x')").catch((e: Error) => e);
    expect((refused as Error).message).to.equal(
      'The MariaDB server is running with the --read-only option so it cannot execute this statement',
    );
  });

  it('replays what the source writes, also after both restarted', async () => {
    await sql(sourceSpec, "INSERT INTO t VALUES ('after')");
    await until(async () => (await values(replicaSpec)).includes('after'), 'the row on the replica');
    await replica.stop();
    await source.restart();
    replica = scratch.track(engine.open(replicaSpec));
    await replica.start();
    await sql(sourceSpec, "INSERT INTO t VALUES ('restarted')");
    await until(async () => (await values(replicaSpec)).includes('restarted'), 'the row after restarts');
  });

  it('promotes: writable, no longer replicating', async () => {
    await replica.promote!();
    await sql(replicaSpec, "INSERT INTO t VALUES ('promoted')");
    await sql(sourceSpec, "INSERT INTO t VALUES ('source only')");
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await values(replicaSpec)).to.deep.equal(['after', 'before', 'promoted', 'restarted']);
    expect(await replica.replication!()).to.equal(undefined);
  });
});
