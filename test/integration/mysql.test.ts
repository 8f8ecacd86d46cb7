import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { CreateDBSnapshotCommand, DescribeDBSnapshotsCommand } from '@aws-sdk/client-rds';
import { LOCAL_MYSQL_SERVICE_ID, LOCAL_PLANS } from '../../src/local/config.js';
import { pollUntilDone, startStack, type Stack } from '../support/stack.js';
import { caOf } from '../support/osb-flows.js';

/** MySQL through the OSB API, on the emulator's real MariaDB servers (Debian's mariadb-server). */
const mariadbInstalled = ['/usr/sbin/mariadbd', '/usr/bin/mariadbd'].some((path) => existsSync(path));

describe('MySQL plans through the OSB API', function () {
  this.timeout(300_000);
  let stack: Stack;
  let ca: string;

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

  const body = {
    service_id: LOCAL_MYSQL_SERVICE_ID,
    plan_id: LOCAL_PLANS.mysql,
    context: { platform: 'cloudfoundry', organization_guid: 'o', space_guid: 's' },
  };
  const bind = async (instanceId: string, bindingId: string, parameters: Record<string, unknown> = {}) => {
    const response = await stack.server.client.put(`/v2/service_instances/${instanceId}/service_bindings/${bindingId}`, {
      ...body,
      parameters,
    });
    expect(response.status, response.text).to.be.oneOf([200, 201]);
    return response.json.credentials as Record<string, any>;
  };
  const connect = (c: Record<string, any>) =>
    mysql.createConnection({ host: c.host, port: c.port, user: c.username, password: c.password, database: c.name, ssl: { ca } });
  const refused = async (c: Record<string, any>) => {
    try {
      await (await connect(c)).end();
      return false;
    } catch (error) {
      return /Access denied/.test((error as Error).message);
    }
  };

  const a = randomUUID();
  let first: Record<string, any>;

  it('provisions, binds with mysql:// and jdbc:mysql:// credentials over verified TLS, and shares tables between bindings', async () => {
    expect((await stack.server.client.put(`/v2/service_instances/${a}?accepts_incomplete=true`, body)).status).to.equal(202);
    expect((await pollUntilDone(stack, a, 'provision')).state).to.equal('succeeded');
    first = await bind(a, 'one');
    expect(first.uri).to.match(/^mysql:\/\//);
    expect(first.uri).to.contain('ssl-mode=VERIFY_IDENTITY');
    expect(first.jdbcUrl).to.match(/^jdbc:mysql:\/\//);
    const c1 = await connect(first);
    await c1.query('CREATE TABLE notes (v VARCHAR(20))');
    await c1.query("INSERT INTO notes VALUES ('kept')");
    await c1.end();
    const second = await bind(a, 'two');
    const c2 = await connect(second);
    const [rows] = await c2.query('SELECT v FROM notes');
    expect((rows as any[]).map((r) => r.v)).to.deep.equal(['kept']);
    await c2.end();
  });

  it('a read-only binding reads and cannot write', async () => {
    const reader = await bind(a, 'reader', { read_only: true });
    const c = await connect(reader);
    const [rows] = await c.query('SELECT count(*) AS n FROM notes');
    expect(Number((rows as any[])[0].n)).to.equal(1);
    let error = '';
    await c.query("INSERT INTO notes VALUES ('no')").catch((e: Error) => (error = e.message));
    expect(error).to.match(/denied/i);
    await c.end();
  });

  it("restores from a snapshot: the data comes along, the source's users do not", async () => {
    const rds = stack.rds;
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: `local-${a}`, DBSnapshotIdentifier: `mysql-${a.slice(0, 8)}` }));
    for (let i = 0; i < 600; i++) {
      const s = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: `mysql-${a.slice(0, 8)}` }));
      if (s.DBSnapshots?.[0]?.Status === 'available') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const b = randomUUID();
    const response = await stack.server.client.put(`/v2/service_instances/${b}?accepts_incomplete=true`, {
      ...body,
      parameters: { restore_from_latest_snapshot_of: a },
    });
    expect(response.status, response.text).to.equal(202);
    const done = await pollUntilDone(stack, b, 'restore');
    expect(done.state, done.description).to.equal('succeeded');
    const fresh = await bind(b, 'fresh');
    const c = await connect(fresh);
    const [rows] = await c.query('SELECT v FROM notes');
    expect((rows as any[]).map((r) => r.v)).to.deep.equal(['kept']);
    await c.end();
    expect(await refused({ ...first, host: fresh.host, port: fresh.port })).to.equal(true);
  });

  it('unbinding refuses the credentials; deprovision answers 410 at the end', async () => {
    expect(
      (
        await stack.server.client.delete(
          `/v2/service_instances/${a}/service_bindings/one?service_id=${LOCAL_MYSQL_SERVICE_ID}&plan_id=${LOCAL_PLANS.mysql}`,
        )
      ).status,
    ).to.equal(200);
    expect(await refused(first)).to.equal(true);
    expect(
      (
        await stack.server.client.delete(
          `/v2/service_instances/${a}?accepts_incomplete=true&service_id=${LOCAL_MYSQL_SERVICE_ID}&plan_id=${LOCAL_PLANS.mysql}`,
        )
      ).status,
    ).to.equal(202);
    expect((await pollUntilDone(stack, a, 'deprovision')).status).to.equal(410);
  });
});
