import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { DescribeDBInstancesCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { LOCAL_MYSQL_SERVICE_ID, LOCAL_PLANS } from '../../src/local/config.js';
import { startStack, type Stack } from '../support/stack.js';
import { caOf, cfContext } from '../support/osb-flows.js';
import { describeOne, eventually, performedActions, pollCounting } from '../support/replica-flows.js';

/** The read replica journey on the MySQL plan: the emulator's MariaDB replicas follow the primary's binary log. */
const mariadbInstalled = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].some((path) => existsSync(path));

describe('read replicas over OSB (MySQL, real binary log replication)', function () {
  this.timeout(300_000);
  let stack: Stack;
  let ca: string;
  const id = randomUUID();
  const primaryId = `local-${id}`;
  const plan = { service_id: LOCAL_MYSQL_SERVICE_ID, plan_id: LOCAL_PLANS.mysqlReplicated };

  before(async function () {
    if (!mariadbInstalled) {
      console.log("      skipped: mariadbd is not installed (.ci/run installs Debian's mariadb-server)");
      this.skip();
    }
    stack = await startStack({ emulator: { speed: 0 } });
    ca = caOf(stack);
  });
  after(async () => {
    await stack?.stop();
  });

  /** Connects with exactly a binding URI's host, port, user, password and database, verifying TLS. */
  const connect = (uri: string) => {
    const url = new URL(uri);
    return mysql.createConnection({
      host: url.hostname,
      port: Number(url.port),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: url.pathname.slice(1),
      ssl: { ca },
    });
  };
  const rows = async (uri: string, sql: string) => {
    const connection = await connect(uri);
    try {
      return (await connection.query(sql))[0] as Array<Record<string, unknown>>;
    } finally {
      await connection.end();
    }
  };
  let credentials: Record<string, any>;

  it('provision with read_replicas: 2 makes both replicas as steps, one DescribeDBInstances per poll', async () => {
    const response = await stack.server.client.put(`/v2/service_instances/${id}?accepts_incomplete=true`, {
      ...plan,
      context: cfContext(),
      parameters: { read_replicas: 2 },
    });
    expect(response.status, response.text).to.equal(202);
    const done = await pollCounting(stack, id, 'provision');
    expect(done.state, done.description).to.equal('succeeded');
    expect([...new Set(done.reads)]).to.deep.equal([1]);
    const primary = await describeOne(stack, primaryId);
    expect([...(primary.ReadReplicaDBInstanceIdentifiers ?? [])].sort()).to.deep.equal([`${primaryId}-r1`, `${primaryId}-r2`]);
  });

  it('bind: a row written on uri is readable on both replica_uris; a write on a replica is refused by the server', async () => {
    const response = await stack.server.client.put(`/v2/service_instances/${id}/service_bindings/app`, plan);
    expect(response.status, response.text).to.equal(201);
    credentials = response.json.credentials;
    expect(credentials.replica_uris).to.have.length(2);
    expect(credentials.replica_uri).to.equal(credentials.replica_uris[0]);
    for (const uri of credentials.replica_uris) expect(uri).to.match(/^mysql:\/\/.*\?ssl-mode=VERIFY_IDENTITY$/);
    for (const jdbc of credentials.replica_jdbcUrls) expect(jdbc).to.match(/^jdbc:mysql:\/\/.*&sslMode=VERIFY_IDENTITY$/);
    await rows(credentials.uri, 'CREATE TABLE notes (v VARCHAR(40))');
    await rows(credentials.uri, "INSERT INTO notes VALUES ('from the primary')");
    for (const uri of credentials.replica_uris) {
      const found = await eventually(
        () => rows(uri, 'SELECT v FROM notes'),
        (r) => Array.isArray(r) && r.length === 1,
      );
      expect(found).to.deep.equal([{ v: 'from the primary' }]);
      const refused = await rows(uri, "INSERT INTO notes VALUES ('on a replica')").then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(refused).to.match(/read-only|read_only/);
    }
  });

  it('deprovision deletes the replicas first, then the primary with its final snapshot; nothing else is left', async () => {
    const response = await stack.server.client.delete(
      `/v2/service_instances/${id}?accepts_incomplete=true&service_id=${plan.service_id}&plan_id=${plan.plan_id}`,
    );
    expect(response.status, response.text).to.equal(202);
    expect((await pollCounting(stack, id, 'deprovision')).state).to.equal('gone');
    expect(performedActions(stack).filter((a) => / PendingDelete delete/.test(a))).to.deep.equal([
      `${id} PendingDelete delete-replica`,
      `${id} PendingDelete delete-replica`,
      `${id} PendingDelete delete`,
    ]);
    expect((await stack.rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? []).to.deep.equal([]);
    for (const replica of [`${primaryId}-r1`, `${primaryId}-r2`])
      expect((await stack.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: replica }))).DBSnapshots ?? []).to.deep.equal([]);
    const finals = await stack.rds.send(new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: primaryId, SnapshotType: 'manual' }));
    expect((finals.DBSnapshots ?? []).some((s) => s.DBSnapshotIdentifier?.startsWith(`${primaryId}-final-`))).to.equal(true);
  });
});
