import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatabaseError } from '../../../src/emulator/databases/errors.js';
import { createPostgresEngine } from '../../../src/emulator/databases/postgres.js';
import type { DatabaseServer, DatabaseSpec } from '../../../src/emulator/databases/types.js';
import { loginOutcome, probePort, processGone, runProgram, Scratch, until, withClient, type Login } from './support.js';

/**
 * The PostgreSQL engine against real servers: TLS verified as clients verify RDS, rds.force_ssl
 * with PostgreSQL's own refusal, passwords, backups that carry roles, point-in-time restore, and
 * stops that leave no process and no open port behind.
 */
describe('emulator databases: PostgreSQL engine', function () {
  this.timeout(120_000);
  // archive_timeout 1 s: the archive catches up with a write within about a second.
  const engine = createPostgresEngine({ archiveTimeoutSeconds: 1 });
  let scratch: Scratch;
  let spec: DatabaseSpec;
  let server: DatabaseServer;
  const master = (overrides: Partial<Login> = {}): Login => ({
    port: spec.port,
    user: spec.masterUsername,
    password: spec.masterPassword,
    mode: 'verify',
    ca: scratch.authority.caPem,
    ...overrides,
  });

  before(async () => {
    scratch = await Scratch.create();
    spec = await scratch.spec('pg-main');
    server = scratch.track(await engine.create(spec));
  });

  after(async () => {
    await scratch?.cleanUp();
  });

  it('creates a server that verifies as the authority signed it, with the master user and database', async () => {
    const facts = await withClient(
      master(),
      async (client) =>
        (
          await client.query(
            `SELECT current_user AS "user", current_database() AS db, s.ssl, r.rolsuper
         FROM pg_stat_ssl s, pg_roles r WHERE s.pid = pg_backend_pid() AND r.rolname = current_user`,
          )
        ).rows[0],
    );
    expect(facts).to.deep.equal({ user: 'master', db: 'app', ssl: true, rolsuper: false });
    expect(server.pid).to.be.a('number');
  });

  it('is refused by a client that does not trust the authority', async () => {
    const outcome = await loginOutcome(master({ ca: undefined }));
    expect(outcome).to.not.equal('ok');
    expect((outcome as { message: string }).message).to.match(/self[- ]signed|unable to (get|verify)/i);
  });

  it('refuses plain text while rds.force_ssl is 1 and accepts it once 0, without a restart', async () => {
    const pidBefore = server.pid;
    const refused = await loginOutcome(master({ mode: 'plain' }));
    expect(refused).to.not.equal('ok');
    expect((refused as { message: string }).message).to.equal(
      'no pg_hba.conf entry for host "127.0.0.1", user "master", database "app", no encryption',
    );
    await server.applyParameters({ 'rds.force_ssl': '0' });
    expect(await loginOutcome(master({ mode: 'plain' }))).to.equal('ok');
    expect(await loginOutcome(master())).to.equal('ok');
    expect(server.pid).to.equal(pidBefore);
    await server.applyParameters({ 'rds.force_ssl': '1' });
    expect(await loginOutcome(master({ mode: 'plain' }))).to.not.equal('ok');
    expect(server.pid).to.equal(pidBefore);
  });

  it('applies dynamic parameters at once and static ones at the next restart', async () => {
    await server.applyParameters({ 'rds.force_ssl': '1', work_mem: '8MB', shared_preload_libraries: 'pg_stat_statements' });
    const show = (name: string) => withClient(master(), async (c) => (await c.query(`SHOW ${name}`)).rows[0]?.[name] as string);
    expect(await show('work_mem')).to.equal('8MB');
    expect(await show('shared_preload_libraries')).to.equal('');
    await server.restart();
    scratch.track(server);
    expect(await show('shared_preload_libraries')).to.equal('pg_stat_statements');
    expect(await show('work_mem')).to.equal('8MB');
  });

  it('refuses a parameter PostgreSQL rejects, and keeps the previous values', async () => {
    let failure: unknown;
    try {
      await server.applyParameters({ 'rds.force_ssl': '1', work_mem: '8MB', no_such_setting: 'on' });
    } catch (error) {
      failure = error;
    }
    expect(failure).to.be.instanceOf(DatabaseError);
    expect((failure as DatabaseError).code).to.equal('InvalidParameter');
    expect((failure as Error).message).to.include('no_such_setting');
    expect(server.spec.parameters).to.deep.equal({ 'rds.force_ssl': '1', work_mem: '8MB', shared_preload_libraries: 'pg_stat_statements' });
    await server.restart(); // the previous file is back: the server still starts
    scratch.track(server);
    expect(await loginOutcome(master())).to.equal('ok');
  });

  it('changes the master password: the old one is refused, the new one accepted', async () => {
    const old = spec.masterPassword;
    await server.setMasterPassword('New-pass/with"odd chars\'1');
    const refused = await loginOutcome(master({ password: old }));
    expect(refused).to.not.equal('ok');
    expect((refused as { code?: string }).code).to.equal('28P01');
    expect(await loginOutcome(master({ password: 'New-pass/with"odd chars\'1' }))).to.equal('ok');
    spec = { ...spec, masterPassword: 'New-pass/with"odd chars\'1' };
  });

  it('restores a backup with its rows, its roles and their passwords, whatever the new spec says', async () => {
    await withClient(master(), async (c) => {
      await c.query('CREATE TABLE kept (id int PRIMARY KEY, note text)');
      await c.query(`INSERT INTO kept SELECT g, 'row ' || g FROM generate_series(1, 500) g`);
      await c.query(`CREATE ROLE app_user LOGIN PASSWORD 'app-user-Secret-7'`);
      await c.query('GRANT SELECT ON kept TO app_user');
    });
    const backupDir = join(scratch.root, 'backups', 'pg-main-1');
    await server.backup(backupDir);
    expect(await readFile(join(backupDir, 'backup_label'), 'utf8')).to.match(/^START WAL LOCATION/m);

    const copySpec = await scratch.spec('pg-copy', { masterPassword: 'not-what-the-source-had-1' });
    const copy = scratch.track(await engine.restoreFromBackup(backupDir, copySpec));
    const asCopy = (login: Partial<Login>) => ({ ...master(), port: copySpec.port, ...login });
    expect(await loginOutcome(asCopy({ password: 'not-what-the-source-had-1' }))).to.not.equal('ok');
    const count = await withClient(asCopy({}), async (c) => (await c.query('SELECT count(*)::int AS n FROM kept')).rows[0]?.n);
    expect(count).to.equal(500);
    const seen = await withClient(
      asCopy({ user: 'app_user', password: 'app-user-Secret-7' }),
      async (c) => (await c.query('SELECT note FROM kept WHERE id = 42')).rows[0]?.note,
    );
    expect(seen).to.equal('row 42');
    // The copy is a server of its own: TLS with its own certificate, rds.force_ssl from its own spec.
    expect(await loginOutcome(asCopy({ mode: 'plain' }))).to.not.equal('ok');
    expect(copy.pid).to.not.equal(server.pid);
  });

  it('restores to a point in time between two commits: the first is there, the second is not', async () => {
    const baseDir = join(scratch.root, 'backups', 'pg-main-base');
    await server.backup(baseDir);
    await withClient(master(), (c) => c.query('CREATE TABLE events (id int, at timestamptz DEFAULT clock_timestamp())'));
    await withClient(master(), (c) => c.query('INSERT INTO events (id) VALUES (1)'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const target = new Date();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await withClient(master(), (c) => c.query('INSERT INTO events (id) VALUES (2)'));
    const afterSecond = new Date();
    // Wait until the archive holds the second commit, so that recovery meets it and stops before it.
    await until(() => (server.restorableWindow().latest ?? new Date(0)) > afterSecond, 'the archive to cover the second insert');
    const window = server.restorableWindow();
    expect(window.earliest).to.be.instanceOf(Date);
    expect(window.earliest!.getTime()).to.be.at.most(target.getTime());

    const pitrSpec = await scratch.spec('pg-pitr');
    const restored = scratch.track(await engine.restoreToPointInTime(baseDir, server.walArchiveDir!, target, pitrSpec));
    const ids = await withClient({ ...master(), port: pitrSpec.port }, async (c) =>
      (await c.query('SELECT id FROM events ORDER BY id')).rows.map((r) => r.id),
    );
    expect(ids).to.deep.equal([1]);
    const log = await readFile(join(pitrSpec.dataDir, 'postgres.log'), 'utf8');
    expect(log).to.match(/recovery stopping before commit of transaction/);
    // Promoted: it takes writes, and parameters (the recovery settings it started with are no obstacle).
    await withClient({ ...master(), port: pitrSpec.port }, (c) => c.query('INSERT INTO events (id) VALUES (3)'));
    await restored.applyParameters({ 'rds.force_ssl': '0', work_mem: '4MB' });
    expect(await loginOutcome({ ...master(), port: pitrSpec.port, mode: 'plain' })).to.equal('ok');
    await restored.restart();
    scratch.track(restored);
    expect(await loginOutcome({ ...master(), port: pitrSpec.port, mode: 'plain' })).to.equal('ok');
    await restored.stop();
  });

  it('refuses a point in time before the base backup was consistent', async () => {
    const baseDir = join(scratch.root, 'backups', 'pg-main-late');
    const before = new Date(Date.now() - 60_000);
    await server.backup(baseDir);
    let failure: unknown;
    try {
      await engine.restoreToPointInTime(baseDir, server.walArchiveDir!, before, await scratch.spec('pg-too-early'));
    } catch (error) {
      failure = error;
    }
    expect((failure as DatabaseError).code).to.equal('RestoreTargetOutOfRange');
  });

  it('connects with Debian psql and sslmode=verify-full; sslmode=disable is refused', async function () {
    const psql = '/usr/bin/psql';
    const probe = await runProgram(psql, ['--version']);
    if (probe.code !== 0) {
      console.log('      skipped: psql (postgresql-client) is not installed');
      this.skip();
    }
    const conninfo = (sslmode: string) =>
      `host=localhost port=${spec.port} user=master dbname=app sslmode=${sslmode} sslrootcert=${scratch.authority.caFile}`;
    const env = { PGPASSWORD: spec.masterPassword, PGCONNECT_TIMEOUT: '10' };
    const verified = await runProgram(
      psql,
      [conninfo('verify-full'), '-Atc', 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'],
      env,
    );
    expect(verified.stderr).to.equal('');
    expect(verified.stdout.trim()).to.equal('t');
    const plain = await runProgram(psql, [conninfo('disable'), '-Atc', 'SELECT 1'], env);
    expect(plain.code).to.not.equal(0);
    expect(plain.stderr).to.include('no pg_hba.conf entry for host "127.0.0.1", user "master", database "app", no encryption');
  });

  it('stops: the process is gone and the port closed; open() brings the data back', async () => {
    const pid = server.pid!;
    await withClient(master(), (c) => c.query('CREATE TABLE survives (v text); INSERT INTO survives VALUES ($$yes$$)'));
    await server.stop();
    expect(server.pid).to.equal(undefined);
    expect(processGone(pid)).to.equal(true);
    expect(await probePort(spec.port)).to.equal('refused');
    expect(server.restorableWindow().latest).to.be.instanceOf(Date);

    const reopened = scratch.track(createPostgresEngine({ archiveTimeoutSeconds: 1 }).open({ ...spec }));
    await reopened.start();
    scratch.track(reopened);
    const value = await withClient(master(), async (c) => (await c.query('SELECT v FROM survives')).rows[0]?.v);
    expect(value).to.equal('yes');
    await reopened.stop();
  });

  it('leaves none of the processes it started running', async () => {
    for (const s of scratch.servers) await s.stop();
    expect(scratch.pids.size).to.be.greaterThan(3);
    for (const pid of scratch.pids) expect(processGone(pid), `pid ${pid}`).to.equal(true);
  });
});
