import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createConnection, type Connection } from 'mysql2/promise';
import type { DatabaseError } from '../../../src/emulator/databases/errors.js';
import { createMariadbEngine } from '../../../src/emulator/databases/mariadb.js';
import type { DatabaseServer, DatabaseSpec } from '../../../src/emulator/databases/types.js';
import { probePort, processGone, runProgram, Scratch } from './support.js';

interface MysqlLogin {
  port: number;
  user: string;
  password: string;
  database?: string;
  mode: 'verify' | 'plain';
  ca?: string;
}

async function withMysql<T>(login: MysqlLogin, work: (c: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection({
    host: '127.0.0.1',
    port: login.port,
    user: login.user,
    password: login.password,
    database: login.database ?? 'app',
    ssl: login.mode === 'verify' ? { ca: login.ca, rejectUnauthorized: true } : undefined,
    connectTimeout: 10_000,
  });
  connection.on('error', () => undefined);
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

async function outcome(login: MysqlLogin): Promise<'ok' | { code?: string; message: string }> {
  try {
    await withMysql(login, (c) => c.query('SELECT 1'));
    return 'ok';
  } catch (error) {
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
}

const installed = existsSync('/usr/sbin/mariadbd') && existsSync('/usr/bin/mariadb-backup');

/** The MariaDB engine (MySQL and MariaDB instances) against real mariadbd processes. */
describe('emulator databases: MariaDB engine', function () {
  this.timeout(180_000);
  const engine = createMariadbEngine({ engine: 'mysql' });
  let scratch: Scratch;
  let spec: DatabaseSpec;
  let server: DatabaseServer;
  const master = (overrides: Partial<MysqlLogin> = {}): MysqlLogin => ({
    port: spec.port,
    user: spec.masterUsername,
    password: spec.masterPassword,
    mode: 'verify',
    ca: scratch.authority.caPem,
    ...overrides,
  });

  before(async function () {
    if (!installed) {
      console.log('      skipped: mariadb-server and mariadb-backup are not installed (apt-get install mariadb-server mariadb-backup)');
      this.skip();
    }
    scratch = await Scratch.create();
    spec = await scratch.spec('my-main', { masterUsername: 'admin' }, 'mysql');
    server = scratch.track(await engine.create(spec));
  });

  after(async () => {
    await scratch?.cleanUp();
  });

  it('creates a server that verifies as the authority signed it, with the master user and database', async () => {
    const facts = await withMysql(master(), async (c) => {
      const [rows] = await c.query('SELECT CURRENT_USER() AS who, DATABASE() AS db, @@require_secure_transport AS forced');
      const [cipher] = await c.query("SHOW SESSION STATUS LIKE 'Ssl_version'");
      return { ...(rows as Array<Record<string, unknown>>)[0], tls: (cipher as Array<{ Value: string }>)[0]?.Value };
    });
    expect(facts).to.deep.equal({ who: 'admin@%', db: 'app', forced: 0, tls: facts.tls });
    expect(String(facts.tls)).to.match(/^TLSv1\.[23]$/);
    expect(await outcome(master({ ca: undefined }))).to.not.equal('ok');
  });

  it('leaves no account of the installer behind', async () => {
    const users = await withMysql(
      master(),
      async (c) => (await c.query("SELECT CONCAT(User, '@', Host) AS u FROM mysql.global_priv ORDER BY 1"))[0] as Array<{ u: string }>,
    );
    expect(users.map((row) => row.u)).to.deep.equal(['admin@%', 'mariadb.sys@localhost', 'rdsadmin@127.0.0.1']);
  });

  it('refuses plain text once require_secure_transport is on, without a restart, and accepts it again when off', async () => {
    const pid = server.pid;
    expect(await outcome(master({ mode: 'plain' }))).to.equal('ok');
    await server.applyParameters({ require_secure_transport: '1' });
    const refused = await outcome(master({ mode: 'plain' }));
    // MariaDB 10.11 words this refusal as a denied login, for the same credentials that work over TLS.
    expect(refused).to.not.equal('ok');
    expect((refused as { code?: string }).code).to.equal('ER_ACCESS_DENIED_ERROR');
    expect(await outcome(master())).to.equal('ok');
    await server.applyParameters({});
    expect(await outcome(master({ mode: 'plain' }))).to.equal('ok');
    expect(server.pid).to.equal(pid);
  });

  it('applies dynamic variables at once, keeps static ones for the restart, and refuses unknown ones', async () => {
    const read = (name: string) =>
      withMysql(master(), async (c) => String(((await c.query(`SELECT @@GLOBAL.${name} AS v`))[0] as Array<{ v: unknown }>)[0]?.v));
    const backLog = await read('back_log');
    expect(backLog).to.not.equal('77');
    await server.applyParameters({ max_connections: '77', back_log: '77', max_allowed_packet: '32M' });
    expect(await read('max_connections')).to.equal('77');
    expect(await read('back_log')).to.equal(backLog); // read-only while running: waits for the restart
    expect(await read('max_allowed_packet')).to.equal(String(32 * 1024 * 1024));
    let failure: unknown;
    try {
      await server.applyParameters({ max_connections: '60', no_such_variable: '1' });
    } catch (error) {
      failure = error;
    }
    expect((failure as DatabaseError).code).to.equal('InvalidParameter');
    expect(await read('max_connections')).to.equal('77');
    await server.restart();
    scratch.track(server);
    expect(await read('max_connections')).to.equal('77');
    expect(await read('back_log')).to.equal('77');
  });

  it('changes the master password: the old one is refused, the new one accepted', async () => {
    const old = spec.masterPassword;
    await server.setMasterPassword('New-My-Pass-2');
    const refused = await outcome(master({ password: old }));
    expect(refused).to.not.equal('ok');
    expect((refused as { code?: string }).code).to.equal('ER_ACCESS_DENIED_ERROR');
    expect(await outcome(master({ password: 'New-My-Pass-2' }))).to.equal('ok');
    spec = { ...spec, masterPassword: 'New-My-Pass-2' };
  });

  it('restores a backup with its rows and its users with their passwords', async () => {
    await withMysql(master(), async (c) => {
      await c.query('CREATE TABLE kept (id INT PRIMARY KEY, note TEXT)');
      await c.query("INSERT INTO kept VALUES (1, 'one'), (2, 'two')");
      await c.query("CREATE USER 'app_user'@'%' IDENTIFIED BY 'App-User-Pass-3'");
      await c.query("GRANT SELECT ON app.* TO 'app_user'@'%'");
    });
    const backupDir = join(scratch.root, 'backups', 'my-main-1');
    await server.backup(backupDir);
    const copySpec = await scratch.spec('my-copy', { masterUsername: 'admin', masterPassword: 'ignored-Pass-9' }, 'mysql');
    const copy = scratch.track(await engine.restoreFromBackup(backupDir, copySpec));
    expect(await outcome(master({ port: copySpec.port, password: 'ignored-Pass-9' }))).to.not.equal('ok');
    const notes = await withMysql(master({ port: copySpec.port, user: 'app_user', password: 'App-User-Pass-3' }), async (c) =>
      ((await c.query('SELECT note FROM kept ORDER BY id'))[0] as Array<{ note: string }>).map((r) => r.note),
    );
    expect(notes).to.deep.equal(['one', 'two']);
    await copy.stop();
  });

  it('restores to a point in time between two commits, a second apart or more', async () => {
    const base = join(scratch.root, 'backups', 'my-main-base');
    await server.backup(base);
    await withMysql(master(), (c) => c.query('CREATE TABLE events (id INT)'));
    await withMysql(master(), (c) => c.query('INSERT INTO events VALUES (1)'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const target = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await withMysql(master(), (c) => c.query('INSERT INTO events VALUES (2)'));
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the latest restorable time trails by a second
    expect(server.restorableWindow().latest!.getTime()).to.be.greaterThan(target.getTime());
    const pitrSpec = await scratch.spec('my-pitr', { masterUsername: 'admin' }, 'mysql');
    const restored = scratch.track(await engine.restoreToPointInTime(base, server.walArchiveDir!, target, pitrSpec));
    const ids = await withMysql(master({ port: pitrSpec.port }), async (c) =>
      ((await c.query('SELECT id FROM events ORDER BY id'))[0] as Array<{ id: number }>).map((r) => r.id),
    );
    expect(ids).to.deep.equal([1]);
    await restored.stop();
  });

  it('connects with the mariadb command-line client verifying the server certificate', async () => {
    const client = await runProgram('mariadb', [
      '-h',
      '127.0.0.1',
      '-P',
      String(spec.port),
      '-u',
      spec.masterUsername,
      `--password=${spec.masterPassword}`,
      `--ssl-ca=${scratch.authority.caFile}`,
      '--ssl-verify-server-cert',
      '-N',
      '-e',
      "SHOW SESSION STATUS LIKE 'Ssl_version'",
    ]);
    expect(client.stderr).to.equal('');
    expect(client.stdout).to.match(/Ssl_version\s+TLSv1\.[23]/);
  });

  it('takes the data directory back from a server an earlier emulator process left running', async () => {
    const orphanPid = server.pid!;
    const reopened = scratch.track(createMariadbEngine({ engine: 'mysql' }).open({ ...spec }));
    await reopened.start();
    scratch.track(reopened);
    expect(reopened.pid).to.be.a('number').and.not.equal(orphanPid);
    expect(processGone(orphanPid)).to.equal(true);
    expect(await outcome(master())).to.equal('ok');
    server = reopened;
  });

  it('stops: no process, no open port; open() brings the data back', async () => {
    const pid = server.pid!;
    await server.stop();
    expect(processGone(pid)).to.equal(true);
    expect(await probePort(spec.port)).to.equal('refused');
    const log = await readFile(join(spec.dataDir, 'mariadb.log'), 'utf8');
    expect(log).to.include('Shutdown complete');
    const reopened = scratch.track(createMariadbEngine({ engine: 'mysql' }).open({ ...spec }));
    await reopened.start();
    scratch.track(reopened);
    const count = await withMysql(
      master(),
      async (c) => ((await c.query('SELECT COUNT(*) AS n FROM kept'))[0] as Array<{ n: number }>)[0]?.n,
    );
    expect(count).to.equal(2);
    await reopened.stop();
    for (const each of scratch.pids) expect(processGone(each), `pid ${each}`).to.equal(true);
  });
});
